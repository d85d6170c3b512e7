import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { NativeConnection, WorkflowBundle } from '@temporalio/worker';
import { planOptions } from '../../src/activities/plan-cache';
import { CURRENT_PLAN_FEATURES } from '../../src/workflows/plan-features';
import { makeBackup } from '../../src/backup/generator/make-backup';
import { LocalStorage } from '../../src/backup/local-storage';
import type { Manifest, ManifestTable } from '../../src/backup/manifest';
import { readManifest } from '../../src/backup/read-manifest';
import { ErrorType, type ErrorTypeName } from '../../src/plan/error-types';
import { planRestore, type RestorePlan } from '../../src/plan/restore-plan';
import { connectClusterDeps } from '../../src/worker/cluster-deps';
import { restoreWorkflow, type RestoreResult } from '../../src/workflows/restore';
import type { PlanSummary } from '../../src/workflows/types';
import { clusterNormality, expectedNormality, recordedChecksums, restoredChecksums, startSimCluster, type SimCluster } from '../support/sim-cluster';
import { batchFiles, completedBatches, observeRestore, recordsOf, type RestoreObservation } from '../support/crash-history';
import { crashRequest } from '../support/crash-request';
import { CrashWorkerPool, type CrashWorker } from '../support/crash-worker';
import { testTemporalAddress } from '../support/env';
import { bundleRestoreWorkflows, connectWorkerConnection, startRestoreWorkers } from '../support/worker-harness';

/**
 * Issue 4, crash tests: the worker process running a restore is SIGKILLed at one point of the restore (each
 * step's start or end, mid-batch, mid-compensation, with the keeper running), a new worker takes over, and
 * the restore must end as if nothing happened: completed (or, for the compensation point, failed with its
 * typed failure), every table holding exactly the backup's data, no batch ingested again once its completion
 * was recorded, and the cluster handed back (TiKV normal, schedulers and config as before, safepoint gone).
 *
 * How a point is caught without hooks in product code: the worker runs in a child process over the real
 * cluster clients against the simulator (PD + TiKV + TiDB on the real wire, in this process); the test
 * watches the workflow's history and pending activities, injects simulator latency so the step in question
 * lasts long enough to be caught in flight, and SIGKILLs the child once the point is reached. The history
 * read right after the kill must still show the point: that proves where the crash landed. The new worker
 * runs in this process with no faults left.
 */

/** Latency that holds a step in flight: well under every deadline of CRASH_TIMINGS, well over the 100 ms poll. */
const HOLD_MS = 600;

let bundle: WorkflowBundle;
let bundlePath: string;
let native: NativeConnection;
let connection: Connection;
let client: Client;
let dir: string;
let manifest: Manifest;
const pool = new CrashWorkerPool(2);

/** Every point restores shop.* in the crash tests' small steps (one batch, one range, one table at a time). */
const request = () => crashRequest(dir, { filters: ['shop.*'] });

beforeAll(async () => {
  pool.warm();
  const address = testTemporalAddress();
  dir = mkdtempSync(join(tmpdir(), 'brflow-kill-'));
  [bundle, native, connection] = await Promise.all([
    bundleRestoreWorkflows(),
    connectWorkerConnection(address),
    Connection.connect({ address }),
    // Two tables (shop.order, shop.customer), 18 data files, 6 batches of up to 4 ranges.
    makeBackup(new LocalStorage(join(dir, 'backup')), { seed: 7, tables: 2, rows: 12, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false }),
  ]);
  dir = join(dir, 'backup');
  bundlePath = join(dir, '..', 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  manifest = await readManifest(new LocalStorage(dir));
  client = new Client({ connection });
});

afterAll(async () => {
  await pool.close();
  await native?.close();
  await connection?.close();
  if (dir) rmSync(join(dir, '..'), { recursive: true, force: true });
});

/** One kill point's restore: its own cluster, the plan the worker will build, and faults already applied. */
interface Run {
  c: SimCluster;
  plan: RestorePlan;
  /** Hold faults applied so far (by name), so `hold` runs idempotently on every poll. */
  held: Set<string>;
}

interface KillPoint {
  name: string;
  /** Prepares the cluster before the restore starts (the cause of a permanent failure). */
  setup?(run: Run): Promise<void>;
  /** Runs on every poll until the kill: injects the latency that keeps the step in flight (once per name). */
  hold(run: Run, o: RestoreObservation | undefined): void;
  /** True once the restore is at the point; must still hold on the history read right after the kill. */
  reached(o: RestoreObservation, run: Run): boolean;
  /** 'done', or the failure types one of which the run must end with. */
  outcome: 'done' | ErrorTypeName[];
  /** Faults to keep while the new worker finishes (the point needs the run to last a while). */
  slowFinish?(run: Run): void;
  /** Extra checks after the run, given the observation right after the kill. */
  verify?(run: Run, atKill: RestoreObservation, after: RestoreObservation, ingests: { atKill: Record<string, number>; after: Record<string, number> }): Promise<void>;
}

const once = (run: Run, key: string, apply: () => void): void => {
  if (run.held.has(key)) return;
  run.held.add(key);
  apply();
};
/** Latency on one gRPC method of PD or every TiKV store (method name as on the wire). */
const rpcLatency = (rpc: string, ms = HOLD_MS) => (run: Run) => once(run, rpc, () => run.c.sim.faults.addLatency({ rpc, ms }));
/** Latency on the TiDB statements matching `match`. */
const sqlDelay = (match: RegExp) => (run: Run) => once(run, match.source, () => run.c.sim.tidbFront!.faults.delay(match, HOLD_MS));
/** Applies `hold` once `when` is true of an observation. */
const holdWhen = (when: (o: RestoreObservation, run: Run) => boolean, hold: (run: Run) => void) => (run: Run, o: RestoreObservation | undefined) => {
  if (o && when(o, run)) hold(run);
};

const completed = (o: RestoreObservation, type: string): number => recordsOf(o, type).filter((a) => a.state === 'completed').length;
/** The server handed the activity's current attempt to a worker and has no close event for it yet. */
const inFlight = (o: RestoreObservation, type: string, pred: (input: unknown) => boolean = () => true): boolean =>
  o.pending.some((p) => p.type === type && p.started) && recordsOf(o, type).some((a) => a.state === 'open' && pred(a.input));
const batchIs = (n: number) => (input: unknown) => (input as { batchNo: number }).batchNo === n;
const lastBatch = (run: Run): number => run.plan.batches.length - 1;
/** The next range the in-flight ingest of `batchNo` recorded in its last heartbeat (0 = none yet). */
const heartbeatNext = (o: RestoreObservation): number => {
  const p = o.pending.find((x) => x.type === 'ingestBatch' && x.started);
  return (p?.heartbeat as { next?: number } | undefined)?.next ?? 0;
};
/** Kinds of failure a table already in the target with another layout ends the restore with. */

const POINTS: KillPoint[] = [
  {
    name: 'plan end (pre-check in flight)',
    hold: rpcLatency('GetAllStores'),
    reached: (o) => completed(o, 'planRestore') === 1 && inFlight(o, 'preCheck'),
    outcome: 'done',
  },
  {
    name: 'GC safepoint start',
    hold: rpcLatency('UpdateServiceGCSafePoint'),
    reached: (o) => inFlight(o, 'registerGcSafepoint'),
    outcome: 'done',
  },
  {
    name: 'GC safepoint end (databases being created)',
    hold: sqlDelay(/CREATE DATABASE/i),
    reached: (o) => completed(o, 'registerGcSafepoint') === 1 && completed(o, 'createDatabases') === 0,
    outcome: 'done',
  },
  {
    name: 'enter import mode start',
    hold: rpcLatency('SwitchMode'),
    reached: (o) => inFlight(o, 'enterImportMode'),
    outcome: 'done',
  },
  {
    name: 'enter import mode end (before any table exists)',
    hold: sqlDelay(/CREATE TABLE/i),
    reached: (o) => completed(o, 'enterImportMode') === 1 && completed(o, 'createTables') === 0,
    outcome: 'done',
  },
  {
    name: 'create tables start',
    hold: sqlDelay(/CREATE TABLE/i),
    reached: (o) => inFlight(o, 'createTables'),
    outcome: 'done',
  },
  {
    name: 'create tables end (every table created, ingest under way)',
    hold: rpcLatency('Download'),
    reached: (o, run) => completed(o, 'createTables') === run.plan.tables.length && completedBatches(o).length < run.plan.batches.length - 1,
    outcome: 'done',
  },
  {
    name: 'split/scatter start (first batch)',
    hold: rpcLatency('SplitRegion'),
    reached: (o) => inFlight(o, 'splitAndScatter', batchIs(0)),
    outcome: 'done',
  },
  {
    name: 'split/scatter end (first batch ingest started, nothing heartbeated yet)',
    // A range long enough to be seen before it finishes: the data worker's heartbeats reach the server within
    // a second (DATA_WORKER_TUNING), so with HOLD_MS the first range's `next` would show almost at once; 3 s leaves
    // a loaded machine's history polls (one BatchDownload per peer carries the whole range) time to see it.
    hold: rpcLatency('Download', 3000),
    // The first batch to ingest, whichever it is: batches start as their own group's tables exist
    // (brflow-own-group-batches), and groups are created side by side, so it need not be batch 0.
    reached: (o) => completed(o, 'splitAndScatter') === 1 && inFlight(o, 'ingestBatch') && heartbeatNext(o) === 0,
    outcome: 'done',
  },
  {
    name: 'first batch mid-way (a range done and heartbeated, the batch not done)',
    hold: rpcLatency('Download'),
    reached: (o) => inFlight(o, 'ingestBatch', batchIs(0)) && heartbeatNext(o) >= 1,
    outcome: 'done',
    async verify(run, atKill, after, ingests) {
      // The retry resumed after the ranges the last heartbeat recorded, and did not ingest them again.
      const next = heartbeatNext(atKill);
      const batch0 = recordsOf(after, 'ingestBatch').find((a) => batchIs(0)(a.input) && a.state === 'completed');
      // (≥: a later attempt, after a heartbeat timeout on a busy machine, may resume further on.)
      expect((batch0?.result as { resumedFrom: number } | undefined)?.resumedFrom).toBeGreaterThanOrEqual(next);
      for (const f of batchFiles(run.plan, 0, 0, next)) expect([f, ingests.after[f]]).toEqual([f, ingests.atKill[f]]);
    },
  },
  {
    name: 'first batch end (its completion recorded)',
    hold: rpcLatency('Download'),
    reached: (o) => completedBatches(o).length === 1,
    outcome: 'done',
  },
  {
    name: 'last batch in flight',
    hold: holdWhen((o, run) => completedBatches(o).includes(lastBatch(run) - 2), rpcLatency('Download')),
    reached: (o, run) => inFlight(o, 'ingestBatch', batchIs(lastBatch(run))),
    outcome: 'done',
  },
  {
    name: 'checksum start',
    hold: rpcLatency('Coprocessor', 300),
    reached: (o) => inFlight(o, 'checksumGroup'),
    outcome: 'done',
  },
  {
    name: 'checksum end (first table verified, the other still ingesting)',
    hold: rpcLatency('Download'),
    reached: (o, run) => completed(o, 'checksumGroup') === 1 && completedBatches(o).length < run.plan.batches.length,
    outcome: 'done',
  },
  {
    name: 'keeper tick renewing mid-ingest',
    hold: (run) => {
      rpcLatency('Download')(run);
      rpcLatency('UpdateServiceGCSafePoint', 300)(run);
    },
    // Two ticks renewed already and a third is in flight: the keeper runs as ticks (brflow-keeper-ticks).
    reached: (o) => completedBatches(o).length >= 1 && completed(o, 'keeper') >= 2 && inFlight(o, 'keeper', (i) => (i as { once?: boolean }).once === true),
    outcome: 'done',
    // Long enough after the restart that the tick's retry (one heartbeat timeout) runs before the end, with
    // ticks after it: a range is one BatchDownload per peer now and little ingest may be left, so the
    // checksums at the end are slowed too.
    slowFinish: (run) => {
      rpcLatency('Download', 1000)(run);
      rpcLatency('Coprocessor', 2500)(run);
    },
    async verify(_run, atKill, after) {
      // The tick lost with the worker was retried on the new one and completed (never cancelled: the
      // workflow waits for a tick in flight before it undoes anything), and the ticks went on after it.
      const open = recordsOf(atKill, 'keeper').filter((a) => a.state === 'open').map((a) => a.scheduledEventId);
      expect(open).toHaveLength(1);
      const k = recordsOf(after, 'keeper').find((a) => a.scheduledEventId === open[0]);
      expect(k?.state).toBe('completed');
      expect(k?.closedAttempt).toBeGreaterThanOrEqual(2);
      expect(recordsOf(after, 'keeper').filter((a) => a.scheduledEventId > open[0]! && a.state === 'completed').length).toBeGreaterThanOrEqual(1);
      expect(recordsOf(after, 'keeper').every((a) => a.state === 'completed')).toBe(true);
    },
  },
  {
    name: 'finalize: normal-mode undo in flight after success',
    hold: holdWhen((o) => completed(o, 'checksumGroup') >= 1, rpcLatency('SwitchMode')),
    reached: (o) => o.phase === 'finalize' && inFlight(o, 'restoreNormalMode'),
    outcome: 'done',
  },
  {
    name: 'compensation after a permanent failure (normal-mode undo in flight)',
    setup(run) {
      // TiDB refuses to create the last table of the plan, for good, after the first table's batches had
      // their chance to run. (An existing table of another layout would now be caught by the pre-check,
      // before import mode, leaving no normal-mode undo to crash in.)
      const victim = run.plan.tables[run.plan.tables.length - 1]!;
      run.c.sim.tidbFront!.faults.add({ match: new RegExp(`^\\s*CREATE TABLE (IF NOT EXISTS )?\`${victim.name}\``, 'i'), error: { errno: 1105, message: `CREATE TABLE ${victim.name} refused by the simulated TiDB` }, times: 1_000_000 });
      return Promise.resolve();
    },
    hold: rpcLatency('SwitchMode'),
    reached: (o) => o.phase === 'compensating' && inFlight(o, 'restoreNormalMode'),
    outcome: [ErrorType.ClusterRejected],
  },
];

const RESULT_TIMEOUT_MS = 90_000;

/**
 * Points run two at a time: most of a point is spent waiting for a deadline to expire, and two keep the
 * whole file near 2 minutes without starving a shared 2-core machine (jest's own limit, maxConcurrency, is
 * a global setting).
 */
const PARALLEL = 2;
const slots = limiter(PARALLEL);

test.concurrent.each(POINTS.map((p) => [p.name, p] as const))(
  'SIGKILL at %s: a new worker finishes, nothing completed is redone, the cluster is handed back',
  (_name, point) => slots(() => killAt(point)),
  // Waiting for a slot counts against a concurrent test's timeout.
  300_000,
);

async function killAt(point: KillPoint): Promise<void> {
  const c = await startSimCluster();
  const taskQueue = `kill-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const req = request();
  const plan = planRestore(manifest, planOptions({ ...req, caseSensitive: false, ...CURRENT_PLAN_FEATURES }));
  const run: Run = { c, plan, held: new Set() };
  let finisher: Awaited<ReturnType<typeof startRestoreWorkers>> | undefined;
  let deps: Awaited<ReturnType<typeof connectClusterDeps>> | undefined;
  let worker: CrashWorker | undefined;
  let handle: WorkflowHandle<typeof restoreWorkflow> | undefined;
  try {
    await point.setup?.(run);
    worker = await pool.start({ temporalAddress: testTemporalAddress(), taskQueue, target: c.target, bundlePath });
    point.hold(run, undefined);
    handle = await client.workflow.start(restoreWorkflow, {
      taskQueue,
      workflowId: `kill-${taskQueue}`,
      args: [req],
      // A workflow task lost with the dead worker is retried after this.
      workflowTaskTimeout: '3s',
    });

    // ---- run to the point, then SIGKILL -------------------------------------------------------------
    for (const end = Date.now() + 60_000; ; ) {
      const o = await observeRestore(handle);
      if (point.reached(o, run)) break;
      if (o.closed) throw new Error(`the restore closed before reaching "${point.name}"`);
      if (Date.now() > end) throw new Error(`"${point.name}" not reached in 60 s; last activities: ${JSON.stringify(o.activities.slice(-3))}`);
      point.hold(run, o);
      await new Promise((r) => setTimeout(r, 100));
    }
    await worker.kill();
    const atKill = await observeRestore(handle);
    // Where the crash landed: the point, not a step later.
    expect([point.name, point.reached(atKill, run)]).toEqual([point.name, true]);
    const ingestsAtKill = { ...c.sim.inspector.snapshot().counters.ingestsByName };

    // ---- a new worker, no faults ---------------------------------------------------------------------
    c.sim.faults.clear();
    c.sim.tidbFront!.faults.clear();
    point.slowFinish?.(run);
    deps = await connectClusterDeps(c.target);
    finisher = await startRestoreWorkers({ connection: native, taskQueue, deps: deps.deps, bundle });
    const outcome = await withTimeout(
      handle.result().then((r: RestoreResult) => ({ ok: r }), (e: unknown) => ({ err: e })),
      RESULT_TIMEOUT_MS,
      `no result ${RESULT_TIMEOUT_MS} ms after the kill`,
    );
    const after = await observeRestore(handle);

    // ---- the outcome ----------------------------------------------------------------------------------
    const summary = recordsOf(after, 'planRestore').find((a) => a.state === 'completed')?.result as PlanSummary | undefined;
    // The test's plan is the one the workers restored (same backup, same options).
    expect(summary?.planRef.hash).toBe(plan.hash);
    expect(after.phase).toBe(point.outcome === 'done' ? 'done' : 'failed');
    if (point.outcome === 'done') {
      if ('err' in outcome) throw outcome.err;
      expect(outcome.ok.files).toBe(plan.summary.files);
      expect(outcome.ok.checksum).toEqual({ enabled: true, passed: plan.tables.length });
      // Every batch completed exactly once over the whole restore.
      expect(completedBatches(after)).toEqual(plan.batches.map((b) => b.index));
      // The data, checked from the simulator's regions, not through brflow's checksum.
      const tables = restoredTables(plan);
      expect(await restoredChecksums(c, tables)).toEqual(recordedChecksums(tables));
    } else {
      expect('err' in outcome && outcome.err).toBeInstanceOf(WorkflowFailedError);
      const root = ('err' in outcome ? (outcome.err as WorkflowFailedError).cause?.cause : undefined) as ApplicationFailure | undefined;
      expect(root).toBeInstanceOf(ApplicationFailure);
      expect(point.outcome).toContain(root!.type);
    }

    // ---- nothing completed was redone ----------------------------------------------------------------
    const ingestsAfter = c.sim.inspector.snapshot().counters.ingestsByName;
    for (const b of completedBatches(atKill)) {
      for (const f of batchFiles(plan, b)) expect([b, f, ingestsAfter[f] ?? 0]).toEqual([b, f, ingestsAtKill[f] ?? 0]);
    }
    await point.verify?.(run, atKill, after, { atKill: ingestsAtKill, after: ingestsAfter });

    // ---- the cluster is handed back --------------------------------------------------------------------
    expect(clusterNormality(c.sim)).toEqual(expectedNormality(c));
  } finally {
    // A failed point must not leave its restore running into the next one's time.
    await worker?.kill();
    if (handle && (await handle.describe().catch(() => undefined))?.status.name === 'RUNNING') await handle.terminate('crash test over').catch(() => undefined);
    await finisher?.stop();
    await deps?.close();
    await c.sim.stop();
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs at most `n` of the given tasks at once, in call order. */
function limiter(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const queue: (() => void)[] = [];
  return async (task) => {
    // A finishing task hands its slot straight to the next waiter, so a late caller cannot slip in between.
    if (running < n) running++;
    else await new Promise<void>((r) => queue.push(r));
    try {
      return await task();
    } finally {
      const next = queue.shift();
      if (next) next();
      else running--;
    }
  };
}

/** The backup's tables the plan restores, with the checksums backupmeta records. */
function restoredTables(plan: RestorePlan): ManifestTable[] {
  return plan.tables.map((pt) => manifest.tables.find((t) => t.db === pt.db && t.name === pt.name)!);
}

