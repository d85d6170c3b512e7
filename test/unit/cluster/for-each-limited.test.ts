import { forEachLimited } from '../../../src/cluster/for-each-limited';

const tick = (ms = 5): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('runs every item, never more than the limit at once, each with its index', async () => {
  let inFlight = 0;
  let max = 0;
  const seen: [string, number][] = [];
  await forEachLimited(['a', 'b', 'c', 'd', 'e'], 2, async (item, i) => {
    inFlight++;
    max = Math.max(max, inFlight);
    await tick();
    seen.push([item, i]);
    inFlight--;
  });
  expect(max).toBe(2);
  expect(seen.sort()).toEqual([['a', 0], ['b', 1], ['c', 2], ['d', 3], ['e', 4]]);
});

test('after a failure no new item starts; the one under way finishes before the failure is thrown', async () => {
  const started: number[] = [];
  const finished: number[] = [];
  const run = forEachLimited([0, 1, 2, 3, 4, 5], 2, async (n) => {
    started.push(n);
    if (n === 0) throw new Error('item 0 failed');
    await tick(20);
    finished.push(n);
  });
  await expect(run).rejects.toThrow('item 0 failed');
  // Item 1 was under way when 0 failed: it finished first. Nothing after it started.
  expect(started).toEqual([0, 1]);
  expect(finished).toEqual([1]);
});

test('a limit below one still runs the items, one at a time', async () => {
  const seen: number[] = [];
  await forEachLimited([1, 2, 3], 0, async (n) => {
    seen.push(n);
    await tick(1);
  });
  expect(seen).toEqual([1, 2, 3]);
});
