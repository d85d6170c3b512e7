import { compareBytes, decodeBytes, decodeUint64BE, toHex } from '../plan/keys';

/** Map key for a data key: latin1 keeps one char per byte (fast, native), and byte order under string comparison. */
const mapKey = (k: Uint8Array): string => Buffer.from(k.buffer, k.byteOffset, k.byteLength).toString('latin1');
import { decodeMvccWrite } from '../backup/mvcc-write';

/** One visible row: raw TiDB key (no 'z', no ts) and the row value. */
export interface VisibleKv {
  rawKey: Uint8Array;
  /** Memcomparable form of rawKey, as regions and ranges compare it. */
  encodedKey: Uint8Array;
  value: Uint8Array;
}

interface Entry {
  key: Uint8Array;
  value: Uint8Array;
}

const U64_MASK = (1n << 64n) - 1n;

/**
 * A store's committed MVCC data: write-CF and default-CF entries keyed by TiKV data key
 * ('z' ‖ memcomparable(raw) ‖ u64BE(^ts)), so newer versions of a key sort first. Ingest writes here;
 * the coprocessor checksum and the inspector read the latest version visible at a timestamp.
 */
export class MvccData {
  private readonly cfs = new Map<string, Map<string, Entry>>([
    ['write', new Map()],
    ['default', new Map()],
  ]);
  private sortedWrite: Entry[] | undefined;

  /** Stores one entry; re-ingesting the same version overwrites it (ingest is idempotent). */
  put(cf: string, dataKey: Uint8Array, value: Uint8Array): void {
    const m = this.cfs.get(cf);
    if (!m) throw new Error(`unknown column family ${cf}`);
    m.set(mapKey(dataKey), { key: dataKey, value });
    if (cf === 'write') this.sortedWrite = undefined;
  }

  /** Number of entries per CF. */
  size(cf: 'write' | 'default'): number {
    return this.cfs.get(cf)!.size;
  }

  /**
   * For every user key whose encoded form lies in [start, end) (end empty = +∞): the newest version
   * committed at or before `readTs`, skipping Lock/Rollback records as TiKV's scanner does; a Delete
   * hides the key. Values come from the short value or the default CF at (key, start_ts).
   */
  *visible(start: Uint8Array, end: Uint8Array, readTs: bigint): Generator<VisibleKv> {
    const entries = this.sortedWriteEntries();
    const defaults = this.cfs.get('default')!;
    let i = lowerBound(entries, start);
    while (i < entries.length) {
      const e = entries[i]!;
      const enc = e.key.subarray(1, e.key.length - 8);
      if (end.length > 0 && compareBytes(enc, end) >= 0) return;
      // Walk this key's versions (newest first) until one is visible.
      let chosen: VisibleKv | undefined;
      let decided = false;
      let j = i;
      for (; j < entries.length; j++) {
        const v = entries[j]!;
        const venc = v.key.subarray(1, v.key.length - 8);
        if (compareBytes(venc, enc) !== 0) break;
        if (decided) continue;
        const commitTs = ~decodeUint64BE(v.key, v.key.length - 8) & U64_MASK;
        if (commitTs > readTs) continue;
        const w = decodeMvccWrite(v.value);
        if (w.type === 'lock' || w.type === 'rollback') continue;
        decided = true;
        if (w.type === 'delete') continue;
        let value = w.shortValue;
        if (!value) {
          const dk = new Uint8Array(v.key.length);
          dk.set(v.key.subarray(0, v.key.length - 8));
          dk.set(encodeNotTs(w.startTs), v.key.length - 8);
          value = defaults.get(mapKey(dk))?.value;
          if (!value) throw new Error(`default CF value missing for key ${toHex(enc)} start_ts ${w.startTs}`);
        }
        chosen = { rawKey: decodeBytes(enc).value, encodedKey: enc, value };
      }
      if (chosen) yield chosen;
      i = j;
    }
  }

  /**
   * Copies every entry (both CFs) whose encoded user key lies in [start, end) from another store's data, as a
   * raft snapshot brings a new peer the region's data. Returns how many entries were copied.
   */
  copyRange(from: MvccData, start: Uint8Array, end: Uint8Array): number {
    let n = 0;
    for (const [cf, m] of from.cfs) {
      for (const e of m.values()) {
        if (!inRange(e.key, start, end)) continue;
        this.put(cf, e.key, e.value);
        n++;
      }
    }
    return n;
  }

  /** Drops every entry in [start, end) (encoded user keys), as TiKV clears a destroyed peer's range. */
  deleteRange(start: Uint8Array, end: Uint8Array): void {
    for (const [cf, m] of this.cfs) {
      for (const [k, e] of m) if (inRange(e.key, start, end)) m.delete(k);
      if (cf === 'write') this.sortedWrite = undefined;
    }
  }

  /**
   * Write-CF entries and their bytes in [start, end): a region's approximate keys and size. Large values in
   * the default CF are left out; PD only uses these to weigh regions.
   */
  rangeStats(start: Uint8Array, end: Uint8Array): { keys: number; bytes: number } {
    const entries = this.sortedWriteEntries();
    let keys = 0;
    let bytes = 0;
    for (let i = lowerBound(entries, start); i < entries.length; i++) {
      const e = entries[i]!;
      if (!inRange(e.key, start, end)) break;
      keys++;
      bytes += e.key.length + e.value.length;
    }
    return { keys, bytes };
  }

  private sortedWriteEntries(): Entry[] {
    if (!this.sortedWrite) this.sortedWrite = [...this.cfs.get('write')!.values()].sort((a, b) => compareBytes(a.key, b.key));
    return this.sortedWrite;
  }
}

function encodeNotTs(ts: bigint): Uint8Array {
  const out = new Uint8Array(8);
  let x = ~ts & U64_MASK;
  for (let i = 7; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

/** Whether a data key's encoded user key ('z' ‖ key ‖ ts) lies in [start, end), end empty = +∞. */
function inRange(dataKey: Uint8Array, start: Uint8Array, end: Uint8Array): boolean {
  const enc = dataKey.subarray(1, dataKey.length - 8);
  return compareBytes(enc, start) >= 0 && (end.length === 0 || compareBytes(enc, end) < 0);
}

/** First entry whose encoded user key is ≥ start. */
function lowerBound(entries: Entry[], start: Uint8Array): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const k = entries[mid]!.key;
    if (compareBytes(k.subarray(1, k.length - 8), start) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
