import type { RunActivity } from '../../../src/plan/earlier-run';
import { outstandingUndo } from '../../../src/plan/outstanding-undo';

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
