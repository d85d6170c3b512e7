import type { RunActivity } from '../../../src/plan/earlier-run';
import { outstandingUndo, recordedLockId } from '../../../src/plan/outstanding-undo';

const act = (type: string, state: RunActivity['state'], input: unknown = {}, result?: unknown): RunActivity => ({ type, state, input, ...(result !== undefined ? { result } : {}) });
const snapshot = { schedulers: ['balance-leader-scheduler'], config: {} };

test('a run terminated mid-ingest owes every undo its saga recorded, in push order', () => {
  expect(outstandingUndo({
    input: {},
    activities: [
      act('registerGcSafepoint', 'completed', { serviceId: 'brflow-1' }),
      act('planSchedules', 'completed', {}, snapshot),
      act('applySchedules', 'completed'),
      act('enterImportMode', 'open'),
      act('setRateLimit', 'completed', { bytesPerSec: 100 }),
      act('ingestBatch', 'completed', { batchNo: 0 }),
    ],
  })).toEqual([
    { kind: 'removeGcSafepoint', serviceId: 'brflow-1' },
    { kind: 'restoreSchedules', snapshot },
    { kind: 'normalMode' },
    { kind: 'clearRateLimit' },
  ]);
});

test('undo steps that completed (a pause handed the cluster back) are no longer owed; a continuation starts from its records', () => {
  expect(outstandingUndo({
    input: {},
    continuation: { undo: [{ kind: 'removeGcSafepoint', serviceId: 'brflow-2' }, { kind: 'restoreSchedules', snapshot }, { kind: 'normalMode' }] },
    activities: [act('restoreNormalMode', 'completed'), act('restoreSchedules', 'completed'), act('planSchedules', 'open'), act('setRateLimit', 'completed', { bytesPerSec: 0 })],
  })).toEqual([{ kind: 'removeGcSafepoint', serviceId: 'brflow-2' }]);
  // A failed undo attempt is still owed.
  expect(outstandingUndo({ input: {}, activities: [act('registerGcSafepoint', 'completed', { serviceId: 'brflow-3' }), act('removeGcSafepoint', 'failed', { serviceId: 'brflow-3' })] })).toEqual([
    { kind: 'removeGcSafepoint', serviceId: 'brflow-3' },
  ]);
});

test('the lock a run took is read from its lock request; none when it took none (no client, still asking, or onClusterBusy "ignore")', () => {
  const lock = (state: RunActivity['state'], result?: unknown) => act('requestClusterLock', state, { lockId: 'brflow-lock-pd-pd0:2379', byClusterId: true }, result);
  expect(recordedLockId({ input: {}, activities: [lock('completed', { lockId: 'brflow-lock-cluster-7' }), act('planRestore', 'completed')] })).toBe('brflow-lock-cluster-7');
  // Runs recorded before the cluster-ID lock took their addresses' lock: that is the one they hold.
  expect(recordedLockId({ input: {}, activities: [lock('completed', { lockId: 'brflow-lock-brflow' })] })).toBe('brflow-lock-brflow');
  expect(recordedLockId({ input: {}, activities: [lock('completed', false)] })).toBeUndefined();
  expect(recordedLockId({ input: {}, activities: [lock('open')] })).toBeUndefined();
  expect(recordedLockId({ input: {}, activities: [act('planRestore', 'completed')] })).toBeUndefined();
});
