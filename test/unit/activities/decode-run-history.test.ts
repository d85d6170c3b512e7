import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { decodeRunHistory } from '../../../src/activities/earlier-run';
import { outstandingUndo, recordedLockId } from '../../../src/plan/outstanding-undo';

/** A committed replay fixture (test/fixtures/histories, recorded from real runs on the Temporal dev server). */
function fixture(name: string): temporal.api.history.v1.IHistoryEvent[] {
  return temporal.api.history.v1.History.decode(readFileSync(join(__dirname, '../../fixtures/histories', name))).events;
}

test('a run with local steps (brflow-fast-setup) reads back whole: local activities from their markers, in history order, with attempt and result', () => {
  const run = decodeRunHistory(fixture('v8-success.bin'));
  const types = run.activities.map((a) => a.type);
  // The setup steps that became local activities are there, between the activities around them.
  expect(types.slice(0, 3)).toEqual(['requestClusterLock', 'planRestore', 'preCheck']);
  expect(types.indexOf('getRestoreTs')).toBeGreaterThan(types.indexOf('preCheck'));
  expect(types.indexOf('registerGcSafepoint')).toBeGreaterThan(types.indexOf('getRestoreTs'));
  expect(types.indexOf('applySchedules')).toBeGreaterThan(types.indexOf('planSchedules'));
  // The hand-back ran its undo steps, each once, after the last checksum.
  const undo = ['clearRateLimit', 'restoreNormalMode', 'restoreSchedules', 'removeGcSafepoint'];
  expect(types.filter((t) => undo.includes(t)).sort()).toEqual([...undo].sort());
  expect(Math.min(...undo.map((t) => types.indexOf(t)))).toBeGreaterThan(types.lastIndexOf('checksumGroup'));
  const tso = run.activities.find((a) => a.type === 'getRestoreTs')!;
  expect(tso).toMatchObject({ state: 'completed', attempt: 1, input: undefined });
  expect(typeof tso.result).toBe('string');
  // The schedule snapshot the janitor would put back is read from the marker's result.
  expect(run.activities.find((a) => a.type === 'planSchedules')!.result).toMatchObject({ pdVersion: expect.any(String) });
  // Every undo completed: a finished run owes nothing; its lock is the one its request returned.
  expect(outstandingUndo(run)).toEqual([]);
  expect(recordedLockId(run)).toMatch(/^brflow-lock-/);
});

test('a run from before local steps reads as before: every step an activity with its input', () => {
  const run = decodeRunHistory(fixture('v7-success.bin'));
  const safepoint = run.activities.find((a) => a.type === 'registerGcSafepoint')!;
  expect(safepoint.input).toMatchObject({ serviceId: expect.stringMatching(/^brflow-/) });
  expect(run.activities.find((a) => a.type === 'getRestoreTs')).toMatchObject({ state: 'completed', attempt: 1 });
  expect(outstandingUndo(run)).toEqual([]);
});

test('a run cut before its hand-back owes the undo of every step it took, the schedule snapshot read from a local activity\'s marker', () => {
  const events = fixture('v8-success.bin');
  // The history up to the first undo step: as a run terminated right before handing back would leave it.
  const undo = ['clearRateLimit', 'restoreNormalMode', 'restoreSchedules', 'removeGcSafepoint'];
  const firstUndo = events.findIndex((e) => undo.includes(e.activityTaskScheduledEventAttributes?.activityType?.name ?? ''));
  expect(firstUndo).toBeGreaterThan(0);
  const owed = outstandingUndo(decodeRunHistory(events.slice(0, firstUndo)));
  expect(owed.map((r) => r.kind)).toEqual(['removeGcSafepoint', 'restoreSchedules', 'normalMode', 'clearRateLimit']);
  expect(owed.find((r) => r.kind === 'restoreSchedules')).toMatchObject({ snapshot: { pdVersion: expect.any(String) } });
});
