import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { log } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { PlanCache, type PlanInputs } from '../../../src/activities/plan-cache';
import { planRestoreActivities } from '../../../src/activities/plan-restore';
import { makeBackup } from '../../../src/backup/generator/make-backup';
import { LocalStorage } from '../../../src/backup/local-storage';
import { readManifest } from '../../../src/backup/read-manifest';
import type { PlanSummary } from '../../../src/workflows/types';

/** The planRestore activity: history gets counts of what the input skips; the worker log names each object. */
const ci = (s: string) => ({ O: s, L: s });
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'brflow-plan-skipped-'));
  await makeBackup(new LocalStorage(dir), {
    seed: 5, tables: 8, rows: 5, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false,
    schemaObjects: [{ table: 'shop.event_log', fields: { policy_ref_info: { id: 9, name: ci('secret_policy_name') } } }],
  });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

test('skipped objects: counts in the result, names in the worker log only', async () => {
  const reader = { readManifest: (url: string, o?: Parameters<typeof readManifest>[1]) => readManifest(new LocalStorage(url.replace(/^local:\/\//, '')), o) };
  const input: PlanInputs = {
    storage: `local://${dir}`, filters: ['shop.*'], caseSensitive: false, batchFiles: 256, mergeRegionSizeBytes: 96 << 20, mergeRegionKeyCount: 960_000,
    tableGroupSize: 128, batchAcrossTables: true, skip: ['placement'], schemaObjects: true,
  };
  // The activity logs through the context logger (`log` of @temporalio/activity): watch its warn.
  const warn = jest.spyOn(log, 'warn');
  const { planRestore } = planRestoreActivities(new PlanCache(reader));
  const summary = (await new MockActivityEnvironment().run(() => planRestore(input))) as PlanSummary;
  expect(summary.skipped).toEqual({ placement: 1 });
  expect(JSON.stringify(summary)).not.toContain('secret_policy_name');
  expect(warn.mock.calls.filter(([m]) => m === 'table restored without objects the input skips')).toEqual([
    ['table restored without objects the input skips', { table: 'shop.event_log', objects: ['placement policy secret_policy_name'] }],
  ]);
  warn.mockRestore();
});
