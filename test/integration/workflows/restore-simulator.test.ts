import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { TidbClient } from '../../../src/cluster/tidb';
import { ErrorType } from '../../../src/plan/error-types';
import type { SimulatorHandle } from '../../../src/simulator/server';
import { pauseUpdate, progressQuery, resumeUpdate } from '../../../src/workflows/messages';
import { restoreWorkflow } from '../../../src/workflows/restore';
import { FAST_TIMINGS, openRestoreEnv, type RestoreEnvWithBackup } from '../../support/restore-env';

/**
 * The whole stack: a generated BR backup on disk, the cluster simulator (PD + 3 TiKV + TiDB on the real
 * wire), the real cluster clients behind the activities, and the workflow on the Temporal dev server.
 */
/** Tables without secondary indexes: the pause/cancel/conflict scenarios need only a small restore. */
const RESTORABLE = ['shop.documents', 'shop.empty_table'];

let env: RestoreEnvWithBackup;

beforeAll(async () => {
  env = await openRestoreEnv({
    prefix: 'sim-restore',
    backup: { seed: 7, tables: 8, rows: 40, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false },
  });
});

afterAll(() => env?.close());

/** What the simulator shows after a restore: TiKV normal, schedulers running, no TTL overrides, no brflow safepoint. */
function expectClusterNormal(sim: SimulatorHandle): void {
  const snap = sim.inspector.snapshot();
  expect(snap.stores.map((s) => s.mode)).toEqual(snap.stores.map(() => 'Normal'));
  expect(snap.schedulers.filter((s) => s.paused)).toEqual([]);
  expect(snap.scheduleConfigOverrides).toEqual([]);
  expect(snap.serviceSafePoints.filter((s) => s.serviceId.startsWith('brflow-'))).toEqual([]);
  expect(snap.stores.map((s) => s.speedLimit)).toEqual(snap.stores.map(() => 0));
}

test('restores a whole generated BR backup (partitions, clustered and rowid handles, indexes) into the simulator: every table checksums as the backup, the cluster ends normal', async () => {
  await env.withCluster(async ({ sim, target }, taskQueue) => {
    const result = await env.client.workflow.execute(restoreWorkflow, {
      taskQueue,
      workflowId: `sim-${taskQueue}`,
      args: [{ storage: `local://${env.dir}`, batchFiles: 4, concurrency: 4, tableGroupSize: 3, rateLimitBytesPerSec: 8 << 20, timings: FAST_TIMINGS }],
    });
    // Everything but system schemas (BR's default filter): all 8 generated tables.
    const restored = env.backup.tables;
    expect(restored).toHaveLength(8);
    expect(result.tables).toBe(8);
    expect(result.checksum).toEqual({ enabled: true, passed: 8 });
    expect(result.files).toBe(restored.reduce((a, t) => a + t.files, 0));
    // Independent of the workflow's own coprocessor checksum: the simulator's view of each new table holds
    // as many KVs as the backup recorded.
    const tidb = new TidbClient(target.tidb);
    try {
      for (const t of restored) {
        const info = await tidb.tableInfo(t.db, t.table);
        expect(info).toBeDefined();
        const ids = [info!.id, ...(info!.partition?.definitions ?? []).map((d) => d.id)];
        const kvs = ids.reduce((a, id) => a + BigInt(sim.inspector.tableChecksum(id)?.totalKvs ?? '0'), 0n);
        expect([t.table, kvs.toString()]).toEqual([t.table, t.totalKvs]);
      }
    } finally {
      await tidb.close();
    }
    expectClusterNormal(sim);
  });
});

test('a table already in the target with another layout fails the restore for good, and compensation hands the simulator back', async () => {
  await env.withCluster(async ({ sim, target }, taskQueue) => {
    const victim = env.backup.tables.find((t) => t.table === 'documents')!;
    const tidb = new TidbClient(target.tidb);
    try {
      await tidb.executeStatements(undefined, [`CREATE DATABASE IF NOT EXISTS \`${victim.db}\``, `CREATE TABLE \`${victim.db}\`.\`${victim.table}\` (zz_other INT)`]);
    } finally {
      await tidb.close();
    }
    const err = await env.client.workflow
      .execute(restoreWorkflow, { taskQueue, workflowId: `sim-fail-${taskQueue}`, args: [{ storage: `local://${env.dir}`, filters: RESTORABLE, tableGroupSize: 1, timings: FAST_TIMINGS }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const root = (err as WorkflowFailedError).cause?.cause as ApplicationFailure | undefined;
    expect(root).toBeInstanceOf(ApplicationFailure);
    expect(root!.nonRetryable || [ErrorType.ColumnIdMismatch, ErrorType.TableExists, ErrorType.UnsupportedTable].includes(root!.type as never)).toBe(true);
    expect(root!.message).toContain(victim.table);
    expectClusterNormal(sim);
  });
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${String(await probe().catch((e: unknown) => e))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One range per file, one file per batch, slow downloads: a restore that is reliably caught mid-ingest. */
const slow = () => ({ storage: `local://${env.dir}`, filters: ['shop.documents'], batchFiles: 1, concurrency: 1, mergeRegionSizeBytes: 1, mergeRegionKeyCount: 1, timings: FAST_TIMINGS });

test('pause hands the simulator back (TiKV normal, schedulers running), resume re-applies, and the restore completes', async () => {
  await env.withCluster(async ({ sim }, taskQueue) => {
    sim.faults.addLatency({ rpc: 'Download', ms: 400 });
    const handle = await env.client.workflow.start(restoreWorkflow, { taskQueue, workflowId: `sim-pause-${taskQueue}`, args: [slow()] });
    await until('a batch to finish', async () => ((await handle.query(progressQuery)).batches.done >= 1 ? true : undefined));
    expect(sim.inspector.snapshot().stores.map((s) => s.mode)).toEqual(['Import', 'Import', 'Import']);
    const p = await handle.executeUpdate(pauseUpdate);
    expect(p.paused).toBe(true);
    let snap = sim.inspector.snapshot();
    expect(snap.stores.map((s) => s.mode)).toEqual(['Normal', 'Normal', 'Normal']);
    expect(snap.schedulers.filter((s) => s.paused)).toEqual([]);
    expect(snap.scheduleConfigOverrides).toEqual([]);
    // The GC safepoint stays while paused: the restore still needs its snapshot.
    expect(snap.serviceSafePoints.filter((s) => s.serviceId.startsWith('brflow-'))).toHaveLength(1);
    const ingestsWhilePaused = Object.values(snap.counters.ingestsByName).reduce((a, b) => a + b, 0);
    await new Promise((r) => setTimeout(r, 1500));
    expect(Object.values(sim.inspector.snapshot().counters.ingestsByName).reduce((a, b) => a + b, 0)).toBe(ingestsWhilePaused);
    await handle.executeUpdate(resumeUpdate);
    snap = sim.inspector.snapshot();
    expect(snap.stores.map((s) => s.mode)).toEqual(['Import', 'Import', 'Import']);
    expect(snap.schedulers.some((s) => s.paused)).toBe(true);
    const result = await handle.result();
    expect(result.checksum.passed).toBe(1);
    expectClusterNormal(sim);
  });
});

test('cancel mid-ingest on the simulator: the run ends Cancelled and the cluster is handed back', async () => {
  await env.withCluster(async ({ sim }, taskQueue) => {
    sim.faults.addLatency({ rpc: 'Download', ms: 400 });
    const handle = await env.client.workflow.start(restoreWorkflow, { taskQueue, workflowId: `sim-cancel-${taskQueue}`, args: [slow()] });
    await until('a batch to finish', async () => ((await handle.query(progressQuery)).batches.done >= 1 ? true : undefined));
    await handle.cancel();
    const err = await handle.result().catch((e: unknown) => e);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    const p = await handle.query(progressQuery);
    expect(p.batches.done).toBeLessThan(p.batches.total);
    expectClusterNormal(sim);
  });
});
