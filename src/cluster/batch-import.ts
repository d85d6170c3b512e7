import type { BackupFile } from '../backup/manifest';
import { compareBytes } from '../plan/keys';
import type { RewriteRule } from '../plan/rewrite-rules';
import { BatchRegions } from './batch-regions';
import type { ClusterConnection } from './cluster-connection';
import { importPlanned, planRange, type ImportFilesOptions, type ImportFilesResult, type PlannedRange } from './import-files';

export interface BatchRangeInput {
  files: readonly BackupFile[];
  rules: readonly RewriteRule[];
}

/** The ranges of one ingest batch, ready to import one by one (in any order, several at once). */
export interface BatchImport {
  importRange(index: number, opts?: Pick<ImportFilesOptions, 'onWaiting' | 'resumeAt' | 'onProgress' | 'filesPerIngest'>): Promise<ImportFilesResult>;
  /** The batch's shared region view (its `scans` count PD scans of the batch span). */
  readonly regions: BatchRegions | undefined;
}

/**
 * Opens one ingest batch: every range's rule lookups and key encodings are worked out once here (not per
 * region, peer or retry), and the ranges share one region scan of the batch's whole span (BatchRegions), so
 * PD is asked once per batch instead of once per range.
 */
export function openBatchImport(conn: ClusterConnection, ranges: readonly BatchRangeInput[], opts: Omit<ImportFilesOptions, 'regions' | 'onWaiting'>): BatchImport {
  const planned: PlannedRange[] = ranges.map((r) => planRange(r.files, r.rules, opts.newTimestamp ?? 0n));
  let start: Uint8Array | undefined;
  let end: Uint8Array | undefined;
  for (const p of planned) {
    if (!p.span) continue;
    if (!start || compareBytes(p.span.start, start) < 0) start = p.span.start;
    if (!end || compareBytes(p.span.end, end) > 0) end = p.span.end;
  }
  const regions = start && end ? new BatchRegions(conn.pd, start, end) : undefined;
  return {
    regions,
    importRange(index, extra = {}) {
      const p = planned[index];
      if (!p) throw new RangeError(`range ${index} is not in this batch of ${planned.length}`);
      return importPlanned(conn, p, {
        ...opts,
        ...(regions ? { regions } : {}),
        ...(extra.onWaiting ? { onWaiting: extra.onWaiting } : {}),
        ...(extra.resumeAt ? { resumeAt: extra.resumeAt } : {}),
        ...(extra.onProgress ? { onProgress: extra.onProgress } : {}),
        ...(extra.filesPerIngest !== undefined ? { filesPerIngest: extra.filesPerIngest } : {}),
      });
    },
  };
}
