import { SplitRewrites } from '../../../src/activities/ingest';
import type { TableRewrite } from '../../../src/plan/rewrite-rules';

const rewrites = (n: number) => new Map<number, TableRewrite>([[n, { rules: [], tableId: n } as unknown as TableRewrite]]);

describe('SplitRewrites', () => {
  test('a hand-over is taken once', () => {
    const h = new SplitRewrites();
    const r = rewrites(1);
    h.put('run/plan/0', r);
    expect(h.take('run/plan/0')).toBe(r);
    expect(h.take('run/plan/0')).toBeUndefined();
    expect(h.take('run/plan/1')).toBeUndefined();
  });

  test('keeps at most maxBatches, dropping the oldest first', () => {
    const h = new SplitRewrites(2);
    h.put('a', rewrites(1));
    h.put('b', rewrites(2));
    h.put('c', rewrites(3));
    expect(h.size).toBe(2);
    expect(h.take('a')).toBeUndefined();
    expect(h.take('b')?.has(2)).toBe(true);
    expect(h.take('c')?.has(3)).toBe(true);
  });
});
