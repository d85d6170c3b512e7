import { ApplicationFailure } from '@temporalio/activity';
import { ErrorType } from '../plan/error-types';
import type { TsoAndGc } from './deps';
import type { ClusterScope } from '../workflows/types';
import { typed } from './to-failure';

/** TSO and the service GC safepoint (BR pkg/utils/safe_point.go, research §7.2). */
export function safepointActivities(pd: TsoAndGc) {
  return {
    /**
     * BR's pre-checks that need the live cluster (research §1.1 steps 2, 6): some TiKV store serves, and the
     * backup's major version is not newer than any store's (a newer backup's data format may be unreadable).
     */
    async preCheck(input: { backupClusterVersion: string }): Promise<void> {
      return typed(async () => {
        const stores = await pd.getAllStores();
        if (stores.length === 0) throw ApplicationFailure.retryable('PD lists no serving TiKV store; start the stores', ErrorType.ClusterUnavailable);
        const major = (v: string): number | undefined => {
          const m = /(\d+)\.\d+/.exec(v.replace(/["\s]/g, ''));
          return m ? Number(m[1]) : undefined;
        };
        const backupMajor = major(input.backupClusterVersion);
        if (backupMajor === undefined) return;
        const older = stores.filter((s) => (major(s.version) ?? backupMajor) < backupMajor);
        if (older.length > 0) {
          throw ApplicationFailure.nonRetryable(
            `the backup comes from a v${backupMajor} cluster but TiKV ${older.map((s) => `${s.address} is v${s.version}`).join(', ')}; restore into a cluster of v${backupMajor} or newer`,
            ErrorType.ClusterRejected,
          );
        }
      });
    },

    /** The restore TS (decimal string: history and JSON carry no bigint). */
    async getRestoreTs(_scope?: ClusterScope): Promise<string> {
      return typed(async () => (await pd.getTs()).toString());
    },

    /**
     * Registers `serviceId` at `safePoint` for `ttlSec`. Fails for good when GC already passed the point: the
     * data to restore would be collected under us (BR ErrBackupGCSafepointExceeded).
     */
    async registerGcSafepoint(input: { serviceId: string; safePoint: string; ttlSec: number }): Promise<void> {
      return typed(async () => {
        const sp = BigInt(input.safePoint);
        const gc = await pd.getGcSafePoint();
        if (sp < gc) {
          throw ApplicationFailure.nonRetryable(
            `GC safepoint ${gc} is already past the restore's ${sp}; raise tikv_gc_life_time or restore sooner after taking the TS`,
            ErrorType.ClusterRejected,
          );
        }
        await pd.updateServiceGcSafePoint(input.serviceId, input.ttlSec, sp);
      });
    },

    /** Removes the service safepoint (TTL 0, as BR v9.0 does) instead of leaving it to expire. */
    async removeGcSafepoint(input: { serviceId: string }): Promise<void> {
      return typed(async () => {
        await pd.updateServiceGcSafePoint(input.serviceId, 0, 0n);
      });
    },
  };
}
