import { CancellationScope, patched } from '@temporalio/workflow';
import type { RestoreActivityProxies, RestoreRun } from './restore-context';
import type { UndoRecord } from './types';

/** Undo kinds that hand the cluster back while the restore is paused; the GC safepoint and rate limit stay. */
export const CLUSTER_MODE_UNDO: UndoRecord['kind'][] = ['normalMode', 'restoreSchedules'];

/**
 * The proxies for steps whose change an undo record reverses. Runs that take `brflow-changes-end-before-undo` wait,
 * on cancel, for such a step to end (activity-options.ts `pdChange`); runs recorded before keep the SDK's default,
 * under which the workflow saw the cancel at once and their histories went straight on to the undo. Asked at each
 * step, so a running restore takes it at its next one and a replay meets the marker where it was recorded.
 */
export function clusterChanges(acts: RestoreActivityProxies): { pd: RestoreActivityProxies['pd']; mode: RestoreActivityProxies['mode'] } {
  return patched('brflow-changes-end-before-undo') ? { pd: acts.pdChange, mode: acts.modeChange } : { pd: acts.pd, mode: acts.mode };
}

/**
 * Import mode and scheduler pauses (BR restorePreWork), each undo recorded before its step; then the keeper
 * learns to renew them too.
 */
export async function prepareCluster(run: RestoreRun): Promise<void> {
  if (run.req.online) return;
  await pauseAndEnterImportMode(run);
  await run.keeper.specChanged();
}

/**
 * The steps of prepareCluster without the keeper: scheduler snapshot → pauses → import mode, each undo recorded
 * before its step. The side-by-side setup runs them beside other steps and starts the keeper itself.
 */
export async function pauseAndEnterImportMode(run: RestoreRun): Promise<void> {
  const { acts, target, saga, st, req } = run;
  const snapshot = await acts.schedulePlan.planSchedules({ ttlSec: req.timings.pauseTtlSec, ...target });
  saga.push({ kind: 'restoreSchedules', snapshot });
  await clusterChanges(acts).mode.applySchedules({ ...snapshot, ...target });
  saga.push({ kind: 'normalMode' });
  await clusterChanges(acts).mode.enterImportMode(target);
  st.prepared = true;
}

/**
 * How this run undoes (Saga.compensate): side by side once it takes `brflow-undo-side-by-side`, one by one for
 * runs recorded before. Asked where each undo starts, so a restore already running when its worker was upgraded
 * takes it at its next undo, and a replay meets the marker at the same place.
 */
export function undoOrder(): { sideBySide: boolean } {
  return { sideBySide: patched('brflow-undo-side-by-side') };
}

/** Gives the cluster back while paused: keeper stopped first, then normal mode and schedules restored. */
export async function handBack(run: RestoreRun): Promise<void> {
  await run.keeper.stop();
  run.st.prepared = false;
  await run.saga.compensate(run.undo, CLUSTER_MODE_UNDO, undoOrder());
  run.keeper.start();
}

/**
 * The restore's end, however it ends (done, failed, cancelled): the keeper stopped, every undo record run, then
 * the cluster lock released for the next restore. Not cancellable: a cancel arriving now must not leave the
 * cluster half handed back, and the lock is released even when an undo step fails for good.
 */
export async function releaseCluster(run: RestoreRun): Promise<void> {
  await CancellationScope.nonCancellable(async () => {
    try {
      await run.keeper.stop();
      await run.saga.compensate(run.undo, undefined, undoOrder());
    } finally {
      await run.lock.release();
    }
  });
}
