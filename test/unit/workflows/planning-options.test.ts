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
