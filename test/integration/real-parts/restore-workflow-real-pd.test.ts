import type { RealPd } from '../../../src/local-stack/real-pd';
import { realPdFootprint, startSimStack } from '../../../src/local-stack/sim-stack';
import { connectClusterDeps } from '../../../src/worker/cluster-deps';
import { pauseUpdate, progressQuery, resumeUpdate } from '../../../src/workflows/messages';
import { restoreWorkflow } from '../../../src/workflows/restore';
import { startRealPdForTest, waitPdSettled, realStackCluster } from '../../support/real-parts';
import { FAST_TIMINGS, openRestoreEnv, type RestoreEnvWithBackup } from '../../support/restore-env';
import { recordedChecksums, restoredChecksums } from '../../support/sim-cluster';
import { eventually } from '../../support/eventually';

/**
 * The whole restore through the workflow with a real PD v8.5.4 in the loop: the simulator's stores joined to it
 * (bootstrap, heartbeats, the operators it schedules), brflow's worker talking to it for TSO, regions, split
 * scatter, scheduling pause and the GC safepoint; data on the simulated stores, schema on the simulator's TiDB.
 */
let env: RestoreEnvWithBackup;
let pd: RealPd;

beforeAll(async () => {
  [env, pd] = await Promise.all([
    openRestoreEnv({
      prefix: 'real-pd-restore',
      backup: { seed: 21, tables: 6, rows: 40, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false },
    }),
    startRealPdForTest(),
  ]);
}, 120_000);

afterAll(async () => {
  await env?.close();
  await pd?.stop();
});

test('restores a generated BR backup with a real PD: checksums equal the backup, the real PD ends normal', async () => {
  await env.withCluster({ pd: { external: pd.address } }, async (c, taskQueue) => {
    await c.sim.waitForReplicas!(3, 60_000);
    await waitPdSettled(pd.address, c.sim);
    const before = await realPdFootprint(pd.address);
    const regionsBefore = c.sim.state.regions().length;
    const result = await env.client.workflow.execute(restoreWorkflow, {
      taskQueue,
      workflowId: `real-pd-${taskQueue}`,
      args: [{ storage: `local://${env.dir}`, batchFiles: 4, concurrency: 4, tableGroupSize: 3, timings: FAST_TIMINGS }],
    });
    const tables = env.manifest.tables.filter((t) => env.backup.tables.some((b) => b.db === t.db && b.table === t.name));
    expect(result.tables).toBe(tables.length);
    expect(result.checksum).toEqual({ enabled: true, passed: tables.length });
    expect(await restoredChecksums(c, tables)).toEqual(recordedChecksums(tables));

    // The split happened through the real PD: it knows every region the stores hold, by the IDs it handed out.
    const local = c.sim.state.regions();
    expect(local.length).toBeGreaterThan(regionsBefore);
    const count = (await (await fetch(`http://${pd.address}/pd/api/v1/regions/count`)).json()) as { count: number };
    expect(count.count).toBe(local.length);

    expect(c.sim.inspector.snapshot().stores.map((s) => [s.mode, s.speedLimit])).toEqual(c.sim.state.stores().map(() => ['Normal', 0]));
    expect(await realPdFootprint(pd.address)).toEqual({ ...before, brflowSafePoints: [] });
    expect(before.pausedSchedulers).toEqual([]);
    expect(before.ttlOverrides).toEqual([]);
  });
}, 300_000);

test('restores with a real PD and a real TiDB (unistore) from the sim stack: schema on TiDB, data on the simulated stores, checksums equal', async () => {
  // What `brflow sim --real-pd --real-tidb` starts: a fresh pd-server, a tidb-server, the stores joined to the PD.
  const stack = await startSimStack({ stores: 3, pd: { kind: 'real' }, tidb: 'real' });
  try {
    expect(stack.realPd).toBe(true);
    expect(stack.tidb).toBeDefined();
    expect(stack.tidb!.address).not.toBe(stack.sim.tidb?.address);
    const c = realStackCluster(stack);
    const target = c.target;
    const cd = await connectClusterDeps(target);
    try {
      await env.withWorkers({ deps: cd.deps }, async (taskQueue) => {
        const result = await env.client.workflow.execute(restoreWorkflow, {
          taskQueue,
          workflowId: `real-pd-tidb-${taskQueue}`,
          args: [{ storage: `local://${env.dir}`, batchFiles: 4, concurrency: 4, tableGroupSize: 3, timings: FAST_TIMINGS }],
        });
        const tables = env.manifest.tables.filter((t) => env.backup.tables.some((b) => b.db === t.db && b.table === t.name));
        expect(result.checksum).toEqual({ enabled: true, passed: tables.length });
        // Table IDs come from the real TiDB's catalog; the stores' data under them checksums as the backup.
        expect(await restoredChecksums(c, tables)).toEqual(recordedChecksums(tables));
      });
    } finally {
      await cd.close();
    }
    expect(await realPdFootprint(stack.pdHttpAddress)).toEqual({ pausedSchedulers: [], ttlOverrides: [], brflowSafePoints: [] });
  } finally {
    await stack.stop();
  }
}, 300_000);

test('pause hands the real PD back (schedulers running, no TTL override, safepoint kept), resume re-applies, the restore completes', async () => {
  const pd3 = await startRealPdForTest();
  try {
    await env.withCluster({ pd: { external: pd3.address } }, async (c, taskQueue) => {
      await c.sim.waitForReplicas!(3, 60_000);
      // The table with the most files, one file per batch, downloads slowed: the restore is still running when paused.
      const t = [...env.backup.tables].sort((a, b) => b.files - a.files)[0]!;
      expect(t.files).toBeGreaterThan(1);
      c.sim.faults.addLatency({ rpc: 'Download', ms: 400 });
      const handle = await env.client.workflow.start(restoreWorkflow, {
        taskQueue,
        workflowId: `real-pd-pause-${taskQueue}`,
        args: [{ storage: `local://${env.dir}`, filters: [`${t.db}.${t.table}`], batchFiles: 1, concurrency: 1, mergeRegionSizeBytes: 1, mergeRegionKeyCount: 1, timings: FAST_TIMINGS }],
      });
      await eventually(30_000, async () => expect((await handle.query(progressQuery)).batches.done).toBeGreaterThanOrEqual(1));
      const during = await realPdFootprint(pd3.address);
      expect(during.pausedSchedulers.length).toBeGreaterThan(0);
      expect(during.ttlOverrides.length).toBeGreaterThan(0);
      expect(during.brflowSafePoints).toHaveLength(1);

      expect((await handle.executeUpdate(pauseUpdate)).paused).toBe(true);
      expect(await realPdFootprint(pd3.address)).toEqual({ pausedSchedulers: [], ttlOverrides: [], brflowSafePoints: during.brflowSafePoints });
      expect(c.sim.inspector.snapshot().stores.map((s) => s.mode)).toEqual(['Normal', 'Normal', 'Normal']);

      await handle.executeUpdate(resumeUpdate);
      expect((await realPdFootprint(pd3.address)).pausedSchedulers.sort()).toEqual([...during.pausedSchedulers].sort());
      const result = await handle.result();
      expect(result.checksum.passed).toBe(1);
      expect(await realPdFootprint(pd3.address)).toEqual({ pausedSchedulers: [], ttlOverrides: [], brflowSafePoints: [] });
    });
  } finally {
    await pd3.stop();
  }
}, 300_000);
