import { ApplicationFailure } from '@temporalio/activity';
import { clusterIdLockId } from '../plan/cluster-lock-id';
import { ErrorType } from '../plan/error-types';
import type { TsoAndGc } from './deps';
import type { WorkflowHistorySource } from './earlier-run';
import { typed } from './to-failure';

/** Asking for a cluster's lock workflow (signal-with-start) and checking a holder still runs, through Temporal. */
export function clusterLockActivities(history: WorkflowHistorySource | undefined, pd: Pick<TsoAndGc, 'clusterId'>) {
  const need = (): WorkflowHistorySource => {
    if (!history) throw ApplicationFailure.nonRetryable('this worker has no Temporal client for the cluster lock; run it with `brflow worker`', ErrorType.Internal);
    return history;
  };
  return {
    /**
     * Starts the cluster's lock workflow if needed and queues `holder`; the answer comes as a signal to it.
     * With `byClusterId` the lock is the one of the cluster this activity reached (PD's cluster ID), so two
     * restores naming one cluster by different addresses, or one naming it and one using a worker's own
     * cluster, still take one lock; `lockId` (from the addresses) stands when PD reports no ID, and is used
     * as given without `byClusterId` (inputs recorded before, and the janitor holding a dead restore's lock).
     * The lock taken is returned: the workflow signals it on release. False when this worker has no Temporal
     * client (workers built by hand over bare deps, e.g. in tests): the restore then runs without the lock.
     * `brflow worker` always has one.
     */
    async requestClusterLock(input: { lockId: string; taskQueue: string; holder: string; mode: 'wait' | 'fail'; byClusterId?: boolean }): Promise<{ lockId: string } | false> {
      if (!history) return false;
      return typed(async () => {
        const clusterId = input.byClusterId ? pd.clusterId : 0n;
        const lockId = clusterId > 0n ? clusterIdLockId(clusterId) : input.lockId;
        await history.requestLock({ lockId, taskQueue: input.taskQueue, holder: input.holder, mode: input.mode });
        return { lockId };
      });
    },
    /** Whether the workflow's latest run is still running (a lock holder that ended never releases). */
    async workflowIsRunning(input: { workflowId: string }): Promise<boolean> {
      return typed(async () => (await need().status(input.workflowId)) === 'RUNNING');
    },
  };
}
