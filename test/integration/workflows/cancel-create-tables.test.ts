import type { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { connectClusterDeps } from '../../../src/worker/cluster-deps';
import { workflowHistorySource } from '../../../src/worker/workflow-history';
import { restoreWorkflow } from '../../../src/workflows/restore';
import { eventually } from '../../support/eventually';
import { FAST_TIMINGS, openRestoreEnv, type RestoreEnvWithBackup } from '../../support/restore-env';
import { startSimCluster } from '../../support/sim-cluster';

/**
 * An operator cancels a restore while its tables are being created (the wrong backup, the wrong cluster). The
 * createTables step learns of the cancel at its next heartbeat and starts no further CREATE TABLE; before, it went
 * on with the rest of its table group (up to 128 tables, four groups at a time) after the run had ended Cancelled.
 */
let env: RestoreEnvWithBackup;

beforeAll(async () => {
  env = await openRestoreEnv({
    prefix: 'cancel-create',
    backup: { seed: 11, tables: 8, rows: 10, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false },
  });
});

afterAll(() => env?.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('cancel while tables are created: no CREATE TABLE starts once the step hears of it, the tables it made are whole, the cluster is handed back', async () => {
  const c = await startSimCluster();
  // One SQL session and slow CREATEs: the group's 8 tables are made one after another, ~1.5 s each.
  const cd = await connectClusterDeps({ ...c.target, tidb: { ...c.target.tidb, sessions: 1 } });
  const front = c.sim.tidbFront!;
  front.faults.delay(/^CREATE TABLE/, 1500);
  // The backup's tables only (the simulated TiDB made its own mysql.* tables at bootstrap).
  const dbs = new Set(env.backup.tables.map((t) => t.db));
  const created = () => front.catalog.ddlJobs().filter((j) => j.type === 'create table' && dbs.has(j.schemaName)).length;
  try {
    await env.withWorkers({ deps: { ...cd.deps, history: workflowHistorySource(env.client) } }, async (taskQueue) => {
      const handle = await env.client.workflow.start(restoreWorkflow, {
        taskQueue,
        workflowId: `cancel-create-${taskQueue}`,
        args: [{ storage: `local://${env.dir}`, timings: FAST_TIMINGS }],
      });
      await eventually(30_000, async () => expect(created()).toBeGreaterThanOrEqual(1), 20);
      await handle.cancel();
      const err = await handle.result().catch((e: unknown) => e);
      expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
      // The step hears of the cancel within a third of its heartbeat timeout (5 s here), and the CREATE it has in
      // flight then finishes (1.5 s): after that nothing more is created.
      await sleep(FAST_TIMINGS.heartbeatTimeoutMs / 3 + 2_500);
      const settled = created();
      await sleep(4_000);
      expect(created()).toBe(settled);
      expect(settled).toBeLessThan(env.backup.tables.length);
      // Whatever was created is whole: no placeholder column of an unfinished table is left.
      const tables = [...dbs].flatMap((db) => front.catalog.tables(db));
      expect(tables.flatMap((t) => t.cols.map((col) => col.name.L)).filter((n) => n.startsWith('__brflow_col_'))).toEqual([]);
      const snap = c.sim.inspector.snapshot();
      expect(snap.stores.map((s) => s.mode)).toEqual(['Normal', 'Normal', 'Normal']);
      expect(snap.schedulers.filter((s) => s.paused)).toEqual([]);
      expect(snap.serviceSafePoints.filter((s) => s.serviceId.startsWith('brflow-'))).toEqual([]);
    });
  } finally {
    await cd.close();
    await c.sim.stop();
  }
}, 120_000);
