import { ApplicationFailure } from '@temporalio/activity';
import { ErrorType } from '../plan/error-types';
import type { WorkflowHistorySource } from './earlier-run';
import { typed } from './to-failure';

/** Asking for a cluster's lock workflow (signal-with-start) and checking a holder still runs, through Temporal. */
export function clusterLockActivities(history: WorkflowHistorySource | undefined) {
  const need = (): WorkflowHistorySource => {
    if (!history) throw ApplicationFailure.nonRetryable('this worker has no Temporal client for the cluster lock; run it with `brflow worker`', ErrorType.Internal);
    return history;
  };
  return {
    /**
     * Starts the cluster's lock workflow if needed and queues `holder`; the answer comes as a signal to it.
     * False when this worker has no Temporal client (workers built by hand over bare deps, e.g. in tests):
     * the restore then runs without the lock. `brflow worker` always has one.
     */
    async requestClusterLock(input: { lockId: string; taskQueue: string; holder: string; mode: 'wait' | 'fail' }): Promise<{ lockId: string } | false> {
      if (!history) return false;
      await typed(() => history.requestLock(input));
      return { lockId: input.lockId };
    },
    /** Whether the workflow's latest run is still running (a lock holder that ended never releases). */
    async workflowIsRunning(input: { workflowId: string }): Promise<boolean> {
      return typed(async () => (await need().status(input.workflowId)) === 'RUNNING');
    },
  };
}
