import { compareBytes, decodeBytes, decodeUint64BE, toHex } from '../plan/keys';
import { decodeMvccWrite } from '../backup/mvcc-write';
import { SortedEntries } from './sorted-entries';

/** Map key for a data key: latin1 keeps one char per byte (fast, native), and byte order under string comparison. */
const mapKey = (k: Uint8Array): string => Buffer.from(k.buffer, k.byteOffset, k.byteLength).toString('latin1');

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
  /**
   * The write CF in key order at all times: checksums and region stats read ranges of it between ingests,
   * so it is never re-sorted as a whole (that made each read cost grow with everything restored so far).
   */
  private readonly write = new SortedEntries<Entry>();
  /** The default CF is only ever looked up by exact key (a write record's start_ts). */
  private readonly defaults = new Map<string, Entry>();

  /** Stores one entry; re-ingesting the same version overwrites it (ingest is idempotent). */
  put(cf: string, dataKey: Uint8Array, value: Uint8Array): void {
    if (cf === 'write') this.write.upsert({ key: dataKey, value });
    else if (cf === 'default') this.defaults.set(mapKey(dataKey), { key: dataKey, value });
    else throw new Error(`unknown column family ${cf}`);
  }

  /** Number of entries per CF. */
  size(cf: 'write' | 'default'): number {
    return cf === 'write' ? this.write.size : this.defaults.size;
  }

  /**
   * For every user key whose encoded form lies in [start, end) (end empty = +∞): the newest version
   * committed at or before `readTs`, skipping Lock/Rollback records as TiKV's scanner does; a Delete
   * hides the key. Values come from the short value or the default CF at (key, start_ts).
   */
  *visible(start: Uint8Array, end: Uint8Array, readTs: bigint): Generator<VisibleKv> {
    // Versions of one user key are adjacent, newest first: the first visible one decides the key.
    let current: Uint8Array | undefined;
    let decided = false;
    for (const v of this.write.from((e) => compareBytes(userKeyOf(e.key), start) < 0)) {
      const enc = userKeyOf(v.key);
      if (current === undefined || compareBytes(enc, current) !== 0) {
        if (end.length > 0 && compareBytes(enc, end) >= 0) return;
        current = enc;
        decided = false;
      }
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
        value = this.defaults.get(mapKey(dk))?.value;
        if (!value) throw new Error(`default CF value missing for key ${toHex(enc)} start_ts ${w.startTs}`);
      }
      yield { rawKey: decodeBytes(enc).value, encodedKey: enc, value };
    }
  }

  /**
   * Copies every entry (both CFs) whose encoded user key lies in [start, end) from another store's data, as a
   * raft snapshot brings a new peer the region's data. Returns how many entries were copied.
   */
  copyRange(from: MvccData, start: Uint8Array, end: Uint8Array): number {
    let n = 0;
    const writes: Entry[] = [];
    for (const e of from.write.from((x) => compareBytes(userKeyOf(x.key), start) < 0)) {
      if (!inRange(e.key, start, end)) break;
      writes.push(e);
    }
    for (const e of writes) this.put('write', e.key, e.value);
    n += writes.length;
    for (const e of from.defaults.values()) {
      if (!inRange(e.key, start, end)) continue;
      this.put('default', e.key, e.value);
      n++;
    }
    return n;
  }

  /** Drops every entry in [start, end) (encoded user keys), as TiKV clears a destroyed peer's range. */
  deleteRange(start: Uint8Array, end: Uint8Array): void {
    this.write.deleteWhere((e) => inRange(e.key, start, end));
    for (const [k, e] of this.defaults) if (inRange(e.key, start, end)) this.defaults.delete(k);
  }

  /**
   * Write-CF entries and their bytes in [start, end): a region's approximate keys and size. Large values in
   * the default CF are left out; PD only uses these to weigh regions.
   */
  rangeStats(start: Uint8Array, end: Uint8Array): { keys: number; bytes: number } {
    let keys = 0;
    let bytes = 0;
    for (const e of this.write.from((x) => compareBytes(userKeyOf(x.key), start) < 0)) {
      if (!inRange(e.key, start, end)) break;
      keys++;
      bytes += e.key.length + e.value.length;
    }
    return { keys, bytes };
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

/** The encoded user key of a data key ('z' ‖ key ‖ ts). */
function userKeyOf(dataKey: Uint8Array): Uint8Array {
  return dataKey.subarray(1, dataKey.length - 8);
}
