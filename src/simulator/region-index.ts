import { compareBytes } from '../plan/keys';

/** What the index needs of a region: its ID and its key span (encoded keys; empty end = +∞). */
export interface IndexedRegion {
  id: number;
  startKey: Uint8Array;
  endKey: Uint8Array;
}

/**
 * The regions of a cluster sorted by start key (non-overlapping, covering the key space), with an ID map:
 * key → region and range scans by binary search, ID → region by hash. A 10k-table restore makes tens of
 * thousands of regions, and PD/TiKV look one up for every request: a linear walk made the simulator, not
 * brflow, the thing a scale run measured.
 *
 * The index holds the region objects themselves (no copies): callers mutate epochs, peers and leaders in
 * place, and change key spans only through `replace`.
 */
export class RegionIndex<R extends IndexedRegion> {
  private readonly sorted: R[] = [];
  /**
   * The start key each region was indexed under, parallel to `sorted`: searches use it, so a split that moves
   * the original region's start key before calling `replace` does not blind the search for it.
   */
  private readonly starts: Uint8Array[] = [];
  private readonly byIdMap = new Map<number, R>();

  constructor(initial: readonly R[]) {
    for (const r of initial) this.byIdMap.set(r.id, r);
    this.sorted.push(...initial);
    this.starts.push(...initial.map((r) => r.startKey));
  }

  get size(): number {
    return this.sorted.length;
  }

  /** Every region in key order (the live objects: do not change their keys). */
  all(): readonly R[] {
    return this.sorted;
  }

  byId(id: number): R | undefined {
    return this.byIdMap.get(id);
  }

  /** Position of the region containing `key`: the last region whose start key is ≤ key. */
  private indexOfKey(key: Uint8Array): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareBytes(this.starts[mid]!, key) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  /** The region containing an encoded key. */
  atKey(key: Uint8Array): R | undefined {
    const r = this.sorted[this.indexOfKey(key)];
    if (!r || (r.endKey.length > 0 && compareBytes(key, r.endKey) >= 0)) return undefined;
    return r;
  }

  /** Regions overlapping [start, end) in key order, at most `limit` (0 = all). */
  scan(start: Uint8Array, end: Uint8Array, limit: number): R[] {
    const out: R[] = [];
    for (let i = Math.max(0, this.indexOfKey(start)); i < this.sorted.length; i++) {
      const r = this.sorted[i]!;
      if (r.endKey.length > 0 && compareBytes(r.endKey, start) <= 0) continue;
      if (end.length > 0 && compareBytes(r.startKey, end) >= 0) break;
      out.push(r);
      if (limit > 0 && out.length >= limit) break;
    }
    return out;
  }

  /**
   * Replaces the region `id` by `pieces` (a split: key-ordered, together covering exactly its old span; the
   * original object may be among them, its start key already moved, so the first piece's start key says
   * where the old region sat). Throws on pieces that leave a hole.
   */
  replace(id: number, pieces: readonly R[]): void {
    const old = this.byIdMap.get(id);
    const first = pieces[0];
    if (!old || !first) throw new Error(`region ${id} is not in the index, or has no pieces to replace it`);
    const at = this.indexOfKey(first.startKey);
    if (this.sorted[at] !== old) throw new Error(`region ${id} is not where its first piece starts`);
    const end = old.endKey;
    for (let i = 1; i < pieces.length; i++) {
      if (compareBytes(pieces[i - 1]!.endKey, pieces[i]!.startKey) !== 0) throw new Error(`split of region ${id}: pieces ${i - 1} and ${i} do not chain`);
    }
    const last = pieces[pieces.length - 1];
    if (!last || compareBytes(last.endKey, end) !== 0) throw new Error(`split of region ${id}: the pieces do not end where the region did`);
    this.sorted.splice(at, 1, ...pieces);
    this.starts.splice(at, 1, ...pieces.map((p) => p.startKey));
    this.byIdMap.delete(id);
    for (const p of pieces) this.byIdMap.set(p.id, p);
  }
}
