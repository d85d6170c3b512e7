import type { RestoreActivities } from '../activities';
import type { ClusterScope, UndoRecord } from './types';

type UndoActivities = Pick<RestoreActivities, 'removeGcSafepoint' | 'restoreSchedules' | 'restoreNormalMode' | 'clearRateLimit'>;

/** Runs one undo record through the compensation activities, on the cluster `target` names. */
export function undoStep(acts: UndoActivities, target: ClusterScope): (r: UndoRecord) => Promise<void> {
  return async (r) => {
    switch (r.kind) {
      case 'removeGcSafepoint':
        return acts.removeGcSafepoint({ serviceId: r.serviceId, ...target });
      case 'restoreSchedules':
        return acts.restoreSchedules({ ...r.snapshot, ...target });
      case 'normalMode':
        return acts.restoreNormalMode(target);
      case 'clearRateLimit':
        return acts.clearRateLimit(target);
    }
  };
}
