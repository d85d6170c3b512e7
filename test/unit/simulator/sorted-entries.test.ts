import { SortedEntries, type KeyedEntry } from '../../../src/simulator/sorted-entries';

const key = (n: number) => new Uint8Array([n >> 16, (n >> 8) & 0xff, n & 0xff]);
const num = (k: Uint8Array) => (k[0]! << 16) | (k[1]! << 8) | k[2]!;
const entry = (n: number, v = 0): KeyedEntry => ({ key: key(n), value: new Uint8Array([v]) });

/** Deterministic pseudo-random order (LCG), so a failure reproduces. */
function shuffled(n: number, seed: number): number[] {
  const xs = Array.from({ length: n }, (_, i) => i * 3);
  let s = seed;
  for (let i = xs.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

describe('SortedEntries', () => {
  it('keeps thousands of entries inserted in random order sorted, across many chunks, with reads between inserts', () => {
    const s = new SortedEntries<KeyedEntry>();
    const order = shuffled(5000, 7);
    for (const [i, n] of order.entries()) {
      s.upsert(entry(n));
      // A read between inserts (as checksums come between ingests) sees every entry so far, in order.
      if (i % 997 === 0) expect([...s.values()].map((e) => num(e.key))).toEqual(order.slice(0, i + 1).sort((a, b) => a - b));
    }
    expect(s.size).toBe(5000);
    expect([...s.values()].map((e) => num(e.key))).toEqual(Array.from({ length: 5000 }, (_, i) => i * 3));
  });

  it('replaces an entry with the same key instead of adding one', () => {
    const s = new SortedEntries<KeyedEntry>();
    for (const n of shuffled(2000, 3)) s.upsert(entry(n, 1));
    const replaced = s.upsert(entry(300, 2));
    expect(replaced?.value[0]).toBe(1);
    expect(s.upsert(entry(301, 2))).toBeUndefined();
    expect(s.size).toBe(2001);
    const at300 = [...s.from((e) => num(e.key) < 300)].slice(0, 3);
    expect(at300.map((e) => [num(e.key), e.value[0]])).toEqual([[300, 2], [301, 2], [303, 1]]);
  });

  it('starts a range read at the first entry not before the bound, also between and past the keys', () => {
    const s = new SortedEntries<KeyedEntry>();
    for (const n of shuffled(3000, 11)) s.upsert(entry(n));
    const firstFrom = (bound: number) => [...s.from((e) => num(e.key) < bound)].map((e) => num(e.key));
    expect(firstFrom(0)).toHaveLength(3000);
    expect(firstFrom(4001).slice(0, 2)).toEqual([4002, 4005]);
    expect(firstFrom(4002).slice(0, 2)).toEqual([4002, 4005]);
    expect(firstFrom(8997)).toEqual([8997]);
    expect(firstFrom(8998)).toEqual([]);
    expect([...new SortedEntries<KeyedEntry>().values()]).toEqual([]);
  });

  it('deletes the entries a predicate selects and keeps the rest ordered and insertable', () => {
    const s = new SortedEntries<KeyedEntry>();
    for (const n of shuffled(3000, 5)) s.upsert(entry(n));
    s.deleteWhere((e) => num(e.key) >= 1500 && num(e.key) < 7500);
    expect(s.size).toBe(1000);
    s.upsert(entry(3001));
    const keys = [...s.values()].map((e) => num(e.key));
    expect(keys).toEqual([...Array.from({ length: 500 }, (_, i) => i * 3), 3001, ...Array.from({ length: 500 }, (_, i) => 7500 + i * 3)]);
  });
});
