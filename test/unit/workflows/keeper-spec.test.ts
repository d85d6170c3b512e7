import type { PdSchedulingSnapshot } from '../../../src/cluster/pd-config';
import { keeperSpecOf } from '../../../src/workflows/keeper-spec';
import { progressMilestone } from '../../../src/workflows/restore-state';
import type { UndoRecord } from '../../../src/workflows/types';

const snapshot: PdSchedulingSnapshot = {
  pdVersion: '8.5.4',
  schedulerMode: 'pause-with-ttl',
  schedulers: ['balance-region-scheduler', 'balance-leader-scheduler'],
  configMode: 'ttl',
  originalConfig: { 'leader-schedule-limit': 4 },
  restoreConfig: { 'leader-schedule-limit': 40 },
  ttlSeconds: 300,
};
const undo: UndoRecord[] = [
  { kind: 'removeGcSafepoint', serviceId: 'brflow-r1' },
  { kind: 'restoreSchedules', snapshot },
  { kind: 'normalMode' },
];
const timings = { gcTtlSec: 300, keeperIntervalMs: 100_000 } as never;
const safepoint = { serviceId: 'brflow-r1', safePoint: '42' };

describe('keeperSpecOf: what the keeper renews', () => {
  test('before the cluster is prepared: the safepoint alone, nothing to renew before it is taken', () => {
    expect(keeperSpecOf({ safepoint: undefined, prepared: false }, [], { online: false, timings }, {})).toEqual({
      safepoint: undefined, schedules: undefined, importMode: false, intervalMs: 100_000,
    });
    expect(keeperSpecOf({ safepoint, prepared: false }, undo, { online: false, timings }, {})).toEqual({
      safepoint: { ...safepoint, ttlSec: 300 }, schedules: undefined, importMode: false, intervalMs: 100_000,
    });
  });

  test('prepared: the pauses the undo record will resume, and import mode; the target is named', () => {
    const cluster = { pd: ['pd-0:2379'], tidb: 'tidb-0:4000' };
    expect(keeperSpecOf({ safepoint, prepared: true }, undo, { online: false, timings }, { cluster })).toEqual({
      safepoint: { ...safepoint, ttlSec: 300 }, schedules: snapshot, importMode: true, intervalMs: 100_000, cluster,
    });
  });

  test('an online restore holds no import mode, and a paused one (not prepared) hands the pauses back', () => {
    expect(keeperSpecOf({ safepoint, prepared: true }, undo, { online: true, timings }, {}).importMode).toBe(false);
    const paused = keeperSpecOf({ safepoint, prepared: false }, undo, { online: false, timings }, {});
    expect(paused.schedules).toBeUndefined();
    expect(paused.importMode).toBe(false);
  });
});

describe('progressMilestone: when BrRestoreProgress is upserted', () => {
  // The start value -1 puts the first upsert at 4 %; changing that would change the commands of running restores.
  test('every 5 % after the last one published, and 100 % once', () => {
    expect(progressMilestone(-1, 39, 1000)).toBeUndefined();
    expect(progressMilestone(-1, 40, 1000)).toBe(4);
    expect(progressMilestone(4, 89, 1000)).toBeUndefined();
    expect(progressMilestone(4, 90, 1000)).toBe(9);
    expect(progressMilestone(9, 250, 1000)).toBe(25);
    expect(progressMilestone(95, 999, 1000)).toBeUndefined();
    expect(progressMilestone(97, 1000, 1000)).toBe(100);
    expect(progressMilestone(100, 1000, 1000)).toBeUndefined();
  });

  test('a restore with nothing to ingest is done', () => {
    expect(progressMilestone(-1, 0, 0)).toBe(100);
    expect(progressMilestone(100, 0, 0)).toBeUndefined();
  });
});
