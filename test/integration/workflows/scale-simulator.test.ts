import { connectClusterDeps, type ClusterDeps } from '../../../src/worker/cluster-deps';
import { restoreWorkflow } from '../../../src/workflows/restore';
import { openRestoreEnv, type RestoreEnvWithBackup } from '../../support/restore-env';
import { runHistoryLengths } from '../../support/run-chain';
import { clusterNormality, expectedNormality, recordedChecksums, restoredChecksums, startSimCluster, type SimCluster } from '../../support/sim-cluster';

/**
 * The scale bar on the real parts: at least 1,000 tables and 10,000 files restored through the real
 * cluster clients into the simulator, on the real Temporal dev server, with every run's history under 10,000
 * events (continue-as-new chains the runs) and every table's data equal to the backup's.
 */
/** Wider than FAST_TIMINGS (as this test always had): a minutes-long restore with 16 ingests in flight gets slack on heartbeats and TTLs. */
const SCALE_TIMINGS = { keeperIntervalMs: 1000, gcTtlSec: 30, pauseTtlSec: 30, heartbeatTimeoutMs: 20_000, compensationMaxIntervalMs: 500 };

let env: RestoreEnvWithBackup;
let cluster: SimCluster;
let cd: ClusterDeps;

beforeAll(async () => {
  // One cluster for the one test, started while the (large) backup is generated.
  [env, cluster] = await Promise.all([
    openRestoreEnv({
      prefix: 'scale-sim',
      backup: { seed: 5, tables: 1150, rows: 4, metaVersion: 2, compression: 'none', incremental: false, withSysTables: false },
    }),
    startSimCluster(),
  ]);
  cd = await connectClusterDeps(cluster.target);
}, 120_000);

afterAll(async () => {
  await cd?.close();
  await cluster?.sim.stop();
  await env?.close();
});

test('1,000+ tables and 10,000+ files into the simulator: bounded histories, every table equal to the backup', async () => {
  const { backup, client } = env;
  expect(backup.tables.length).toBeGreaterThanOrEqual(1000);
  expect(backup.dataFiles).toBeGreaterThanOrEqual(10_000);
  await env.withWorkers({ deps: cd.deps }, async (taskQueue) => {
    const started = Date.now();
    const handle = await client.workflow.start(restoreWorkflow, {
      taskQueue,
      workflowId: taskQueue,
      args: [{ storage: `local://${env.dir}`, concurrency: 16, ddlConcurrency: 4, maxBatchesPerRun: 10, timings: SCALE_TIMINGS }],
    });
    const result = await handle.result();
    console.log(`scale on simulator: ${Date.now() - started} ms`, result);
    expect(result.tables).toBe(backup.tables.length);
    expect(result.files).toBe(backup.dataFiles);
    expect(result.checksum).toEqual({ enabled: true, passed: backup.tables.length });
    expect(result.runs).toBeGreaterThanOrEqual(2);

    const lengths = await runHistoryLengths(client, handle);
    expect(lengths).toHaveLength(result.runs);
    for (const n of lengths) expect(n).toBeLessThan(10_000);

    // What the simulator's stores hold, hashed independently of brflow's checksum step, equals the backup.
    const tables = env.manifest.tables;
    expect(await restoredChecksums(cluster, tables)).toEqual(recordedChecksums(tables));
    expect(clusterNormality(cluster.sim)).toEqual(expectedNormality(cluster));
  });
}, 900_000);
