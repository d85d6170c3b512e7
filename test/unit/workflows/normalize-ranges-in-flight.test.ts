import { normalizeRestoreRequest } from '../../../src/workflows/normalize-request';

test('rangesInFlight: 4 by default, any whole number 1–128, anything else named as a problem', () => {
  const ok = (v?: unknown) => {
    const r = normalizeRestoreRequest({ storage: 'local:///b', ...(v !== undefined ? { rangesInFlight: v } : {}) });
    if (!('value' in r)) throw new Error(r.problems.join('; '));
    return r.value.rangesInFlight;
  };
  expect(ok()).toBe(4);
  expect(ok(1)).toBe(1);
  expect(ok(128)).toBe(128);
  for (const bad of [0, 129, 2.5, '4']) {
    const r = normalizeRestoreRequest({ storage: 'local:///b', rangesInFlight: bad });
    expect('problems' in r && r.problems.join('; ')).toMatch(/rangesInFlight/);
  }
});
