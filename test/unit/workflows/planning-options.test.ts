import { restoreActivityOptions } from '../../../src/workflows/activity-options';
import { normalizeRestoreRequest } from '../../../src/workflows/normalize-request';

const timingsOf = (timings?: Record<string, unknown>) => {
  const r = normalizeRestoreRequest({ storage: 'local:///b', ...(timings ? { timings } : {}) });
  if (!('value' in r)) throw new Error(r.problems.join('; '));
  return r.value.timings;
};

test('planning heartbeats: a dead worker is noticed within a minute, never only at the 15-minute deadline', () => {
  expect(restoreActivityOptions(timingsOf(), 'q-control').planning).toMatchObject({ startToCloseTimeout: '15m', heartbeatTimeout: 60_000 });
  // Never below a minute (the plan build is one synchronous stretch), and never below the restore's own timeout.
  expect(restoreActivityOptions(timingsOf({ heartbeatTimeoutMs: 1500 }), 'q-control').planning.heartbeatTimeout).toBe(60_000);
  expect(restoreActivityOptions(timingsOf({ heartbeatTimeoutMs: 120_000 }), 'q-control').planning.heartbeatTimeout).toBe(120_000);
});

test('recovery in seconds: by default every data activity and keeper tick is retried within 8 s of its worker dying', () => {
  const o = restoreActivityOptions(timingsOf(), 'q-control');
  for (const name of ['schema', 'split', 'ingest', 'checksum', 'keeper', 'keeperTick'] as const) expect([name, o[name].heartbeatTimeout]).toEqual([name, 8_000]);
  // A keeper tick is never cancelled (the workflow waits for it), and stays on the control queue.
  expect(o.keeperTick).toMatchObject({ taskQueue: 'q-control', startToCloseTimeout: 60_000 });
  expect('cancellationType' in o.keeperTick).toBe(false);
  // A longer input timeout still caps the tick's at 10 s: a lost renewal must not hold up a stop for long.
  expect(restoreActivityOptions(timingsOf({ heartbeatTimeoutMs: 60_000 }), 'q-control').keeperTick.heartbeatTimeout).toBe(10_000);
});
