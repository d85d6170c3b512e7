import type { RunState } from './restore-state';
import type { ClusterScope, KeeperSpec, RestoreRequest, UndoRecord } from './types';

/**
 * What the keeper renews at this moment of a restore. The GC safepoint as soon as it is taken. The scheduler
 * pauses and import mode only while the cluster is prepared: a paused restore has handed them back, and renewing
 * them then would take the cluster away from the operator again. The pauses renewed are the snapshot the undo
 * record holds, so the keeper renews exactly what the undo will resume; an online restore holds no import mode.
 */
export function keeperSpecOf(
  st: Pick<RunState, 'safepoint' | 'prepared'>,
  undo: readonly UndoRecord[],
  req: Pick<RestoreRequest, 'online' | 'timings'>,
  target: ClusterScope,
): KeeperSpec {
  const schedules = st.prepared ? undo.find((r) => r.kind === 'restoreSchedules') : undefined;
  return {
    safepoint: st.safepoint ? { ...st.safepoint, ttlSec: req.timings.gcTtlSec } : undefined,
    schedules: schedules?.kind === 'restoreSchedules' ? schedules.snapshot : undefined,
    importMode: st.prepared && !req.online,
    intervalMs: req.timings.keeperIntervalMs,
    ...target,
  };
}
