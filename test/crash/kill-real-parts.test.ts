import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { NativeConnection, WorkflowBundle } from '@temporalio/worker';
import { makeBackup } from '../../src/backup/generator/make-backup';
import { LocalStorage } from '../../src/backup/local-storage';
import type { Manifest } from '../../src/backup/manifest';
import { readManifest } from '../../src/backup/read-manifest';
import { TidbClient } from '../../src/cluster/tidb';
import { realPdFootprint, startSimStack } from '../../src/local-stack/sim-stack';
import { connectClusterDeps } from '../../src/worker/cluster-deps';
import { restoreWorkflow } from '../../src/workflows/restore';
import { batchFiles, completedBatches, observeRestore, recordsOf, type RestoreObservation } from '../support/crash-history';
import { planOptions } from '../../src/activities/plan-cache';
import { CURRENT_PLAN_FEATURES } from '../../src/workflows/plan-features';
import { planRestore } from '../../src/plan/restore-plan';
import type { PlanSummary } from '../../src/workflows/types';
import { CrashWorkerPool } from '../support/crash-worker';
import { testTemporalAddress } from '../support/env';
import { restoredShape, realStackCluster } from '../support/real-parts';
import { recordedChecksums, restoredChecksums } from '../support/sim-cluster';
import { bundleRestoreWorkflows, connectWorkerConnection, startRestoreWorkers } from '../support/worker-harness';

/**
 * SIGKILL of the worker process on the real-parts tier (a real PD v8.5.4 and a real TiDB v8.5.3 with the
 * simulated stores): a new worker finishes the restore, batches recorded done before the kill are not ingested
 * again, every table on the real TiDB has the backup's IDs, and the real PD is handed back. (The full list of
 * kill points runs on the simulator in kill-points.test.ts; these are the ones where the real servers hold the
 * state the undo must restore: the paused schedulers and TTL overrides, the safepoint, the tables.)
 */
const TIMINGS = { keeperIntervalMs: 500, gcTtlSec: 300, pauseTtlSec: 300, heartbeatTimeoutMs: 2000, compensationMaxIntervalMs: 500, controlCallTimeoutMs: 3000 };

let bundle: WorkflowBundle;
let bundlePath: string;
let native: NativeConnection;
let connection: Connection;
let client: Client;
let dir: string;
let manifest: Manifest;
const pool = new CrashWorkerPool(1);

beforeAll(async () => {
  pool.warm();
  const address = testTemporalAddress();
  dir = mkdtempSync(join(tmpdir(), 'brflow-kill-real-'));
  [bundle, native, connection] = await Promise.all([
    bundleRestoreWorkflows(),
    connectWorkerConnection(address),
    Connection.connect({ address }),
    makeBackup(new LocalStorage(join(dir, 'backup')), { seed: 7, tables: 2, rows: 12, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false }),
  ]);
  bundlePath = join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  manifest = await readManifest(new LocalStorage(join(dir, 'backup')));
  client = new Client({ connection });
}, 120_000);

afterAll(async () => {
  await pool.close();
  await native?.close();
  await connection?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Point {
  name: string;
  /** The gRPC method of the simulated stores slowed so the point lasts long enough to be hit. */
  holdRpc: string;
  reached: (o: RestoreObservation) => boolean;
  /** The real PD still holds the restore's scheduler pauses at the kill (at hand-back the undo steps run side by side). */
  pdHeld: boolean;
}

const inFlight = (o: RestoreObservation, type: string): boolean => o.pending.some((p) => p.type === type && p.started) && recordsOf(o, type).some((a) => a.state === 'open');

const POINTS: Point[] = [
  { name: 'mid-ingest (a batch done, the next in flight)', holdRpc: 'Download', reached: (o) => completedBatches(o).length >= 1 && inFlight(o, 'ingestBatch'), pdHeld: true },
  { name: 'hand-back after success (normal-mode undo in flight)', holdRpc: 'SwitchMode', reached: (o) => o.phase === 'finalize' && inFlight(o, 'restoreNormalMode'), pdHeld: false },
];

test.each(POINTS.map((p) => [p.name, p] as const))('SIGKILL at %s on real PD + real TiDB: a new worker finishes, nothing done is redone, the real PD is handed back', async (_name, point) => {
  const stack = await startSimStack({ stores: 3, pd: { kind: 'real' }, tidb: 'real' });
  const c = realStackCluster(stack);
  const target = c.target;
  const taskQueue = `kill-real-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const worker = await pool.start({ temporalAddress: testTemporalAddress(), taskQueue, target, bundlePath });
  let finisher: Awaited<ReturnType<typeof startRestoreWorkers>> | undefined;
  let deps: Awaited<ReturnType<typeof connectClusterDeps>> | undefined;
  const tidb = new TidbClient(target.tidb);
  try {
    stack.sim.faults.addLatency({ rpc: point.holdRpc, ms: 600 });
    const req = { storage: `local://${join(dir, 'backup')}`, filters: [] as string[], batchFiles: 4, concurrency: 1, rangesInFlight: 1, tableGroupSize: 1, mergeRegionSizeBytes: 1, mergeRegionKeyCount: 1, timings: TIMINGS };
    const plan = planRestore(manifest, planOptions({ ...req, caseSensitive: false, ...CURRENT_PLAN_FEATURES }));
    const handle = await client.workflow.start(restoreWorkflow, {
      taskQueue,
      workflowId: `kill-real-${taskQueue}`,
      args: [req],
      workflowTaskTimeout: '3s',
    });
    for (const end = Date.now() + 90_000; ; ) {
      const o = await observeRestore(handle);
      if (point.reached(o)) break;
      if (o.closed) throw new Error(`the restore closed before reaching "${point.name}"`);
      if (Date.now() > end) throw new Error(`"${point.name}" not reached in 90 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await worker.kill();
    const atKill = await observeRestore(handle);
    expect([point.name, point.reached(atKill)]).toEqual([point.name, true]);
    const ingestsAtKill = { ...stack.sim.inspector.snapshot().counters.ingestsByName };
    // What the dead worker left is still there: TiKV is in import mode (its normal-mode undo has not run) and,
    // mid-ingest, the real PD's schedulers are paused.
    expect(stack.sim.inspector.snapshot().stores.filter((s) => s.mode === 'Normal')).toEqual([]);
    if (point.pdHeld) expect((await realPdFootprint(stack.pdHttpAddress)).pausedSchedulers.length).toBeGreaterThan(0);

    stack.sim.faults.clear();
    deps = await connectClusterDeps(target);
    finisher = await startRestoreWorkers({ connection: native, taskQueue, deps: deps.deps, bundle });
    const result = await handle.result();
    const user = manifest.tables.filter((t) => !t.isSystem);
    expect(result.checksum).toEqual({ enabled: true, passed: user.length });
    expect(await restoredChecksums(c, user)).toEqual(recordedChecksums(user));
    const after = await observeRestore(handle);
    const ingestsAfter = stack.sim.inspector.snapshot().counters.ingestsByName;
    // The workers restored the plan computed here (same backup, same options).
    expect((recordsOf(after, 'planRestore').find((a) => a.state === 'completed')?.result as PlanSummary | undefined)?.planRef.hash).toBe(plan.hash);
    // Every batch completed exactly once; no file of a batch recorded done before the kill was ingested again.
    expect(completedBatches(after)).toEqual(plan.batches.map((b) => b.index));
    for (const b of completedBatches(atKill)) {
      for (const f of batchFiles(plan, b)) expect([b, f, ingestsAfter[f] ?? 0]).toEqual([b, f, ingestsAtKill[f] ?? 0]);
    }
    for (const t of user) expect([t.name, restoredShape((await tidb.tableInfo(t.db, t.name))!)]).toEqual([t.name, restoredShape(t.info)]);
    expect(await realPdFootprint(stack.pdHttpAddress)).toEqual({ pausedSchedulers: [], ttlOverrides: [], brflowSafePoints: [] });
    expect(stack.sim.inspector.snapshot().stores.map((s) => s.mode)).toEqual(stack.sim.state.stores().map(() => 'Normal'));
  } finally {
    await worker.kill();
    await finisher?.stop();
    await deps?.close();
    await tidb.close();
    await stack.stop();
  }
}, 300_000);
