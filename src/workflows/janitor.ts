import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, WorkflowIdReusePolicy, condition, executeChild, getExternalWorkflowHandle, log, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { RestoreActivities } from '../activities';
import type { AbandonedRestore } from '../activities/janitor';
import { restoreActivityOptions } from './activity-options';
import { lockGrantedSignal, lockReleaseSignal } from './cluster-lock';
import { Saga } from './saga';
import { controlTaskQueueOf } from './task-queues';
import type { UndoRecord } from './types';
import { undoStep } from './undo-step';

export interface JanitorInput {
  /** How far back to look for terminated or timed-out restores. @default 24 */
  lookbackHours?: number;
  /** Most restores cleaned in one run (the next run takes the rest). @default 20 */
  limit?: number;
}

export interface JanitorResult {
  cleaned: { workflowId: string; runId: string; undone: UndoRecord['kind'][]; ownedBy?: string }[];
}

/** The cleanup's ID, as the activity names it (kept here too: workflow code imports no activity module values). */
const cleanupId = (runId: string): string => `brflow-cleanup-${runId}`;

/**
 * Finds restores that ended without compensating (terminated, timed out) and runs each one's owed undo in a
 * child workflow named after the restore run: the child's existence marks the run as handled, so a run is
 * cleaned once however often the janitor runs, and a janitor that dies mid-way leaves the child to finish.
 * `brflow worker` runs this on a Temporal Schedule; `brflow janitor` runs it once.
 */
export async function janitorWorkflow(input: JanitorInput = {}): Promise<JanitorResult> {
  const acts = proxyActivities<RestoreActivities>({ startToCloseTimeout: '2m', retry: { maximumAttempts: 5, initialInterval: '1s', maximumInterval: '10s' } });
  const found = await acts.findAbandonedRestores({ taskQueue: workflowInfo().taskQueue, lookbackHours: input.lookbackHours ?? 24, limit: input.limit ?? 20 });
  const cleaned: JanitorResult['cleaned'] = [];
  for (const f of found) {
    try {
      const r = await executeChild(restoreCleanupWorkflow, {
        workflowId: cleanupId(f.runId),
        args: [f],
        // Started once per restore run, ever; it outlives a janitor run that is stopped meanwhile.
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        parentClosePolicy: ParentClosePolicy.ABANDON,
      });
      cleaned.push({ workflowId: f.workflowId, runId: f.runId, undone: r.undone, ...(f.ownedBy ? { ownedBy: f.ownedBy } : {}) });
    } catch (e) {
      // Another janitor run got there first.
      if (e instanceof WorkflowExecutionAlreadyStartedError) continue;
      throw e;
    }
  }
  if (cleaned.length > 0) log.info('janitor cleaned up after restores', { cleaned: cleaned.length });
  return { cleaned };
}

/**
 * The undo a terminated or timed-out restore owed, newest first, through the same compensation activities and
 * retry policy (unlimited) as the restore's own saga. When a newer restore runs on that cluster, only the dead
 * run's GC safepoint is removed: import mode, scheduler pauses and the rate limit are the newer one's now.
 * Otherwise the cleanup holds the cluster's lock while it undoes, so no restore starting meanwhile is handed
 * back a cluster in normal mode mid-ingest; the dead run's own hold on the lock is released first.
 */
export async function restoreCleanupWorkflow(job: AbandonedRestore): Promise<{ undone: UndoRecord['kind'][] }> {
  const info = workflowInfo();
  const o = restoreActivityOptions(job.timings, controlTaskQueueOf(info.taskQueue));
  const acts = proxyActivities<RestoreActivities>(o.compensation);
  const lockActs = proxyActivities<RestoreActivities>(o.pdCall);
  const kinds: UndoRecord['kind'][] | undefined = job.ownedBy ? ['removeGcSafepoint'] : undefined;
  const lock = { requested: false, granted: false, held: false };
  setHandler(lockGrantedSignal, () => {
    if (lock.requested) lock.granted = true;
  });
  const release = (holder: string) => getExternalWorkflowHandle(job.lockId).signal(lockReleaseSignal, { holder }).catch(() => undefined);
  // A dead holder never releases the cluster lock (the lock notices by itself within seconds; this is sooner).
  await release(job.workflowId);
  if (!job.ownedBy) {
    lock.requested = true;
    lock.held = (await lockActs.requestClusterLock({ lockId: job.lockId, taskQueue: info.taskQueue, holder: info.workflowId, mode: 'wait', ...(job.cluster ? { cluster: job.cluster } : {}) })) !== false;
    if (lock.held) await condition(() => lock.granted);
  }
  try {
    await new Saga(job.undo).compensate(undoStep(acts, job.cluster ? { cluster: job.cluster } : {}), kinds);
  } finally {
    if (lock.held) await release(info.workflowId);
  }
  return { undone: job.undo.filter((r) => !kinds || kinds.includes(r.kind)).map((r) => r.kind) };
}
