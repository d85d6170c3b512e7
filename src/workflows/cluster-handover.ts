import type { RestoreRun } from './restore-context';
import type { UndoRecord } from './types';

/** Undo kinds that hand the cluster back while the restore is paused; the GC safepoint and rate limit stay. */
export const CLUSTER_MODE_UNDO: UndoRecord['kind'][] = ['normalMode', 'restoreSchedules'];

/**
 * Import mode and scheduler pauses (BR restorePreWork), each undo recorded before its step; then the keeper
 * learns to renew them too.
 */
export async function prepareCluster(run: RestoreRun): Promise<void> {
  const { req, acts, target, saga, st, keeper } = run;
  if (req.online) return;
  const snapshot = await acts.schedulePlan.planSchedules({ ttlSec: req.timings.pauseTtlSec, ...target });
  saga.push({ kind: 'restoreSchedules', snapshot });
  await acts.mode.applySchedules({ ...snapshot, ...target });
  saga.push({ kind: 'normalMode' });
  await acts.mode.enterImportMode(target);
  st.prepared = true;
  await keeper.specChanged();
}

/** Gives the cluster back while paused: keeper stopped first, then normal mode and schedules restored. */
export async function handBack(run: RestoreRun): Promise<void> {
  await run.keeper.stop();
  run.st.prepared = false;
  await run.saga.compensate(run.undo, CLUSTER_MODE_UNDO);
  run.keeper.start();
}
