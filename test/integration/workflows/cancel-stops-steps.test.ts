import type { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import type { TidbConnectionConfig } from '../../../src/cluster/tidb-config';
import { connectClusterDeps } from '../../../src/worker/cluster-deps';
import { workflowHistorySource } from '../../../src/worker/workflow-history';
import { restoreWorkflow } from '../../../src/workflows/restore';
import { eventually } from '../../support/eventually';
import { FAST_TIMINGS, openRestoreEnv, type RestoreEnvWithBackup } from '../../support/restore-env';
import { startSimCluster, type SimCluster } from '../../support/sim-cluster';

/**
 * An operator cancels a restore (the wrong backup, the wrong cluster, a cluster that needs its capacity back). The
 * steps that create tables and checksum them hear of the cancel at their next heartbeat and start no further work:
 * no new CREATE TABLE, no new region read. Before, each went on with the rest of its table group (up to 128 tables,
 * four groups at a time; a checksum scans every table) after the run had ended Cancelled.
 */
let env: RestoreEnvWithBackup;

beforeAll(async () => {
  env = await openRestoreEnv({
    prefix: 'cancel-steps',
    backup: { seed: 11, tables: 8, rows: 10, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false },
  });
});

afterAll(() => env?.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The databases of the backup's tables (the simulated TiDB also holds its own mysql.* tables). */
const backupDbs = () => new Set(env.backup.tables.map((t) => t.db));
/** CREATE TABLE jobs the simulated TiDB ran for the backup's tables. */
const tablesCreated = (c: SimCluster) => c.sim.tidbFront!.catalog.ddlJobs().filter((j) => j.type === 'create table' && backupDbs().has(j.schemaName)).length;
/** Coprocessor requests the stores received: on a fresh cluster, the checksum's region reads. */
const regionReads = (c: SimCluster) => c.sim.faults.calls()['Coprocessor'] ?? 0;

/**
 * One restore into a fresh simulated cluster; `cancelWhen` says when to cancel it (undefined: let it finish). Returns
 * `count` when the run ended and again `settleMs` later (the cancelled step hears of the cancel within a third of
 * its heartbeat timeout, and the work it had in flight then finishes), and once more 4 s after that.
 */
async function restore(opts: {
  tidb?: Partial<TidbConnectionConfig>;
  slow: (c: SimCluster) => void;
  cancelWhen?: (c: SimCluster) => boolean;
  count: (c: SimCluster) => number;
  settleMs: number;
}): Promise<{ settled: number; later: number }> {
  const c = await startSimCluster();
  const cd = await connectClusterDeps({ ...c.target, tidb: { ...c.target.tidb, ...opts.tidb } });
  try {
    let out = { settled: 0, later: 0 };
    await env.withWorkers({ deps: { ...cd.deps, history: workflowHistorySource(env.client) } }, async (taskQueue) => {
      opts.slow(c);
      const handle = await env.client.workflow.start(restoreWorkflow, { taskQueue, workflowId: `cancel-steps-${taskQueue}`, args: [{ storage: `local://${env.dir}`, timings: FAST_TIMINGS }] });
      if (!opts.cancelWhen) {
        await handle.result();
        out = { settled: opts.count(c), later: opts.count(c) };
        return;
      }
      await eventually(60_000, async () => expect(opts.cancelWhen!(c)).toBe(true), 20);
      await handle.cancel();
      const err = await handle.result().catch((e: unknown) => e);
      expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
      await sleep(opts.settleMs);
      const settled = opts.count(c);
      await sleep(4_000);
      out = { settled, later: opts.count(c) };
      // Handed back whatever the steps still did.
      const snap = c.sim.inspector.snapshot();
      expect(snap.stores.map((s) => s.mode)).toEqual(['Normal', 'Normal', 'Normal']);
      expect(snap.schedulers.filter((s) => s.paused)).toEqual([]);
      expect(snap.serviceSafePoints.filter((s) => s.serviceId.startsWith('brflow-'))).toEqual([]);
      // Whatever was created is whole: no placeholder column of an unfinished table is left.
      const tables = [...backupDbs()].flatMap((db) => c.sim.tidbFront!.catalog.tables(db));
      expect(tables.flatMap((t) => t.cols.map((col) => col.name.L)).filter((n) => n.startsWith('__brflow_col_'))).toEqual([]);
    });
    return out;
  } finally {
    await cd.close();
    await c.sim.stop();
  }
}

test('cancel while tables are created: no CREATE TABLE starts once the step hears of it, the tables it made are whole, the cluster is handed back', async () => {
  // One SQL session and slow CREATEs: the group's 8 tables are made one after another, ~1.5 s each.
  const r = await restore({
    tidb: { sessions: 1 },
    slow: (c) => c.sim.tidbFront!.faults.delay(/^CREATE TABLE/, 1500),
    cancelWhen: (c) => tablesCreated(c) >= 1,
    count: tablesCreated,
    settleMs: FAST_TIMINGS.heartbeatTimeoutMs / 3 + 2_500,
  });
  expect(r.later).toBe(r.settled);
  expect(r.settled).toBeLessThan(env.backup.tables.length);
}, 120_000);

test('cancel while tables are checksummed: no region is read once the step hears of it, the cluster is handed back', async () => {
  // How many region reads the whole checksum takes, from a restore that runs to its end.
  const full = await restore({ slow: () => undefined, count: regionReads, settleMs: 0 });
  expect(full.settled).toBeGreaterThan(env.backup.tables.length);
  // Every read 3 s: a table's reads (its record range, then each index) go one after another, so the uncancelled
  // checksum would take ~3 reads × 3 s; the step hears of the cancel within ~1.7 s, while the first reads are out.
  const r = await restore({
    slow: (c) => c.sim.faults.addLatency({ rpc: 'Coprocessor', ms: 3000 }),
    cancelWhen: (c) => regionReads(c) >= 1,
    count: regionReads,
    settleMs: 8_000,
  });
  expect(r.later).toBe(r.settled);
  expect(r.settled).toBeLessThan(full.settled);
}, 180_000);
