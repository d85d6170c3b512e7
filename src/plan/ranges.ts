import type { BackupFile } from '../backup/manifest';
import { BrflowError, ErrorType } from './error-types';
import { hexTableIdDigits, TABLE_ID_ZERO_DIGITS } from './keys';
import { compareHexKeys, rewriteRawEndKey, rewriteRawKey, type TableRewrite } from './rewrite-rules';

/**
 * A key range of one physical table and the backup files holding it: the write-CF and default-CF files of a
 * backup range share its start key and are ingested together (BR drainFilesByRange / MergeFileRanges).
 * Keys are raw TiDB keys in hex, end exclusive (empty = unbounded); sizes are decimal strings.
 */
export interface FileRange {
  startKey: string;
  endKey: string;
  files: BackupFile[];
  totalBytes: string;
  totalKvs: string;
}

/** A range moved into the restored table's key space. */
export interface RewrittenRange extends FileRange {
  newStartKey: string;
  newEndKey: string;
}

function sum(files: readonly BackupFile[], k: 'totalBytes' | 'totalKvs'): string {
  let s = 0n;
  for (const f of files) s += BigInt(f[k] || '0');
  return s.toString();
}

export function makeRange(startKey: string, endKey: string, files: BackupFile[]): FileRange {
  return { startKey, endKey, files, totalBytes: sum(files, 'totalBytes'), totalKvs: sum(files, 'totalKvs') };
}

/** End keys compare with "" as +∞. */
function endBefore(end: string, nextStart: string): boolean {
  return end !== '' && compareHexKeys(end, nextStart) <= 0;
}

/** The table ID of a key as hexTableIdDigits gives it (equality is all grouping needs); "" = unbounded = none. */
function tableIdOf(hex: string): string | undefined {
  return hex === '' ? undefined : hexTableIdDigits(hex);
}

/**
 * Groups files into ranges by start key, sorted, and checks what BR checks before restoring them:
 * start and end belong to the same physical table (ErrRestoreTableIDMismatch), each file is a write or
 * default CF file (ErrRestoreInvalidBackup), and no two ranges overlap (ErrRestoreInvalidRange).
 * The range takes its end key from its first file, as BR does.
 */
export function groupFileRanges(files: readonly BackupFile[]): FileRange[] {
  const byStart = new Map<string, BackupFile[]>();
  for (const f of files) {
    if (f.cf !== 'write' && f.cf !== 'default') {
      throw new BrflowError(ErrorType.BackupMetaCorrupt, `backup file ${f.name} is from neither the write nor the default CF; the backup is not a transactional BR backup`);
    }
    const startId = tableIdOf(f.startKey);
    const endId = tableIdOf(f.endKey);
    if (startId === undefined || startId === TABLE_ID_ZERO_DIGITS || (endId !== undefined && endId !== startId)) {
      throw new BrflowError(
        ErrorType.BackupMetaCorrupt,
        `backup file ${f.name} spans keys of different tables (start ${f.startKey.slice(0, 40)}, end ${f.endKey.slice(0, 40)}); BR restores files of one physical table only`,
      );
    }
    const g = byStart.get(f.startKey);
    if (g) g.push(f);
    else byStart.set(f.startKey, [f]);
  }
  const ranges = [...byStart.entries()]
    .sort(([a], [b]) => compareHexKeys(a, b))
    .map(([start, fs]) => makeRange(start, fs[0]!.endKey, fs));
  for (let i = 1; i < ranges.length; i++) {
    const prev = ranges[i - 1]!;
    const cur = ranges[i]!;
    if (!endBefore(prev.endKey, cur.startKey)) {
      throw new BrflowError(
        ErrorType.BackupMetaCorrupt,
        `backup ranges overlap: [${prev.startKey}, ${prev.endKey}) and [${cur.startKey}, ${cur.endKey}) (files ${prev.files[0]!.name}, ${cur.files[0]!.name}); the backupmeta is damaged`,
      );
    }
  }
  return ranges;
}

/**
 * Moves ranges into the new key space (BR SortRanges): start and end through the table's rules, then sorted
 * by new start key; a key no rule covers, or ranges that overlap after rewriting, are errors.
 */
export function rewriteRanges(ranges: readonly FileRange[], rw: TableRewrite): RewrittenRange[] {
  const out = ranges.map((r) => {
    const newStartKey = rewriteRawKey(rw, r.startKey);
    const newEndKey = r.endKey === '' ? '' : rewriteRawEndKey(rw, r.endKey);
    if (newStartKey === undefined || newEndKey === undefined) {
      throw new BrflowError(
        ErrorType.UnsupportedTable,
        `no rewrite rule for range [${r.startKey}, ${r.endKey}) of table ID ${rw.oldTableId}: its physical table or index is not part of the restored table`,
      );
    }
    return { ...r, newStartKey, newEndKey };
  });
  out.sort((a, b) => compareHexKeys(a.newStartKey, b.newStartKey));
  for (let i = 1; i < out.length; i++) {
    if (!endBefore(out[i - 1]!.newEndKey, out[i]!.newStartKey)) {
      throw new BrflowError(ErrorType.Internal, `rewritten ranges overlap at ${out[i]!.newStartKey}; two old key spaces map onto one new one`);
    }
  }
  return out;
}
