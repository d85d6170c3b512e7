import { hexTableIdDigits, INDEX_SEP, RECORD_PREFIX_LEN, TABLE_PREFIX_LEN, toHex } from './keys';
import type { FileRange } from './ranges';

/** TiKV's default region split size, which BR merges small ranges up to (pkg/restore/merge.go). 96 MiB. */
export const DEFAULT_MERGE_REGION_SIZE_BYTES = 96 * 1024 * 1024;
/** TiKV's default region split key count (pkg/restore/merge.go). */
export const DEFAULT_MERGE_REGION_KEY_COUNT = 960_000;

export interface MergeOptions {
  /** @default 96 MiB */
  sizeBytes?: number;
  /** @default 960000 */
  keyCount?: number;
}

/** BR's MergeRangesStat (counts only). */
export interface MergeStat {
  totalFiles: number;
  totalWriteCfFiles: number;
  totalDefaultCfFiles: number;
  /** Ranges before merging: max(write, default) file count, as BR counts regions. */
  totalRegions: number;
  mergedRegions: number;
}

/**
 * BR's MergeFileRanges (pkg/restore/merge.go, research §5.1) over grouped, sorted ranges: walking left to
 * right, the next range joins the current one while their summed bytes stay ≤ sizeBytes and summed kvs
 * ≤ keyCount and both are in the same table and key space (rows, or the same index), because one
 * download carries one rewrite rule.
 *
 * One deliberate difference: BR merges a zero-byte right range unconditionally, even across tables or
 * indexes; here it must still share the key space, so a merged range never needs two rewrite rules.
 */
export function mergeFileRanges(ranges: readonly FileRange[], opts: MergeOptions = {}): { ranges: FileRange[]; stat: MergeStat } {
  const sizeBytes = BigInt(opts.sizeBytes ?? DEFAULT_MERGE_REGION_SIZE_BYTES);
  const keyCount = BigInt(opts.keyCount ?? DEFAULT_MERGE_REGION_KEY_COUNT);
  let write = 0;
  let dflt = 0;
  let files = 0;
  for (const r of ranges) {
    for (const f of r.files) {
      files++;
      if (f.cf === 'write') write++;
      else dflt++;
    }
  }
  // Sums are carried along rather than recomputed per merge: BR's loop is quadratic, plans of 100k files are not.
  type Acc = { startKey: string; endKey: string; files: FileRange['files']; bytes: bigint; kvs: bigint; space: string | undefined };
  const acc: Acc[] = [];
  for (const r of ranges) {
    const last = acc[acc.length - 1];
    const space = keySpaceId(r.startKey);
    const bytes = BigInt(r.totalBytes);
    const kvs = BigInt(r.totalKvs);
    const merge = last !== undefined && space !== undefined && space === last.space &&
      (bytes === 0n || (last.bytes + bytes <= sizeBytes && last.kvs + kvs <= keyCount));
    if (merge) {
      last.endKey = r.endKey;
      for (const f of r.files) last.files.push(f);
      last.bytes += bytes;
      last.kvs += kvs;
    } else {
      acc.push({ startKey: r.startKey, endKey: r.endKey, files: [...r.files], bytes, kvs, space });
    }
  }
  const out: FileRange[] = acc.map((a) => ({ startKey: a.startKey, endKey: a.endKey, files: a.files, totalBytes: a.bytes.toString(), totalKvs: a.kvs.toString() }));
  return {
    ranges: out,
    stat: { totalFiles: files, totalWriteCfFiles: write, totalDefaultCfFiles: dflt, totalRegions: Math.max(write, dflt), mergedRegions: out.length },
  };
}

/** "_i" in hex. */
const INDEX_SEP_HEX = toHex(INDEX_SEP);

/**
 * "table/record" or "table/i<index>" of a range start (table and index ID as their i64cmp hex digits: only
 * equality matters); undefined when it is not a row or index key. Read from the hex: no bytes or BigInt per range.
 */
function keySpaceId(startHex: string): string | undefined {
  const table = hexTableIdDigits(startHex);
  if (table === undefined || startHex.length < RECORD_PREFIX_LEN * 2) return undefined;
  const sep = startHex.slice(TABLE_PREFIX_LEN * 2, RECORD_PREFIX_LEN * 2).toLowerCase();
  if (sep === INDEX_SEP_HEX) {
    return startHex.length >= (RECORD_PREFIX_LEN + 8) * 2 ? `${table}/i${startHex.slice(RECORD_PREFIX_LEN * 2, (RECORD_PREFIX_LEN + 8) * 2).toLowerCase()}` : undefined;
  }
  return `${table}/record`;
}
