import { join } from 'node:path';
import { LocalStorage } from '../src/backup/local-storage';
import type { Manifest } from '../src/backup/manifest';
import { readManifest } from '../src/backup/read-manifest';
import type { Benchmark } from './benchmark';
import { measure, memorySample, summarize } from './measure';
import { caseResult, type CaseResult, type Target } from './result-file';
import { syntheticBackupMeta } from './synthetic-backupmeta';
import { syntheticManifest } from './synthetic-manifest';

export interface ReadManifestParams {
  tables: number;
  files: number;
  iterations: number;
  budgetMs: number;
}

export const READ_MANIFEST_FULL: ReadManifestParams = { tables: 10_000, files: 100_000, iterations: 3, budgetMs: 20_000 };
export const READ_MANIFEST_QUICK: ReadManifestParams = { tables: 500, files: 5_000, iterations: 2, budgetMs: 10_000 };

/** readManifest runs in the same plan activity as planRestore, so it gets the same budget. */
export const READ_MANIFEST_TARGETS: readonly Target[] = [
  { metric: 'p95Ms', op: '<=', limit: 2_000, why: 'the metadata of a 10,000-table / 100,000-file backup reads in under 2 s (issue #12)' },
  { metric: 'peakRssMiB', op: '<=', limit: 512, why: 'reading it fits in 512 MiB of worker memory (issue #12)' },
];

const BACKUP_DIR = 'meta-backup';

/** Writes a meta v2 backup (backupmeta + MetaFiles, no SSTs) of the synthetic manifest to `dir`/backup. */
export async function prepareBackupMeta(dir: string, p: ReadManifestParams): Promise<void> {
  const storage = new LocalStorage(join(dir, BACKUP_DIR));
  for (const o of syntheticBackupMeta(syntheticManifest({ tables: p.tables, files: p.files }))) await storage.write(o.name, o.bytes);
}

export async function runReadManifest(dir: string, p: ReadManifestParams): Promise<CaseResult[]> {
  const storage = new LocalStorage(join(dir, BACKUP_DIR));
  let metaBytes = 0;
  for (const name of await storage.list()) metaBytes += await storage.size(name);
  let manifest: Manifest | undefined;
  const samples = await measure(async () => {
    // The previous iteration's manifest is garbage before this one reads: the plan activity holds one at a time.
    manifest = undefined;
    manifest = await readManifest(storage);
  }, { iterations: p.iterations, budgetMs: p.budgetMs });
  const files = manifest?.tables.reduce((n, t) => n + t.files.length, 0);
  if (!manifest || manifest.tables.length !== p.tables || files !== p.files || manifest.metaVersion !== 2) {
    throw new Error(`read back ${manifest?.tables.length} tables / ${files} files (meta v${manifest?.metaVersion}); wrote ${p.tables} / ${p.files} (v2)`);
  }
  return [caseResult({
    name: 'meta-v2', params: { tables: p.tables, files: p.files, metaBytes }, timing: summarize(samples), memory: memorySample(),
    bytesPerIteration: metaBytes, targets: READ_MANIFEST_TARGETS,
  })];
}

export const readManifestBench: Benchmark = {
  name: 'read-manifest',
  description: 'readManifest (src/backup/read-manifest.ts) of a meta v2 backup of 10,000 tables / 100,000 files on local storage; MB/s = metadata bytes',
  prepare: (ctx) => prepareBackupMeta(ctx.workDir, ctx.quick ? READ_MANIFEST_QUICK : READ_MANIFEST_FULL),
  run: (ctx) => runReadManifest(ctx.workDir, ctx.quick ? READ_MANIFEST_QUICK : READ_MANIFEST_FULL),
};
