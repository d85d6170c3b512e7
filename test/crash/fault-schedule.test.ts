import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { makeBackup } from '../../src/backup/generator/make-backup';
import { LocalStorage } from '../../src/backup/local-storage';
import type { ManifestTable } from '../../src/backup/manifest';
import { readManifest } from '../../src/backup/read-manifest';
import { freePort } from '../../src/local-stack/free-port';
import { startTemporalDevServer, type TemporalDevServer } from '../../src/local-stack/temporal-dev-server';
import { restoreWorkflow, type RestoreResult } from '../../src/workflows/restore';
import type { RestoreProgress } from '../../src/workflows/types';
import { CRASH_TIMINGS, crashRequest } from '../support/crash-request';
import { CrashWorkerPool, type CrashWorker } from '../support/crash-worker';
import { testTemporalAddress } from '../support/env';
import { clusterNormality, expectedNormality, recordedChecksums, restoredChecksums, startSimCluster, type SimCluster } from '../support/sim-cluster';
import { bundleRestoreWorkflows } from '../support/worker-harness';

/**
 * Issue 13 point 7: the bad days of a restore as a schedule of faults, on the real Temporal dev server and
 * the simulator, each restore ending with every table holding exactly the backup's data (checksums equal to
 * backupmeta's) and the cluster handed back. Faults: a seeded random series of worker SIGKILLs
 * (BRFLOW_FAULT_SEED reproduces a run), the Temporal server SIGKILLed and restarted on the same SQLite file
 * during ingest (alone, and together with the worker), a TiKV store down and a PD leader change inside a
 * whole restore, and pause → kill → resume. Each restore is small and slowed just enough to be caught in
 * flight; every wait is bounded.
 */
const SEED = Number(process.env.BRFLOW_FAULT_SEED ?? 1313);

/** mulberry32: a tiny seeded PRNG, so a failing schedule can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let dir: string;
let backupDir: string;
let bundlePath: string;
let tables: ManifestTable[];
const pool = new CrashWorkerPool(2);

/** Two batches side by side, so a kill often cuts more than one; TTLs of a minute (a test lasts less). */
const request = () => crashRequest(backupDir, { concurrency: 2, timings: { ...CRASH_TIMINGS, gcTtlSec: 60, pauseTtlSec: 60 } });

beforeAll(async () => {
  pool.warm();
  dir = mkdtempSync(join(tmpdir(), 'brflow-faults-'));
  backupDir = join(dir, 'backup');
  const [bundle] = await Promise.all([
    bundleRestoreWorkflows(),
    makeBackup(new LocalStorage(backupDir), { seed: 17, tables: 2, rows: 12, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false }),
  ]);
  bundlePath = join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  tables = (await readManifest(new LocalStorage(backupDir))).tables;
});

afterAll(async () => {
  await pool.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A bounded poll: `what` fails the test when `ok` never holds. 90 s: these tests start workers as child processes
 * (tsx + a workflow bundle), which under a loaded CI machine took more than 30 s to reach the ingest.
 */
async function until(what: string, ok: () => Promise<boolean> | boolean, ms = 90_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await Promise.resolve().then(ok).catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms / 1000} s`);
    await sleep(100);
  }
}

/** True once an ingest activity runs (the restore is in its pipeline, the cluster in import mode). */
async function ingesting(h: WorkflowHandle): Promise<boolean> {
  const d = await h.describe();
  return (d.raw.pendingActivities ?? []).some((a) => a.activityType?.name === 'ingestBatch');
}

/** How every scenario ends: the restore completed, the data is the backup's, the cluster as before it. */
async function expectRestored(c: SimCluster, h: WorkflowHandle<typeof restoreWorkflow>): Promise<RestoreResult> {
  const r = await h.result();
  expect(r.tables).toBe(tables.length);
  expect(r.checksum.passed).toBe(tables.length);
  expect(await restoredChecksums(c, tables)).toEqual(recordedChecksums(tables));
  expect(clusterNormality(c.sim)).toEqual(expectedNormality(c));
  return r;
}

async function withCluster(body: (c: SimCluster) => Promise<void>, opts: Parameters<typeof startSimCluster>[0] = {}): Promise<void> {
  const c = await startSimCluster(opts);
  try {
    await body(c);
  } finally {
    await c.sim.stop();
  }
}

async function withClient<T>(address: string, body: (client: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address });
  try {
    return await body(new Client({ connection }));
  } finally {
    await connection.close();
  }
}

/** SIGKILLs a server process (no graceful stop) and waits until it is gone. */
async function killServer(s: TemporalDevServer): Promise<void> {
  process.kill(s.pid, 'SIGKILL');
  await until(`temporal server ${s.pid} exits`, () => {
    try {
      process.kill(s.pid, 0);
      return false;
    } catch {
      return true;
    }
  }, 10_000);
}

test(`a seeded random series of worker kills (seed ${SEED}) ends restored`, async () => {
  const rnd = prng(SEED);
  const kills = 2 + Math.floor(rnd() * 3);
  const delays = Array.from({ length: kills }, () => 300 + Math.floor(rnd() * 1500));
  const address = testTemporalAddress();
  await withCluster(async (c) => {
    c.sim.faults.addLatency({ rpc: 'Download', ms: 80 });
    await withClient(address, async (client) => {
      const taskQueue = `faults-kills-${SEED}-${Date.now()}`;
      const start = { temporalAddress: address, taskQueue, target: c.target, bundlePath };
      let worker: CrashWorker = await pool.start(start);
      const h = await client.workflow.start(restoreWorkflow, { taskQueue, workflowId: `${taskQueue}-wf`, args: [request()] });
      // The series starts once the plan is built: a worker lost while planning is noticed only after the
      // planning heartbeat timeout (a minute, activity-options.ts), which would dominate the test's time; that
      // kill point is kill-points.test.ts's "plan end".
      await until('plan built', async () => {
        const events = (await h.fetchHistory()).events ?? [];
        return events.some((e) => e.activityTaskCompletedEventAttributes) && events.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'preCheck');
      });
      const phases: string[] = [];
      for (const ms of delays) {
        await sleep(ms);
        // Each kill lands while the restore runs (its phase recorded for the failure message).
        const d = await h.describe();
        expect(d.status.name).toBe('RUNNING');
        phases.push(String(d.searchAttributes?.BrRestorePhase?.[0] ?? '?'));
        await worker.kill();
        worker = await pool.start(start);
      }
      // The schedule printed with the failure, so a red run can be replayed.
      c.sim.faults.clear();
      await expectRestored(c, h).catch((e: unknown) => {
        throw new Error(`seed ${SEED}, kills after ${delays.join(', ')} ms (phases ${phases.join(', ')}): ${String(e)}`);
      });
      await worker.kill();
    });
  });
}, 120_000);

/**
 * A restore on a Temporal dev server of its own (SQLite file `dbName`), caught during ingest: the server is
 * SIGKILLed, with the worker at the same moment when `alsoWorker`, then restarted on the same database and
 * port (the worker too); the restore must finish as if nothing happened.
 */
async function killServerDuringIngest(dbName: string, queuePrefix: string, alsoWorker: boolean): Promise<void> {
  const dbFile = join(dir, dbName);
  const port = await freePort();
  let server = await startTemporalDevServer({ dbFile, port });
  try {
    await withCluster(async (c) => {
      c.sim.faults.addLatency({ rpc: 'Download', ms: 80 });
      const taskQueue = `${queuePrefix}-${Date.now()}`;
      const start = { temporalAddress: server.address, taskQueue, target: c.target, bundlePath };
      let worker = await pool.start(start);
      try {
        const workflowId = `${taskQueue}-wf`;
        await withClient(server.address, async (client) => {
          const h = await client.workflow.start(restoreWorkflow, { taskQueue, workflowId, args: [request()] });
          await until('ingest started', () => ingesting(h));
        });
        if (alsoWorker) {
          await Promise.all([killServer(server), worker.kill()]);
        } else {
          // The worker alone keeps polling a server that is gone for a moment.
          await killServer(server);
          await sleep(1000);
        }
        server = await startTemporalDevServer({ dbFile, port });
        if (alsoWorker) worker = await pool.start(start);
        c.sim.faults.clear();
        await withClient(server.address, (client) => expectRestored(c, client.workflow.getHandle(workflowId)));
      } finally {
        await worker.kill();
      }
    });
  } finally {
    await server.stop();
  }
}

test('the Temporal server SIGKILLed during ingest and restarted on the same database: the restore goes on', () =>
  killServerDuringIngest('temporal-restart.db', 'faults-server', false), 240_000);

test('the Temporal server and the worker SIGKILLed together during ingest: both restarted, the restore goes on', () =>
  killServerDuringIngest('temporal-both.db', 'faults-both', true), 240_000);

test('a TiKV store down for a while and a PD leader change inside a whole restore: restored', async () => {
  const address = testTemporalAddress();
  await withCluster(async (c) => {
    c.sim.faults.addLatency({ rpc: 'Download', ms: 80 });
    await withClient(address, async (client) => {
      const taskQueue = `faults-cluster-${Date.now()}`;
      const worker = await pool.start({ temporalAddress: address, taskQueue, target: c.target, bundlePath });
      try {
        const h = await client.workflow.start(restoreWorkflow, { taskQueue, workflowId: `${taskQueue}-wf`, args: [request()] });
        await until('ingest started', () => ingesting(h));
        c.sim.faults.storeDown(2);
        await sleep(2500);
        c.sim.faults.storeUp(2);
        const before = c.sim.pdAddresses.slice();
        const leader = c.sim.changePdLeader();
        expect(before).toContain(leader);
        c.sim.faults.clear();
        await expectRestored(c, h);
      } finally {
        await worker.kill();
      }
    });
  }, { pdMembers: 3 });
}, 120_000);

test('pause, the worker killed while paused, resume: restored', async () => {
  const address = testTemporalAddress();
  await withCluster(async (c) => {
    c.sim.faults.addLatency({ rpc: 'Download', ms: 80 });
    await withClient(address, async (client) => {
      const taskQueue = `faults-pause-${Date.now()}`;
      const start = { temporalAddress: address, taskQueue, target: c.target, bundlePath };
      let worker = await pool.start(start);
      try {
        const h = client.workflow.getHandle<typeof restoreWorkflow>((await client.workflow.start(restoreWorkflow, { taskQueue, workflowId: `${taskQueue}-wf`, args: [request()] })).workflowId);
        await until('ingest started', () => ingesting(h));
        const paused = await h.executeUpdate<RestoreProgress, []>('pause');
        expect(paused.paused).toBe(true);
        // Paused means handed back: normal mode, schedulers running; only the safepoint is held.
        expect(c.sim.inspector.snapshot().stores.map((s) => s.mode)).toEqual(['Normal', 'Normal', 'Normal']);
        await worker.kill();
        worker = await pool.start(start);
        const resumed = await h.executeUpdate<RestoreProgress, []>('resume');
        expect(resumed.paused).toBe(false);
        c.sim.faults.clear();
        await expectRestored(c, h);
      } finally {
        await worker.kill();
      }
    });
  });
}, 120_000);
