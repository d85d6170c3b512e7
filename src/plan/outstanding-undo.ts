import type { UndoRecord } from '../workflows/types';
import type { RunHistory } from './earlier-run';

/**
 * The undo records a restore still owed when its run ended, rebuilt from that run's history as its saga kept
 * them (src/workflows/saga.ts): the continuation's records, then each step's record added when the step was
 * scheduled (or, for the scheduler snapshot, returned) and dropped when its undo completed. A run that was
 * terminated or timed out never compensated: this is what the janitor undoes for it. Pure.
 */
export function outstandingUndo(run: RunHistory): UndoRecord[] {
  const cont = run.continuation as { undo?: UndoRecord[] } | undefined | null;
  const undo: UndoRecord[] = [...(cont?.undo ?? [])];
  const drop = (match: (r: UndoRecord) => boolean): void => {
    for (let i = undo.length - 1; i >= 0; i--) {
      if (match(undo[i]!)) {
        undo.splice(i, 1);
        return;
      }
    }
  };
  for (const a of run.activities) {
    const input = (a.input ?? {}) as Record<string, unknown>;
    switch (a.type) {
      case 'planSchedules':
        if (a.state === 'completed') undo.push({ kind: 'restoreSchedules', snapshot: a.result as Extract<UndoRecord, { kind: 'restoreSchedules' }>['snapshot'] });
        break;
      case 'enterImportMode':
        undo.push({ kind: 'normalMode' });
        break;
      case 'registerGcSafepoint':
        undo.push({ kind: 'removeGcSafepoint', serviceId: String(input.serviceId) });
        break;
      case 'setRateLimit':
        if (Number(input.bytesPerSec) > 0 && !undo.some((r) => r.kind === 'clearRateLimit')) undo.push({ kind: 'clearRateLimit' });
        break;
      case 'restoreSchedules':
        if (a.state === 'completed') drop((r) => r.kind === 'restoreSchedules');
        break;
      case 'restoreNormalMode':
        if (a.state === 'completed') drop((r) => r.kind === 'normalMode');
        break;
      case 'removeGcSafepoint':
        if (a.state === 'completed') drop((r) => r.kind === 'removeGcSafepoint' && r.serviceId === input.serviceId);
        break;
      case 'clearRateLimit':
        if (a.state === 'completed') drop((r) => r.kind === 'clearRateLimit');
        break;
    }
  }
  return undo;
}

/** Undo kinds that put cluster-wide modes back; a restore running on the same cluster owns them now. */
export const CLUSTER_STATE_UNDO: readonly UndoRecord['kind'][] = ['normalMode', 'restoreSchedules', 'clearRateLimit'];

/**
 * The cluster lock a restore run took, from its history (the lock request's result: the lock of PD's cluster
 * ID, or of the addresses for runs recorded before); undefined when it took none. The janitor holds this same
 * lock while it undoes what the run left, so a restore queued on it waits. Pure.
 */
export function recordedLockId(run: RunHistory): string | undefined {
  for (const a of run.activities) {
    if (a.type !== 'requestClusterLock' || a.state !== 'completed') continue;
    const r = a.result as { lockId?: unknown } | false | null | undefined;
    if (r && typeof r.lockId === 'string') return r.lockId;
  }
  return undefined;
}
