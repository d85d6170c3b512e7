import { ApplicationFailure } from '@temporalio/activity';
import { ErrorType } from '../plan/error-types';
import type { ClusterScope, ScheduleSnapshot } from '../workflows/types';
import type { ScheduleControl, StoreControl } from './deps';
import { typed } from './to-failure';

/**
 * Import mode, scheduler pauses and the download rate limit: BR's restorePreWork / restorePostWork as separate
 * idempotent steps, so the workflow can record each undo before it applies the step.
 */
export function clusterModeActivities(schedules: ScheduleControl, stores: StoreControl) {
  return {
    /** Reads the schedulers and config values a restore would change; changes nothing. */
    async planSchedules(input: { ttlSec: number }): Promise<ScheduleSnapshot> {
      return typed(() => schedules.plan(input.ttlSec));
    },

    async applySchedules(snapshot: ScheduleSnapshot): Promise<void> {
      return typed(() => schedules.apply(snapshot));
    },

    /** Undo: schedulers resumed, original config back. */
    async restoreSchedules(snapshot: ScheduleSnapshot): Promise<void> {
      return typed(() => schedules.restore(snapshot));
    },

    async enterImportMode(_scope?: ClusterScope): Promise<void> {
      return typed(() => stores.switchMode('import'));
    },

    /** Undo: every store back to normal mode, checked by reading the modes back (retried until they are). */
    async restoreNormalMode(_scope?: ClusterScope): Promise<void> {
      return typed(async () => {
        await stores.switchMode('normal');
        const left = (await stores.modes()).filter((s) => s.mode !== 'normal');
        if (left.length > 0) {
          throw ApplicationFailure.retryable(`stores ${left.map((s) => s.storeId).join(', ')} still in import mode`, ErrorType.ClusterUnavailable);
        }
      });
    },

    async setRateLimit(input: { bytesPerSec: number }): Promise<void> {
      return typed(() => stores.setDownloadSpeedLimit(input.bytesPerSec));
    },

    /** Undo: no download limit left on the stores (BR leaves it set; research §10.2). */
    async clearRateLimit(_scope?: ClusterScope): Promise<void> {
      return typed(() => stores.setDownloadSpeedLimit(0));
    },

    /** Makes the cluster TSO at least the backup's end version (skipped for incremental restores). */
    async resetTs(input: { ts: string }): Promise<void> {
      return typed(() => schedules.resetTs(BigInt(input.ts)));
    },
  };
}
