import { join } from 'node:path';
import { LocalStorage } from '../src/backup/local-storage';
import type { Manifest } from '../src/backup/manifest';
import { readManifest } from '../src/backup/read-manifest';
import { contentHash } from '../src/plan/content-hash';
import { planRestore, type RestorePlan } from '../src/plan/restore-plan';
import type { Benchmark } from './benchmark';
import { measure, memorySample, summarize } from './measure';
import { caseResult, type CaseResult, type Target } from './result-file';
import { syntheticBackupMeta } from './synthetic-backupmeta';
import { syntheticManifest } from './synthetic-manifest';

export interface PlanRestoreParams {
  tables: number;
  files: number;
  iterations: number;
  /** Time budget of the timed runs (see MeasureOptions.budgetMs). */
  budgetMs: number;
}

export const PLAN_RESTORE_FULL: PlanRestoreParams = { tables: 10_000, files: 100_000, iterations: 3, budgetMs: 25_000 };
export const PLAN_RESTORE_QUICK: PlanRestoreParams = { tables: 500, files: 5_000, iterations: 2, budgetMs: 10_000 };

/**
 * The plan activity reads the manifest and plans in one worker process, next to other activities: planning a
 * large backup must not hold the restore up or take the worker's memory.
 */
export const PLAN_RESTORE_TARGETS: readonly Target[] = [
  { metric: 'p95Ms', op: '<=', limit: 2_000, why: 'a 10,000-table / 100,000-file backup plans in under 2 s (issue #12), well inside the plan activity\'s start-to-close timeout' },
  { metric: 'peakRssMiB', op: '<=', limit: 512, why: 'manifest + plan of that backup fit in 512 MiB of worker memory (issue #12)' },
];

const BACKUP_DIR = 'plan-backup';

/** Writes a meta v2 backup (backupmeta + MetaFiles, no SSTs) of the synthetic manifest: what the plan activity reads. */
export async function preparePlanInput(dir: string, p: PlanRestoreParams): Promise<void> {
  const storage = new LocalStorage(join(dir, BACKUP_DIR));
  for (const o of syntheticBackupMeta(syntheticManifest({ tables: p.tables, files: p.files }))) await storage.write(o.name, o.bytes);
}

/**
 * Reads the manifest as the plan activity does (PlanCache.build: readManifest, then planRestore in the same
 * process), so the case's peak RSS is what a worker pays for the manifest and the plan of this backup.
 */
async function loadManifest(dir: string): Promise<{ manifest: Manifest; metaBytes: number }> {
  const storage = new LocalStorage(join(dir, BACKUP_DIR));
  let metaBytes = 0;
  for (const name of await storage.list()) metaBytes += await storage.size(name);
  return { manifest: await readManifest(storage), metaBytes };
}

/** Plans the prepared manifest `iterations` times; a second case times the plan's content hash once. */
export async function runPlanRestore(dir: string, p: PlanRestoreParams): Promise<CaseResult[]> {
  const { manifest, metaBytes } = await loadManifest(dir);
  let plan: RestorePlan | undefined;
  const samples = await measure(() => {
    plan = planRestore(manifest);
  }, { iterations: p.iterations, budgetMs: p.budgetMs });
  if (!plan || plan.summary.tables !== p.tables || plan.summary.files !== p.files) {
    throw new Error(`plan of ${p.tables} tables / ${p.files} files came out with ${plan?.summary.tables} tables / ${plan?.summary.files} files`);
  }
  const params = { tables: p.tables, files: p.files, metaBytes, ranges: plan.summary.ranges, batches: plan.summary.batches };
  const planCase = caseResult({ name: 'plan', params, timing: summarize(samples), memory: memorySample(), targets: PLAN_RESTORE_TARGETS });

  // The hash covers the whole plan's canonical text, hashed an element at a time without building it whole;
  // timed on its own it shows how much of planRestore it is.
  const { hash: _hash, ...body } = plan;
  let hashed = '';
  const hashSamples = await measure(() => {
    hashed = contentHash(body);
  }, { iterations: 1 });
  if (hashed !== plan.hash) throw new Error('contentHash(plan body) differs from the plan\'s own hash');
  const hashCases = [caseResult({ name: 'hash', params, timing: summarize(hashSamples), memory: memorySample(), targets: [] })];
  return [planCase, ...hashCases];
}

export const planRestoreBench: Benchmark = {
  name: 'plan-restore',
  description: 'planRestore (src/plan/restore-plan.ts) on a synthetic manifest of 10,000 tables / 100,000 files (read from its meta v2 backup by readManifest, as the plan activity reads it), default options',
  prepare: (ctx) => preparePlanInput(ctx.workDir, ctx.quick ? PLAN_RESTORE_QUICK : PLAN_RESTORE_FULL),
  run: (ctx) => runPlanRestore(ctx.workDir, ctx.quick ? PLAN_RESTORE_QUICK : PLAN_RESTORE_FULL),
};
