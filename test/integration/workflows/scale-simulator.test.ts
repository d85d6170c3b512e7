import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { NativeConnection, WorkflowBundle } from '@temporalio/worker';
import { makeBackup, type MakeBackupSummary } from '../../../src/backup/generator/make-backup';
import { LocalStorage } from '../../../src/backup/local-storage';
import { readManifest } from '../../../src/backup/read-manifest';
import { connectClusterDeps, type ClusterDeps } from '../../../src/worker/cluster-deps';
import { restoreWorkflow } from '../../../src/workflows/restore';
import { clusterNormality, expectedNormality, restoredChecksums, startSimCluster, type SimCluster } from '../../support/sim-cluster';
import { testTemporalAddress } from '../../support/env';
import { bundleRestoreWorkflows, connectWorkerConnection, startRestoreWorkers } from '../../support/worker-harness';

/**
 * The scale bar on the real parts: at least 1,000 tables and 10,000 files restored through the real
 * cluster clients into the simulator, on the real Temporal dev server, with every run's history under 10,000
 * events (continue-as-new chains the runs) and every table's data equal to the backup's.
 */
const FAST = { keeperIntervalMs: 1000, gcTtlSec: 30, pauseTtlSec: 30, heartbeatTimeoutMs: 20_000, compensationMaxIntervalMs: 500 };

let bundle: WorkflowBundle;
let native: NativeConnection;
let connection: Connection;
let dir: string;
let backup: MakeBackupSummary;
let cluster: SimCluster;
let cd: ClusterDeps;

beforeAll(async () => {
  const address = testTemporalAddress();
  dir = await mkdtemp(join(tmpdir(), 'brflow-scale-sim-'));
  [bundle, native, connection, backup, cluster] = await Promise.all([
    bundleRestoreWorkflows(),
    connectWorkerConnection(address),
    Connection.connect({ address }),
    makeBackup(new LocalStorage(dir), { seed: 5, tables: 1150, rows: 4, metaVersion: 2, compression: 'none', incremental: false, withSysTables: false }),
    startSimCluster(),
  ]);
  cd = await connectClusterDeps(cluster.target);
}, 120_000);

afterAll(async () => {
  await cd?.close();
  await cluster?.sim.stop();
  await native?.close();
  await connection?.close();
  await rm(dir, { recursive: true, force: true });
});

test('1,000+ tables and 10,000+ files into the simulator: bounded histories, every table equal to the backup', async () => {
  expect(backup.tables.length).toBeGreaterThanOrEqual(1000);
  expect(backup.dataFiles).toBeGreaterThanOrEqual(10_000);
  const taskQueue = `scale-sim-${Date.now()}`;
  const workers = await startRestoreWorkers({ connection: native, taskQueue, deps: cd.deps, bundle });
  const client = new Client({ connection });
  try {
    const started = Date.now();
    const handle = await client.workflow.start(restoreWorkflow, {
      taskQueue,
      workflowId: taskQueue,
      args: [{ storage: `local://${dir}`, concurrency: 16, ddlConcurrency: 4, maxBatchesPerRun: 10, timings: FAST }],
    });
    const result = await handle.result();
    console.log(`scale on simulator: ${Date.now() - started} ms`, result);
    expect(result.tables).toBe(backup.tables.length);
    expect(result.files).toBe(backup.dataFiles);
    expect(result.checksum).toEqual({ enabled: true, passed: backup.tables.length });
    expect(result.runs).toBeGreaterThanOrEqual(2);

    const lengths: number[] = [];
    let runId: string | undefined = handle.firstExecutionRunId;
    while (runId) {
      const h: Awaited<ReturnType<typeof handle.fetchHistory>> = await client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
      const events: NonNullable<typeof h.events> = h.events ?? [];
      lengths.push(events.length);
      runId = events[events.length - 1]?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
    }
    expect(lengths).toHaveLength(result.runs);
    for (const n of lengths) expect(n).toBeLessThan(10_000);

    // What the simulator's stores hold, hashed independently of brflow's checksum step, equals the backup.
    const tables = (await readManifest(new LocalStorage(dir))).tables;
    expect(await restoredChecksums(cluster, tables)).toEqual(tables.map((t) => ({ table: `${t.db}.${t.name}`, crc64xor: t.crc64xor, totalKvs: t.totalKvs, totalBytes: t.totalBytes })));
    expect(clusterNormality(cluster.sim)).toEqual(expectedNormality(cluster));
  } finally {
    await workers.stop();
  }
}, 900_000);
