import { ApplicationFailure } from '@temporalio/activity';
import { clusterLockId } from '../plan/cluster-lock-id';
import { clusterKey } from '../plan/earlier-run';
import { ErrorType } from '../plan/error-types';
import { outstandingUndo, recordedLockId } from '../plan/outstanding-undo';
import { DEFAULT_TIMINGS, normalizeRestoreRequest } from '../workflows/normalize-request';
import type { ClusterRef, RestoreTimings, UndoRecord } from '../workflows/types';
import { decodeRunHistory, type WorkflowHistorySource } from './earlier-run';
import { typed } from './to-failure';

/** The workflow ID of the cleanup of one restore run: its existence marks the run as handled. */
export function cleanupWorkflowId(restoreRunId: string): string {
  return `brflow-cleanup-${restoreRunId}`;
}

/** A restore run that ended without compensating, and what it still owed the cluster. */
export interface AbandonedRestore {
  workflowId: string;
  runId: string;
  /** TERMINATED or TIMED_OUT. */
  status: string;
  cluster?: ClusterRef;
  /** Undo records still owed, oldest first (src/plan/outstanding-undo.ts). */
  undo: UndoRecord[];
  /**
   * A restore running on the same cluster now: it owns import mode, the scheduler pauses and the rate limit
   * (and hands them back when it ends), so only the dead run's own GC safepoint is removed.
   */
  ownedBy?: string;
  timings: RestoreTimings;
  /** The cluster lock the run may still hold (released by the cleanup). */
  lockId: string;
}

/** Visibility query text for a string literal. */
const quote = (v: string): string => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** Finding restores that ended without compensating (terminated, timed out), for the janitor workflow. */
export function janitorActivities(history: WorkflowHistorySource | undefined) {
  return {
    /**
     * Restore runs of `taskQueue` (whose workers, and so whose own cluster, the janitor shares) closed as
     * terminated or timed out within `lookbackHours` that no cleanup workflow handled yet, each with the undo
     * records its history shows it still owed. One visibility query when there is nothing to do.
     */
    async findAbandonedRestores(input: { taskQueue: string; lookbackHours: number; limit: number }): Promise<AbandonedRestore[]> {
      return typed(async () => {
        if (!history) throw ApplicationFailure.nonRetryable('this worker has no Temporal client to look for abandoned restores with; run it with `brflow worker`', ErrorType.Internal);
        const since = quote(new Date(Date.now() - input.lookbackHours * 3_600_000).toISOString());
        const RESTORE = `WorkflowType = 'restoreWorkflow' AND TaskQueue = ${quote(input.taskQueue)}`;
        const dead = await history.list(`${RESTORE} AND (ExecutionStatus = 'Terminated' OR ExecutionStatus = 'TimedOut') AND CloseTime > ${since}`, input.limit);
        if (dead.length === 0) return [];
        const handled = new Set((await history.list(`WorkflowType = 'restoreCleanupWorkflow' AND TaskQueue = ${quote(input.taskQueue)} AND StartTime > ${since}`, 10_000)).map((w) => w.workflowId));
        const todo = dead.filter((d) => !handled.has(cleanupWorkflowId(d.runId)));
        if (todo.length === 0) return [];
        const running = await history.list(`${RESTORE} AND ExecutionStatus = 'Running'`, 1_000);
        const runningOn = await Promise.all(running.map(async (r) => ({ workflowId: r.workflowId, key: clusterKey(clusterOf(await history.startInput(r.workflowId, r.runId))) })));
        const out: AbandonedRestore[] = [];
        for (const d of todo) {
          const run = await history.latestRun(d.workflowId);
          // The ID was reused since: that run is someone else's now; its own cleanup is its business.
          if (!run || run.runId !== d.runId) continue;
          const decoded = decodeRunHistory(run.events);
          const normalized = normalizeRestoreRequest(decoded.input);
          const cluster = 'value' in normalized ? normalized.value.cluster : undefined;
          const owner = runningOn.find((r) => r.workflowId !== d.workflowId && r.key === clusterKey(cluster));
          out.push({
            workflowId: d.workflowId,
            runId: d.runId,
            status: d.status,
            ...(cluster ? { cluster } : {}),
            undo: outstandingUndo(decoded),
            ...(owner ? { ownedBy: owner.workflowId } : {}),
            timings: 'value' in normalized ? normalized.value.timings : DEFAULT_TIMINGS,
            // The lock the dead run took (its cluster's); one from its addresses if it took none.
            lockId: recordedLockId(decoded) ?? clusterLockId(input.taskQueue, cluster),
          });
        }
        return out;
      });
    },
  };
}

function clusterOf(input: unknown): unknown {
  return typeof input === 'object' && input !== null ? (input as { cluster?: unknown }).cluster : undefined;
}
