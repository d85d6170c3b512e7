import { PlanCache } from '../../../src/activities/plan-cache';
import { restoreWorkflow } from '../../../src/workflows/restore';
import { normalizeRestoreRequest } from '../../../src/workflows/normalize-request';
import { FAST_TIMINGS, openRestoreEnv, type RestoreEnv } from '../../support/restore-env';
import { runHistoryLengths } from '../../support/run-chain';
import { generateManifest } from '../../support/worker-backup';
import { FakeCluster, initialFakeState } from '../../support/worker-fake-cluster';

/**
 * History stays small whatever the backup's size: the workflow sees counts and refs only, and continues as
 * new every maxBatchesPerRun batches (Temporal terminates a run at 51,200 events or 50 MB).
 */
test('10,000 tables / 100,000 files: what the workflow receives from planning stays a few KB', async () => {
  const manifest = generateManifest({ dbs: 10, tablesPerDb: 1000, filesPerTable: 10 });
  const req = normalizeRestoreRequest({ storage: 'local:///big' });
  if (!('value' in req)) throw new Error('defaults must validate');
  const plans = new PlanCache({ readManifest: async () => manifest });
  const started = Date.now();
  const view = await plans.build({ ...req.value, storage: 'local:///big' });
  const planMs = Date.now() - started;
  expect(view.summary.tables).toBe(10_000);
  expect(view.summary.files).toBe(100_000);
  // The activity result (history event payload) for the whole plan.
  const payload = JSON.stringify({ planRef: { hash: view.plan.hash }, ...view.summary });
  expect(payload.length).toBeLessThan(8 * 1024);
  // One run at the default maxBatchesPerRun: (split + ingest) per batch ≈ 6 events each, plus groups.
  const runs = Math.ceil(view.summary.batches / req.value.maxBatchesPerRun);
  expect(runs * req.value.maxBatchesPerRun).toBeGreaterThanOrEqual(view.summary.batches);
  expect(planMs).toBeLessThan(60_000);
});

describe('a restore of 1,000 tables and 10,000 files', () => {
  let env: RestoreEnv;
  beforeAll(async () => {
    env = await openRestoreEnv({ prefix: 'scale' });
  });
  afterAll(() => env?.close());

  test('runs in several bounded runs and restores every table once', async () => {
    const cluster = FakeCluster.inMemory(initialFakeState(generateManifest({ dbs: 5, tablesPerDb: 200, filesPerTable: 10 })));
    const client = env.client;
    await env.withWorkers({ deps: cluster.deps() }, async (taskQueue) => {
      const handle = await client.workflow.start(restoreWorkflow, {
        taskQueue,
        workflowId: `scale-${taskQueue}`,
        // FAST_TIMINGS but for the keeper interval this test has always run with.
        args: [{ storage: 'local:///scale', concurrency: 32, maxBatchesPerRun: 10, timings: { ...FAST_TIMINGS, keeperIntervalMs: 500 } }],
      });
      const result = await handle.result();
      expect(result).toMatchObject({ tables: 1000, files: 10000, checksum: { passed: 1000 } });
      // Small tables share batches (a few dozen in all); at 10 per run, several runs chained by continue-as-new.
      expect(result.runs).toBeGreaterThanOrEqual(4);
      // Every run's history, via the chain of runs, stays far below the 51,200-event limit.
      const lengths = await runHistoryLengths(client, handle);
      expect(lengths).toHaveLength(result.runs);
      // The bound is 10,000 events per history; each run also stays under Temporal's 4,096-event CAN hint.
      for (const n of lengths) expect(n).toBeLessThan(4096);
      expect(Object.values(cluster.read().ingests).every((f) => f.count === 1)).toBe(true);
      expect(cluster.normality().importStores).toEqual([]);
    });
  });
});
