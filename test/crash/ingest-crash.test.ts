import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { defaultPayloadConverter, type ActivityFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { eventMs } from '../../bench/activity-spans';
import type { IngestHeartbeat } from '../../src/activities/ingest';
import { restoreWorkflow } from '../../src/workflows/restore';
import { testTemporalAddress } from '../support/env';
import { generateManifest } from '../support/worker-backup';
import { FakeCluster, initialFakeState, type FakeClusterState } from '../support/worker-fake-cluster';
import { bundleRestoreWorkflows, connectWorkerConnection, startRestoreWorkers } from '../support/worker-harness';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

function decode(p: { data?: Uint8Array | null } | undefined | null): unknown {
  return p?.data ? JSON.parse(Buffer.from(p.data).toString('utf8')) : undefined;
}

/** ingestBatch attempts that completed, by batch number, with when (ms since the epoch), read from the workflow's history. */
function completedIngests(events: HistoryEvent[]): { batchNo: number; atMs: number; result: { files: number; resumedFrom: number } }[] {
  const scheduled = new Map<string, number>();
  const out: { batchNo: number; atMs: number; result: { files: number; resumedFrom: number } }[] = [];
  for (const e of events) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s && s.activityType?.name === 'ingestBatch') scheduled.set(String(e.eventId), (decode(s.input?.payloads?.[0]) as { batchNo: number }).batchNo);
    const c = e.activityTaskCompletedEventAttributes;
    if (c) {
      const batchNo = scheduled.get(String(c.scheduledEventId));
      if (batchNo !== undefined) {
        const atMs = Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
        out.push({ batchNo, atMs, result: decode(c.result?.payloads?.[0]) as { files: number; resumedFrom: number } });
      }
    }
  }
  return out;
}

/** A fake cluster, a Temporal client, and a restore worker in its own process serving a fresh task queue. */
interface CrashRig {
  cluster: FakeCluster;
  client: Client;
  taskQueue: string;
  /** SIGKILLs the worker process; resolves once it is gone, with when the signal went out (ms since the epoch). */
  killWorker(): Promise<number>;
  /** In-process workers on the same queue, over the same cluster: the replacement that finishes the restore. */
  startReplacement(): ReturnType<typeof startRestoreWorkers>;
  /** Kills the worker process if still alive and closes both connections. */
  close(): Promise<void>;
}

/**
 * Starts a crash test's pieces over `state`: the cluster file in a fresh folder, the workflow bundle written
 * once for the child (bundling in it would cost seconds), the child worker ready before this resolves.
 */
async function startCrashRig(name: string, state: FakeClusterState): Promise<CrashRig> {
  const address = testTemporalAddress();
  const dir = mkdtempSync(join(tmpdir(), `brflow-${name}-`));
  const bundle = await bundleRestoreWorkflows();
  const bundlePath = join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  const cluster = FakeCluster.create(join(dir, 'cluster.json'), state);
  const taskQueue = `${name}-${Date.now()}`;
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const native = await connectWorkerConnection(address);
  let child: ChildProcess | undefined;
  const close = async (): Promise<void> => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await native.close();
    await connection.close();
  };
  try {
    const worker = fork(join(__dirname, '../support/worker-process.ts'), [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, BRFLOW_TEST_TASK_QUEUE: taskQueue, BRFLOW_TEST_CLUSTER_FILE: cluster.file, BRFLOW_TEST_BUNDLE: bundlePath },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    child = worker;
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('exit', (code) => reject(new Error(`worker exited early with ${code}`)));
    });
    return {
      cluster, client, taskQueue, close,
      killWorker: async () => {
        worker.kill('SIGKILL');
        const at = Date.now();
        await new Promise((r) => worker.once('exit', r));
        return at;
      },
      startReplacement: () => startRestoreWorkers({ connection: native, taskQueue, deps: cluster.deps(), bundle }),
    };
  } catch (e) {
    await close();
    throw e;
  }
}

/** The finished prefix (`next`) in the last heartbeat the server holds for the pending ingestBatch; 0 when none. */
async function recordedPrefix(handle: { describe(): Promise<{ raw: temporal.api.workflowservice.v1.IDescribeWorkflowExecutionResponse }> }): Promise<number> {
  const pending = (await handle.describe()).raw.pendingActivities?.find((a) => a.activityType?.name === 'ingestBatch');
  const payload = pending?.heartbeatDetails?.payloads?.[0];
  return payload ? (defaultPayloadConverter.fromPayload<IngestHeartbeat>(payload as never).next ?? 0) : 0;
}

test('a worker SIGKILLed mid-batch: a new worker finishes, no completed batch is redone, the cut batch resumes after its finished files within one heartbeat timeout', async () => {
  const state = initialFakeState(generateManifest({ dbs: 2, tablesPerDb: 2, filesPerTable: 8 }));
  state.importDelayMs = 200;
  const { cluster, client, taskQueue, killWorker, startReplacement, close } = await startCrashRig('crash', state);
  try {
    const handle = await client.workflow.start(restoreWorkflow, {
      taskQueue,
      workflowId: `crash-${taskQueue}`,
      // Ranges two at a time: a batch of four is cut between its pairs. The default heartbeat timeout (8 s):
      // the recovery bound below is the one a production restore gets.
      args: [{ storage: 'local:///b', batchFiles: 4, concurrency: 1, rangesInFlight: 2, timings: { keeperIntervalMs: 300, gcTtlSec: 30, pauseTtlSec: 30, compensationMaxIntervalMs: 500 }, mergeRegionSizeBytes: 1, mergeRegionKeyCount: 1 }],
    });

    // Kill once two batches completed and the third's heartbeat that it finished two files reached the server
    // (read back from the pending activity: the files being in the cluster is not enough, the beat that records
    // them leaves the worker a few ms later, and a kill in between rightly redoes them).
    let before: ReturnType<typeof completedIngests> = [];
    for (const end = Date.now() + 40000; ; ) {
      if (Date.now() > end) throw new Error('the workflow never reached the kill point');
      before = completedIngests((await handle.fetchHistory()).events ?? []);
      const ingestedFiles = Object.keys(cluster.read().ingests).length;
      if (before.length >= 2 && ingestedFiles >= before.length * 4 + 2 && (await recordedPrefix(handle)) >= 2) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const killedAtMs = await killWorker();
    const countsAtKill = Object.fromEntries(Object.entries(cluster.read().ingests).map(([k, v]) => [k, v.count]));
    expect(cluster.normality().importStores).toEqual(['1', '2', '3']);

    const workers = await startReplacement();
    try {
      const result = await handle.result();
      expect(result.files).toBe(32);
    } finally {
      await workers.stop();
    }

    const after = completedIngests((await handle.fetchHistory()).events ?? []);
    // Every batch completed exactly once over the whole restore.
    expect(after.map((c) => c.batchNo).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const s = cluster.read();
    const batchFiles = (b: number): string[] => Object.keys(s.ingests).sort((x, y) => fileOrder(x) - fileOrder(y)).slice(b * 4, b * 4 + 4);
    // Files of batches completed before the kill were ingested exactly once: not redone.
    for (const { batchNo } of before) for (const f of batchFiles(batchNo)) expect([f, s.ingests[f]!.count]).toEqual([f, 1]);
    // The batch cut by the kill resumed after the files its heartbeat recorded.
    const cut = after.find((c) => !before.some((b) => b.batchNo === c.batchNo) && c.result.resumedFrom > 0);
    expect(cut).toBeDefined();
    // Recovery in seconds: the server noticed the lost attempt within one heartbeat timeout (8 s, plus its ~1 s
    // timer slack) and the new worker finished the cut batch's last two ranges (~0.2 s each) right after.
    expect(cut!.atMs - killedAtMs).toBeLessThanOrEqual(11_000);
    // The workflow's own next task, left on the dead worker's sticky queue, moved to the shared queue after the
    // worker's 2 s sticky timeout (worker-tuning.ts; the SDK's default held a restore's workflow 10 s).
    const events = (await handle.fetchHistory()).events ?? [];
    const at = (id: unknown): number => eventMs(events.find((x) => String(x.eventId) === String(id))!);
    const stickyWaits = events
      .filter((e) => e.workflowTaskTimedOutEventAttributes?.timeoutType === temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START)
      .map((e) => at(e.eventId) - at(e.workflowTaskTimedOutEventAttributes!.scheduledEventId));
    expect(stickyWaits.length).toBeGreaterThan(0);
    for (const w of stickyWaits) expect(w).toBeLessThanOrEqual(3_000);
    for (const f of batchFiles(cut!.batchNo).slice(0, cut!.result.resumedFrom)) expect([f, s.ingests[f]!.count]).toEqual([f, countsAtKill[f]]);
    expect(Object.values(s.ingests).every((f) => f.count >= 1)).toBe(true);
    expect(cluster.normality()).toEqual({ importStores: [], pausedSchedulers: [], overrides: [], configChanged: [], brflowSafepoints: [], speedLimit: 0 });
  } finally {
    await close();
  }
});

test('a worker SIGKILLed in the middle of big ranges: the retry resumes inside each range in flight, so at most a file per range in flight is ingested twice', async () => {
  // Two tables of 8 contiguous small files: the planner merges each table into ONE range of 8 files, and the
  // one batch imports both ranges at once. A file takes 500 ms.
  const state = initialFakeState(generateManifest({ dbs: 1, tablesPerDb: 2, filesPerTable: 8 }));
  state.importDelayMs = 500;
  const { cluster, client, taskQueue, killWorker, startReplacement, close } = await startCrashRig('crash-ranges', state);
  try {
    const handle = await client.workflow.start(restoreWorkflow, {
      taskQueue,
      workflowId: `crash-ranges-${taskQueue}`,
      args: [{ storage: 'local:///b', batchFiles: 16, concurrency: 1, rangesInFlight: 2, timings: { keeperIntervalMs: 300, gcTtlSec: 30, pauseTtlSec: 30, compensationMaxIntervalMs: 500 } }],
    });
    // Kill once half the files are in: both ranges are about half done, none finished.
    for (const end = Date.now() + 40000; ; ) {
      if (Date.now() > end) throw new Error('the workflow never reached the kill point');
      if (Object.keys(cluster.read().ingests).length >= 8) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await killWorker();
    const atKill = Object.keys(cluster.read().ingests).length;
    expect(atKill).toBeLessThan(16);

    const workers = await startReplacement();
    try {
      expect((await handle.result()).files).toBe(16);
    } finally {
      await workers.stop();
    }
    const s = cluster.read();
    expect(Object.keys(s.ingests)).toHaveLength(16);
    const twice = Object.entries(s.ingests).filter(([, f]) => f.count > 1).map(([n]) => n);
    // Restarting the ranges would ingest all `atKill` files again (8 or more). Resuming inside them repeats per
    // range in flight (2) only what finished after the last heartbeat that reached the server: data heartbeats
    // are throttled to 20 ms and a file takes 500 ms, so the file finishing as the worker died, with one more
    // of slack for a loaded machine.
    expect(twice.length).toBeLessThanOrEqual(2 * 2);
    expect(twice.length).toBeLessThan(atKill);
    expect(cluster.normality()).toEqual({ importStores: [], pausedSchedulers: [], overrides: [], configChanged: [], brflowSafepoints: [], speedLimit: 0 });
  } finally {
    await close();
  }
});

/** Plan order of the generated files: table id, then file index (`1/<tableId>_<n>_write.sst`). */
function fileOrder(name: string): number {
  const m = /\/(\d+)_(\d+)_/.exec(name)!;
  return Number(m[1]) * 1000 + Number(m[2]);
}

test('a worker SIGKILLed during compensation: a new worker finishes the undo and the cluster ends normal', async () => {
  const state = initialFakeState(generateManifest({ dbs: 1, tablesPerDb: 2, filesPerTable: 2 }));
  // The restore fails for good on one file; restoring the schedules then fails (transiently) long enough to
  // catch compensation in the middle.
  state.faults = [
    { op: 'importFile', match: '_1_write', kind: 'permanent' },
    { op: 'restoreSchedules', kind: 'transient', times: 1000 },
  ];
  const { cluster, client, taskQueue, killWorker, startReplacement, close } = await startCrashRig('crash-comp', state);
  try {
    const handle = await client.workflow.start(restoreWorkflow, {
      taskQueue,
      workflowId: `crash-comp-${taskQueue}`,
      args: [{ storage: 'local:///b', concurrency: 1, mergeRegionSizeBytes: 1, mergeRegionKeyCount: 1, timings: { keeperIntervalMs: 300, gcTtlSec: 30, pauseTtlSec: 30, heartbeatTimeoutMs: 2000, compensationMaxIntervalMs: 300, controlCallTimeoutMs: 3000 } }],
    });
    // Compensation is under way once the schedules undo has been tried (and failed) a few times.
    for (const end = Date.now() + 30000; ; ) {
      if (Date.now() > end) throw new Error('compensation never started');
      const f = cluster.read().faults.find((x) => x.op === 'restoreSchedules');
      if (f && (f.times ?? 0) < 995) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await killWorker();
    // Still not normal: the schedules undo has not succeeded yet.
    expect(cluster.normality().pausedSchedulers.length).toBeGreaterThan(0);
    cluster.update((s) => {
      s.faults = s.faults.filter((x) => x.op !== 'restoreSchedules');
    });
    const workers = await startReplacement();
    try {
      const err = await handle.result().catch((e: unknown) => e);
      expect(((err as WorkflowFailedError).cause as ActivityFailure).cause?.message).toMatch(/injected permanent fault/);
    } finally {
      await workers.stop();
    }
    expect(cluster.normality()).toEqual({ importStores: [], pausedSchedulers: [], overrides: [], configChanged: [], brflowSafepoints: [], speedLimit: 0 });
    expect((await handle.describe()).searchAttributes.BrRestorePhase).toEqual(['failed']);
  } finally {
    await close();
  }
});
