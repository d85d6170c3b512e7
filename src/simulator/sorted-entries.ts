import { compareBytes } from '../plan/keys';

/** A key/value pair kept in key order (keys compared as bytes). */
export interface KeyedEntry {
  key: Uint8Array;
  value: Uint8Array;
}

/**
 * Chunk size bound: inserting into a chunk moves at most this many references, and finding a chunk is a
 * binary search over length / CHUNK_MAX / 2 or more of them.
 */
const CHUNK_MAX = 512;

/**
 * Entries sorted by key, kept sorted as they are inserted: a list of sorted chunks, so an insert costs
 * O(log n + CHUNK_MAX) and a range read O(log n + its entries).
 *
 * Why not a Map sorted on read: a restore interleaves ingests and coprocessor checksums, and re-sorting a
 * store's whole write CF after every ingest made each checksum cost grow with all the data restored so far,
 * so a 10k-table run measured the simulator's sort instead of brflow.
 */
export class SortedEntries<E extends KeyedEntry> {
  /** Non-empty sorted chunks (empty list when there are no entries); every key of chunk i < every key of chunk i+1. */
  private readonly chunks: E[][] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Inserts `e`, or replaces the entry with the same key (returns the replaced one). */
  upsert(e: E): E | undefined {
    if (this.chunks.length === 0) {
      this.chunks.push([e]);
      this.count = 1;
      return undefined;
    }
    // The first chunk whose last key is ≥ e.key holds it or the place for it; past every chunk: the last one.
    let c = this.firstChunk((last) => compareBytes(last.key, e.key) < 0);
    if (c === this.chunks.length) c--;
    const chunk = this.chunks[c]!;
    const i = lowerIndex(chunk, (x) => compareBytes(x.key, e.key) < 0);
    const at = chunk[i];
    if (at && compareBytes(at.key, e.key) === 0) {
      chunk[i] = e;
      return at;
    }
    chunk.splice(i, 0, e);
    this.count++;
    if (chunk.length > CHUNK_MAX) this.chunks.splice(c + 1, 0, chunk.splice(CHUNK_MAX >> 1));
    return undefined;
  }

  /**
   * Entries in key order from the first one for which `before` is false (`before` must be true for a
   * prefix of the order and false after it, e.g. "key < start"). Do not change the entries while iterating.
   */
  *from(before: (e: E) => boolean): Generator<E> {
    let c = this.firstChunk((last) => before(last));
    if (c === this.chunks.length) return;
    let i = lowerIndex(this.chunks[c]!, before);
    for (; c < this.chunks.length; c++, i = 0) {
      const chunk = this.chunks[c]!;
      for (; i < chunk.length; i++) yield chunk[i]!;
    }
  }

  /** Every entry in key order. */
  values(): Generator<E> {
    return this.from(() => false);
  }

  /** Drops every entry `drop` selects (a linear pass: for rare range deletions). */
  deleteWhere(drop: (e: E) => boolean): void {
    const kept = this.chunks.map((chunk) => chunk.filter((e) => !drop(e))).filter((chunk) => chunk.length > 0);
    this.chunks.splice(0, this.chunks.length, ...kept);
    this.count = kept.reduce((n, chunk) => n + chunk.length, 0);
  }

  /** Index of the first chunk whose last entry is not `before` (chunks.length when there is none). */
  private firstChunk(before: (last: E) => boolean): number {
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const chunk = this.chunks[mid]!;
      if (before(chunk[chunk.length - 1]!)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** First index of a sorted array whose element is not `before`. */
function lowerIndex<E>(xs: readonly E[], before: (e: E) => boolean): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(xs[mid]!)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
