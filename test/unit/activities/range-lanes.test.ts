import { runRangeLanes } from '../../../src/activities/range-lanes';

/** A work function whose calls finish when the test says, so interleavings are exact, not timed. */
function controlled() {
  const pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  const started: number[] = [];
  const work = (i: number) =>
    new Promise<void>((resolve, reject) => {
      started.push(i);
      pending.set(i, { resolve, reject });
    });
  const settle = async (i: number, error?: Error) => {
    const p = pending.get(i)!;
    pending.delete(i);
    if (error) p.reject(error);
    else p.resolve();
    // Let the lanes react (start the next index, report the prefix).
    for (let k = 0; k < 5; k++) await Promise.resolve();
  };
  return { work, settle, started, inFlight: () => [...pending.keys()].sort((a, b) => a - b) };
}

test('at most inFlight at once; the reported prefix only ever covers indexes that are all done', async () => {
  const c = controlled();
  const prefixes: number[] = [];
  const run = runRangeLanes({ from: 2, count: 9, inFlight: 3, work: c.work, onPrefix: (n) => prefixes.push(n), stopped: () => false });
  await Promise.resolve();
  expect(c.inFlight()).toEqual([2, 3, 4]);
  await c.settle(4); // out of order: 2 and 3 are not done, so no progress may be claimed
  expect(prefixes).toEqual([]);
  expect(c.inFlight()).toEqual([2, 3, 5]);
  await c.settle(2);
  expect(prefixes).toEqual([3]);
  await c.settle(3); // 3 done and 4 done before: the prefix jumps past both
  expect(prefixes).toEqual([3, 5]);
  for (const i of [5, 6, 7, 8]) await c.settle(i);
  await expect(run).resolves.toBe(9);
  expect(prefixes).toEqual([3, 5, 6, 7, 8, 9]);
  expect(c.started).toEqual([2, 3, 4, 5, 6, 7, 8]);
});

test('a failure starts nothing new, waits for the ranges in flight, then throws it; the prefix stops before it', async () => {
  const c = controlled();
  const prefixes: number[] = [];
  let finished = false;
  const run = runRangeLanes({ from: 0, count: 10, inFlight: 3, work: c.work, onPrefix: (n) => prefixes.push(n), stopped: () => false }).finally(() => {
    finished = true;
  });
  await Promise.resolve();
  await c.settle(0);
  await c.settle(1, new Error('download refused'));
  expect(c.inFlight()).toEqual([2, 3]);
  // Still in flight: the call must not end (compensation must never overlap an ingest).
  expect(finished).toBe(false);
  await c.settle(2);
  await c.settle(3);
  await expect(run).rejects.toThrow('download refused');
  expect(c.started).toEqual([0, 1, 2, 3]);
  expect(prefixes).toEqual([1]);
});

test('stopped() keeps new indexes from starting; in-flight ones finish; nothing left to do when from = count', async () => {
  const c = controlled();
  let stop = false;
  const run = runRangeLanes({ from: 0, count: 5, inFlight: 2, work: c.work, onPrefix: () => undefined, stopped: () => stop });
  await Promise.resolve();
  stop = true;
  await c.settle(0);
  await c.settle(1);
  await expect(run).resolves.toBe(2);
  expect(c.started).toEqual([0, 1]);
  await expect(runRangeLanes({ from: 4, count: 4, inFlight: 4, work: c.work, onPrefix: () => undefined, stopped: () => false })).resolves.toBe(4);
});

test('indexes an earlier attempt finished past its prefix are skipped, and count toward the prefix', async () => {
  const c = controlled();
  const prefixes: number[] = [];
  // The earlier attempt recorded prefix 2 and ranges 2, 3 and 6 done above it (out of order).
  const run = runRangeLanes({ from: 2, count: 8, skip: new Set([2, 3, 6, 9]), inFlight: 2, work: c.work, onPrefix: (n) => prefixes.push(n), stopped: () => false });
  // 2 and 3 are done already: the prefix moves past them before anything runs.
  expect(prefixes).toEqual([4]);
  await Promise.resolve();
  expect(c.inFlight()).toEqual([4, 5]);
  await c.settle(5);
  expect(c.inFlight()).toEqual([4, 7]);
  await c.settle(4);
  expect(prefixes).toEqual([4, 7]); // 5 and 6 (skipped) done too: one jump
  await c.settle(7);
  await expect(run).resolves.toBe(8);
  expect(c.started).toEqual([4, 5, 7]);
});
