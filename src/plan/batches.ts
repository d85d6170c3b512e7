/**
 * Ingest batches: consecutive ranges, bounded by a file count and a byte total, of one table — or, when
 * `groupSize` is given, of consecutive tables of one create-tables group (as BR's batcher fills a batch from
 * several small tables). A batch is the unit one split+scatter and one download+ingest activity work on; the
 * workflow passes only its index (a batch ref) and counts, never file lists (STYLE.md rule 3), and a table
 * is finished — ready for its checksum — when all of its batches are.
 */
export interface ImportBatch {
  /** Position in RestorePlan.batches: the batch ref. */
  index: number;
  /** Index in RestorePlan.tables of the (first) table whose ranges the batch holds. */
  table: number;
  /**
   * Index of the last table when the batch holds ranges of several tables; absent for a one-table batch
   * (so plans made without `groupSize` keep their exact shape and content hash).
   */
  lastTable?: number;
  /** Ranges [rangeStart, rangeEnd) of RestorePlan.ranges. */
  rangeStart: number;
  rangeEnd: number;
  files: number;
  /** Decimal strings. */
  bytes: string;
  kvs: string;
}

/**
 * BR's batcher sends at least 128 ranges at a time (`clamp(concurrency, 128, 10240)`, task/restore.go);
 * with a write and a default file per range that is 256 files.
 */
export const DEFAULT_BATCH_MAX_FILES = 256;
/**
 * 8 GiB: at the ~1.2 GiB/s per TiKV BR documents, a few seconds of work per store for a small cluster,
 * short enough that a retried batch repeats little, long enough that activity overhead stays small.
 */
export const DEFAULT_BATCH_MAX_BYTES = 8 * 1024 * 1024 * 1024;

export interface BatchOptions {
  /** @default 256 */
  maxFiles?: number;
  /** @default 8 GiB */
  maxBytes?: number;
  /**
   * Tables per create-tables group. Given: a batch may hold ranges of several tables of the same group
   * (never across groups: a batch may only run once every table in it exists). Absent: one table per batch.
   */
  groupSize?: number;
}

/** The tables a batch's ranges belong to, first to last. */
export function batchTables(b: ImportBatch): number[] {
  const last = b.lastTable ?? b.table;
  return Array.from({ length: last - b.table + 1 }, (_, i) => b.table + i);
}

export interface BatchableRange {
  table: number;
  files: readonly unknown[];
  totalBytes: string;
  totalKvs: string;
}

/**
 * Cuts ranges (grouped by table, in plan order) into batches. A range is never split; one larger than
 * the limits forms a batch by itself.
 */
export function planBatches(ranges: readonly BatchableRange[], opts: BatchOptions = {}): ImportBatch[] {
  const maxFiles = opts.maxFiles ?? DEFAULT_BATCH_MAX_FILES;
  const maxBytes = BigInt(opts.maxBytes ?? DEFAULT_BATCH_MAX_BYTES);
  const groupSize = opts.groupSize;
  const sameUnit = (a: number, b: number): boolean => (groupSize === undefined ? a === b : Math.floor(a / groupSize) === Math.floor(b / groupSize));
  const out: ImportBatch[] = [];
  let cur: { table: number; lastTable: number; start: number; files: number; bytes: bigint; kvs: bigint } | undefined;
  const close = (end: number): void => {
    if (!cur) return;
    out.push({
      index: out.length, table: cur.table, ...(cur.lastTable !== cur.table ? { lastTable: cur.lastTable } : {}),
      rangeStart: cur.start, rangeEnd: end, files: cur.files, bytes: cur.bytes.toString(), kvs: cur.kvs.toString(),
    });
    cur = undefined;
  };
  ranges.forEach((r, i) => {
    const bytes = BigInt(r.totalBytes);
    if (cur && (!sameUnit(cur.table, r.table) || cur.files + r.files.length > maxFiles || cur.bytes + bytes > maxBytes)) close(i);
    if (!cur) cur = { table: r.table, lastTable: r.table, start: i, files: 0, bytes: 0n, kvs: 0n };
    cur.lastTable = r.table;
    cur.files += r.files.length;
    cur.bytes += bytes;
    cur.kvs += BigInt(r.totalKvs);
  });
  close(ranges.length);
  return out;
}
