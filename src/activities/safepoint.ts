import { ApplicationFailure } from '@temporalio/activity';
import { ErrorType } from '../plan/error-types';
import type { TsoAndGc } from './deps';
import { typed } from './to-failure';

/** TSO and the service GC safepoint (BR pkg/utils/safe_point.go, research §7.2). */
export function safepointActivities(pd: TsoAndGc) {
  return {
    /** The restore TS (decimal string: history and JSON carry no bigint). */
    async getRestoreTs(): Promise<string> {
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
