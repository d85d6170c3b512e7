import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { NativeConnection, WorkflowBundle } from '@temporalio/worker';
import { ErrorType } from '../../../src/plan/error-types';
import { pauseUpdate, progressQuery, resumeUpdate, setConcurrencyUpdate, setRateLimitUpdate } from '../../../src/workflows/messages';
import { workflowHistorySource } from '../../../src/worker/workflow-history';
import { restoreWorkflow } from '../../../src/workflows/restore';
import { testTemporalAddress } from '../../support/env';
import { recordHistory as recordRunHistory } from '../../support/record-history';
import { generateManifest } from '../../support/worker-backup';
import { FakeCluster, initialFakeState, type FakeFault } from '../../support/worker-fake-cluster';
import { bundleRestoreWorkflows, connectWorkerConnection, startRestoreWorkers, type RunningWorkers } from '../../support/worker-harness';

/** Merge thresholds of 1 keep one range per generated file, so batch sizes are counted in files. */
const NO_MERGE = { mergeRegionSizeBytes: 1, mergeRegionKeyCount: 1 };
const FAST_TIMINGS = { keeperIntervalMs: 200, gcTtlSec: 5, pauseTtlSec: 5, heartbeatTimeoutMs: 2000, compensationMaxIntervalMs: 500 };

let bundle: WorkflowBundle;
let nativeConnection: NativeConnection;
let connection: Connection;
let client: Client;
const dir = mkdtempSync(join(tmpdir(), 'brflow-wf-'));
let seq = 0;

beforeAll(async () => {
  const address = testTemporalAddress();
  [bundle, nativeConnection, connection] = await Promise.all([
    bundleRestoreWorkflows(),
    connectWorkerConnection(address),
    Connection.connect({ address }),
  ]);
  client = new Client({ connection });
});

afterAll(async () => {
  await nativeConnection?.close();
  await connection?.close();
});

async function setup(opts: { faults?: FakeFault[]; importDelayMs?: number; tablesPerDb?: number; filesPerTable?: number; slowSteps?: Record<string, number> } = {}) {
  const id = `${Date.now()}-${++seq}`;
  const manifest = generateManifest({ dbs: 2, tablesPerDb: opts.tablesPerDb ?? 2, filesPerTable: opts.filesPerTable ?? 3 });
  const state = initialFakeState(manifest);
  state.faults = opts.faults ?? [];
  state.importDelayMs = opts.importDelayMs ?? 0;
  if (opts.slowSteps) state.slowSteps = opts.slowSteps;
  const cluster = FakeCluster.create(join(dir, `cluster-${id}.json`), state);
  const taskQueue = `restore-${id}`;
  // With a Temporal client, as `brflow worker` has: the restore takes its cluster's lock.
  const workers: RunningWorkers = await startRestoreWorkers({ connection: nativeConnection, taskQueue, deps: { ...cluster.deps(), history: workflowHistorySource(client) }, bundle });
  return { cluster, taskQueue, workers, workflowId: `restore-test-${id}` };
}

/** Bump when the workflow changes; older fixtures stay and must keep replaying (patched()). */
const HISTORY_VERSION = 'v12';

/** Keeps this run's history as a replay fixture with BRFLOW_RECORD_HISTORIES=1 (test/support/record-history.ts). */
function recordHistory(name: string, workflowId: string, runId?: string): Promise<void> {
  return recordRunHistory(client, `${HISTORY_VERSION}-${name}`, workflowId, runId);
}

/** The keeper activities of a run, from its history: whether each was a tick (`once`), and how it closed. */
function keeperActivities(events: temporal.api.history.v1.IHistoryEvent[]): { once: boolean; closed?: string }[] {
  const byId = new Map<string, { once: boolean; closed?: string }>();
  for (const e of events) {
    const sch = e.activityTaskScheduledEventAttributes;
    if (sch?.activityType?.name === 'keeper') {
      const input = JSON.parse(Buffer.from(sch.input!.payloads![0]!.data!).toString('utf8')) as { once?: boolean };
      byId.set(String(e.eventId), { once: input.once === true });
    }
    const closed: [string, { scheduledEventId?: unknown } | null | undefined][] = [
      ['completed', e.activityTaskCompletedEventAttributes],
      ['canceled', e.activityTaskCanceledEventAttributes],
      ['failed', e.activityTaskFailedEventAttributes],
      ['timedOut', e.activityTaskTimedOutEventAttributes],
    ];
    for (const [state, a] of closed) {
      const k = a ? byId.get(String(a.scheduledEventId)) : undefined;
      if (k) k.closed = state;
    }
  }
  return [...byId.values()];
}

/** Each scheduled activity by type, with the workflow task that scheduled it and the event that closed it. */
function activityEvents(events: temporal.api.history.v1.IHistoryEvent[]): Map<string, { scheduledBy: number; scheduled: number; closed?: number }[]> {
  const byType = new Map<string, { scheduledBy: number; scheduled: number; closed?: number }[]>();
  const byId = new Map<number, { scheduledBy: number; scheduled: number; closed?: number }>();
  for (const e of events) {
    const sch = e.activityTaskScheduledEventAttributes;
    if (sch) {
      const a = { scheduledBy: Number(sch.workflowTaskCompletedEventId), scheduled: Number(e.eventId) };
      byId.set(a.scheduled, a);
      const list = byType.get(sch.activityType!.name!) ?? [];
      list.push(a);
      byType.set(sch.activityType!.name!, list);
    }
    const closed = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskCanceledEventAttributes ?? e.activityTaskTimedOutEventAttributes;
    const a = closed ? byId.get(Number(closed.scheduledEventId)) : undefined;
    if (a) a.closed = Number(e.eventId);
  }
  return byType;
}

/** The workflow task that scheduled each of `types` (its only activity of that type). */
function schedulingTasks(acts: Map<string, { scheduledBy: number }[]>, types: string[]): number[] {
  return types.map((t) => {
    const list = acts.get(t) ?? [];
    if (list.length !== 1) throw new Error(`expected one ${t} activity, found ${list.length}`);
    return list[0]!.scheduledBy;
  });
}

function expectNormal(cluster: FakeCluster): void {
  expect(cluster.normality()).toEqual({ importStores: [], pausedSchedulers: [], overrides: [], configChanged: [], brflowSafepoints: [], speedLimit: 0 });
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('restores every table and file once, checksums match, and the cluster ends normal', async () => {
  const { cluster, taskQueue, workers, workflowId } = await setup();
  try {
    const input = { storage: 'local:///backups/full', batchFiles: 4, tableGroupSize: 2, rateLimitBytesPerSec: 1048576, timings: FAST_TIMINGS, ...NO_MERGE };
    const handle = await client.workflow.start(restoreWorkflow, { taskQueue, workflowId, args: [input] });
    const result = await handle.result();
    expect(result).toMatchObject({ databases: 2, tables: 4, files: 12, checksum: { enabled: true, passed: 4 }, runs: 1 });
    const s = cluster.read();
    expect(Object.keys(s.ingests)).toHaveLength(12);
    expect(Object.values(s.ingests).every((f) => f.count === 1)).toBe(true);
    expect(Object.keys(s.tables).sort()).toEqual(['db0.t0', 'db0.t1', 'db1.t0', 'db1.t1']);
    // A full restore moves the TSO to the backup's end version (BR ResetTS).
    expect(s.resetTs).toBe('900');
    expectNormal(cluster);
    const p = await handle.query(progressQuery);
    expect(p).toMatchObject({ phase: 'done', tables: { created: 4, total: 4 }, files: { ingested: 12, total: 12 }, batches: { done: 4, total: 4 } });
    const desc = await handle.describe();
    expect(desc.searchAttributes.BrRestorePhase).toEqual(['done']);
    expect(desc.searchAttributes.BrRestoreProgress).toEqual([100]);
    const memo = desc.memo as { plan?: { tables?: number } };
    expect(memo.plan?.tables).toBe(4);
    // The keeper ran as ticks (brflow-keeper-ticks): short renewals, each completed, none cancelled; and no
    // renewal follows the undo: the cluster stays normal after the end (the dev server fires timers about a
    // second late, so a run this short may see only its first tick).
    const keeperRuns = keeperActivities((await handle.fetchHistory()).events ?? []);
    expect(keeperRuns.length).toBeGreaterThanOrEqual(1);
    expect(keeperRuns.every((k) => k.once && k.closed === 'completed')).toBe(true);
    await new Promise((r) => setTimeout(r, 1000));
    expectNormal(cluster);
    // Side by side (brflow-setup-side-by-side, brflow-undo-side-by-side): the restore TS, the databases and the
    // scheduler snapshot are scheduled by one workflow task; so is every undo of the hand-back.
    const acts = activityEvents((await handle.fetchHistory()).events ?? []);
    expect(new Set(schedulingTasks(acts, ['getRestoreTs', 'createDatabases', 'planSchedules'])).size).toBe(1);
    expect(new Set(schedulingTasks(acts, ['restoreNormalMode', 'restoreSchedules', 'removeGcSafepoint', 'clearRateLimit'])).size).toBe(1);
    await recordHistory('success', workflowId);
  } finally {
    await workers.stop();
  }
});

test('rejects a bad input with every problem at once and touches nothing', async () => {
  const { cluster, taskQueue, workers, workflowId } = await setup();
  try {
    const err = await client.workflow
      .execute(restoreWorkflow, { taskQueue, workflowId, args: [{ storage: 's3://b/p?access-key=AKIA&secret-access-key=x', concurrency: 0, filters: ['db.%x'], bogus: 1 }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause.type).toBe(ErrorType.InvalidInput);
    const problems = cause.details?.[0] as string[];
    expect(problems.map((p) => p.split(':')[0])).toEqual(['bogus', 'storage', 'filters', 'concurrency']);
    // The secret is never echoed back into history.
    expect(cause.message).not.toContain('AKIA');
    expect(cluster.read().safepoints).toEqual({});
  } finally {
    await workers.stop();
  }
});

test('a target cluster older than the backup is refused before anything changes', async () => {
  const { cluster, taskQueue, workers, workflowId } = await setup();
  try {
    cluster.update((s) => {
      s.storeVersion = '7.1.2';
    });
    const err = await client.workflow.execute(restoreWorkflow, { taskQueue, workflowId, args: [{ storage: 'local:///b', timings: FAST_TIMINGS }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const root = ((err as WorkflowFailedError).cause as ActivityFailure).cause as ApplicationFailure;
    expect(root.type).toBe(ErrorType.ClusterRejected);
    expect(root.message).toMatch(/v8 cluster .* v7\.1\.2/);
    expect(cluster.read().safepoints).toEqual({});
    expect(cluster.read().tables).toEqual({});
    expectNormal(cluster);
  } finally {
    await workers.stop();
  }
});

test('a permanent ingest failure compensates: import mode, schedulers, config, safepoint and rate limit are undone', async () => {
  const { cluster, taskQueue, workers, workflowId } = await setup({ faults: [{ op: 'importFile', match: '_1_write', kind: 'permanent' }] });
  try {
    const err = await client.workflow
      .execute(restoreWorkflow, { taskQueue, workflowId, args: [{ storage: 'local:///b', rateLimitBytesPerSec: 1000, timings: FAST_TIMINGS, ...NO_MERGE }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const af = (err as WorkflowFailedError).cause;
    expect(af).toBeInstanceOf(ActivityFailure);
    expect((af as ActivityFailure).cause).toBeInstanceOf(ApplicationFailure);
    expect(((af as ActivityFailure).cause as ApplicationFailure).type).toBe(ErrorType.SstCorrupt);
    expectNormal(cluster);
    const desc = await client.workflow.getHandle(workflowId).describe();
    expect(desc.searchAttributes.BrRestorePhase).toEqual(['failed']);
    await recordHistory('ingest-failure-compensated', workflowId);
  } finally {
    await workers.stop();
  }
});

test('a setup step that fails beside one still running: the undo waits for it, and the cluster ends normal', async () => {
  // CREATE DATABASE is refused for good while import mode is still being entered (TiKV refuses twice first).
  const { cluster, taskQueue, workers, workflowId } = await setup({
    faults: [
      { op: 'createDatabase', kind: 'permanent' },
      { op: 'switchMode', match: 'import', kind: 'transient', times: 2 },
    ],
  });
  try {
    const err = await client.workflow.execute(restoreWorkflow, { taskQueue, workflowId, args: [{ storage: 'local:///b', timings: FAST_TIMINGS, ...NO_MERGE }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(((err as WorkflowFailedError).cause as ActivityFailure).activityType).toBe('createDatabases');
    const acts = activityEvents((await client.workflow.getHandle(workflowId).fetchHistory()).events ?? []);
    const databases = acts.get('createDatabases')![0]!;
    const importMode = acts.get('enterImportMode')![0]!;
    const normalMode = acts.get('restoreNormalMode')![0]!;
    // The databases failed while import mode was still being entered; normal mode was asked for only after that
    // step ended (an undo racing its step could leave TiKV in import mode).
    expect(databases.closed!).toBeLessThan(importMode.closed!);
    expect(normalMode.scheduled).toBeGreaterThan(importMode.closed!);
    expectNormal(cluster);
    expect(cluster.read().tables).toEqual({});
  } finally {
    await workers.stop();
  }
});

test('a transient failure at a step is retried and the restore completes (table groups created in parallel, out of order)', async () => {
  const { cluster, taskQueue, workers, workflowId } = await setup({ faults: [{ op: 'createTable', match: 't0', kind: 'transient', times: 2 }] });
  try {
    // One table per group, three groups in flight: db0.t0's group retries while later groups finish first.
    const result = await client.workflow.execute(restoreWorkflow, { taskQueue, workflowId, args: [{ storage: 'local:///b', tableGroupSize: 1, ddlConcurrency: 3, timings: FAST_TIMINGS, ...NO_MERGE }] });
    expect(result.tables).toBe(4);
    expect(result.checksum.passed).toBe(4);
    // A batch needs only its own group's tables (brflow-own-group-batches): later groups' batches were ingested
    // while group 0 (db0.t0) was still being retried.
    const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    const group0Created = events.find((e) => {
      const c = e.activityTaskCompletedEventAttributes;
      const sch = c && events.find((x) => String(x.eventId) === String(c.scheduledEventId))?.activityTaskScheduledEventAttributes;
      return sch?.activityType?.name === 'createTables' && (JSON.parse(Buffer.from(sch.input!.payloads![0]!.data!).toString('utf8')) as { group: number }).group === 0;
    });
    const firstIngest = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'ingestBatch');
    expect(Number(firstIngest?.eventId)).toBeLessThan(Number(group0Created?.eventId));
    // A group is checksummed once its own batches are done (brflow-own-group-checksums): a later group's checksum
    // was scheduled before group 0's tables even existed.
    const firstChecksum = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'checksumGroup');
    expect(Number(firstChecksum?.eventId)).toBeLessThan(Number(group0Created?.eventId));
    expect(cluster.read().faults).toEqual([]);
    expect(Object.values(cluster.read().ingests).every((f) => f.count === 1)).toBe(true);
    expectNormal(cluster);
  } finally {
    await workers.stop();
  }
});

test('a checksum mismatch fails the restore and still hands the cluster back', async () => {
  const { cluster, taskQueue, workers, workflowId } = await setup();
  try {
    cluster.update((s) => {
      s.manifest.tables[1]!.crc64xor = '12345';
    });
    const err = await client.workflow
      .execute(restoreWorkflow, { taskQueue, workflowId, args: [{ storage: 'local:///b', timings: FAST_TIMINGS, ...NO_MERGE }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe(ErrorType.ChecksumMismatch);
    expect(cause.message).toContain('db0.t1');
    expectNormal(cluster);
  } finally {
    await workers.stop();
  }
});

test('cancel during ingest waits for the in-flight batch, compensates and ends Cancelled', async () => {
  const { cluster, taskQueue, workers, workflowId } = await setup({ importDelayMs: 300, filesPerTable: 4 });
  try {
    const handle = await client.workflow.start(restoreWorkflow, { taskQueue, workflowId, args: [{ storage: 'local:///b', batchFiles: 2, concurrency: 2, timings: FAST_TIMINGS, ...NO_MERGE }] });
    await waitFor('a batch to finish', async () => ((await handle.query(progressQuery)).batches.done >= 1 ? true : undefined));
    // While ingesting, the cluster is in restore mode (the thing compensation must undo).
    expect(cluster.normality().importStores).toEqual(['1', '2', '3']);
    expect(cluster.normality().pausedSchedulers.length).toBeGreaterThan(0);
    await handle.cancel();
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expectNormal(cluster);
    // Not every file was ingested: the restore really stopped.
    expect(Object.keys(cluster.read().ingests).length).toBeLessThan(16);
    expect((await handle.query(progressQuery)).phase).toBe('cancelled');
    await recordHistory('cancel-during-ingest', workflowId);
  } finally {
    await workers.stop();
  }
});

test('cancel while a setup step is still changing the cluster: the undo waits for the step, and the cluster ends normal', async () => {
  // The scheduler pauses take 1.5 s to land: the cancel comes while PD is being changed.
  const { cluster, taskQueue, workers, workflowId } = await setup({ slowSteps: { applySchedules: 1500 } });
  try {
    const handle = await client.workflow.start(restoreWorkflow, { taskQueue, workflowId, args: [{ storage: 'local:///b', timings: FAST_TIMINGS, ...NO_MERGE }] });
    await waitFor('the pauses to be under way', async () => (cluster.read().stepLog?.includes('applySchedules:start') ? true : undefined));
    await handle.cancel();
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    // The pauses had landed before the restore ended (under the SDK's default cancel they landed after it, and
    // stayed until their TTL), and the schedules were restored only after that.
    expect(cluster.read().stepLog).toEqual(['applySchedules:start', 'applySchedules:end']);
    const acts = activityEvents((await handle.fetchHistory()).events ?? []);
    const apply = acts.get('applySchedules')![0]!;
    expect(acts.get('restoreSchedules')![0]!.scheduled).toBeGreaterThan(apply.closed!);
    // The branch stopped there: import mode was never asked for.
    expect(acts.get('enterImportMode')).toBeUndefined();
    expectNormal(cluster);
    expect((await handle.query(progressQuery)).phase).toBe('cancelled');
    await recordHistory('cancel-during-setup', workflowId);
  } finally {
    await workers.stop();
  }
});

test('pause hands the cluster back, resume re-applies it, and the restore completes', async () => {
  const { cluster, taskQueue, workers, workflowId } = await setup({ importDelayMs: 150, filesPerTable: 4 });
  try {
    const handle = await client.workflow.start(restoreWorkflow, { taskQueue, workflowId, args: [{ storage: 'local:///b', batchFiles: 2, concurrency: 1, timings: FAST_TIMINGS, ...NO_MERGE }] });
    await waitFor('a batch to finish', async () => ((await handle.query(progressQuery)).batches.done >= 1 ? true : undefined));
    const paused = await handle.executeUpdate(pauseUpdate);
    expect(paused.paused).toBe(true);
    expect(paused.phase).toBe('paused');
    const n = cluster.normality();
    // Handed back; only the GC safepoint stays (the restore still needs its snapshot).
    expect({ ...n, brflowSafepoints: n.brflowSafepoints.length }).toEqual({ importStores: [], pausedSchedulers: [], overrides: [], configChanged: [], brflowSafepoints: 1, speedLimit: 0 });
    // Nothing is ingested while paused.
    const before = Object.keys(cluster.read().ingests).length;
    await new Promise((r) => setTimeout(r, 1000));
    expect(Object.keys(cluster.read().ingests).length).toBe(before);
    // The keeper went on renewing the safepoint through the pause, and never import mode or the pauses.
    const m = cluster.normality();
    expect({ ...m, brflowSafepoints: m.brflowSafepoints.length }).toEqual({ importStores: [], pausedSchedulers: [], overrides: [], configChanged: [], brflowSafepoints: 1, speedLimit: 0 });
    expect(before).toBeLessThan(16);
    await expect(handle.executeUpdate(pauseUpdate)).rejects.toMatchObject({ cause: { message: expect.stringMatching(/already paused/) } });
    const resumed = await handle.executeUpdate(resumeUpdate);
    expect(resumed.paused).toBe(false);
    expect(cluster.normality().importStores).toEqual(['1', '2', '3']);
    expect(await handle.executeUpdate(setConcurrencyUpdate, { args: [4] })).toBe(4);
    // A rate limit set mid-restore reaches every store and is cleared when the restore ends.
    expect(await handle.executeUpdate(setRateLimitUpdate, { args: [2048] })).toBe(2048);
    expect(cluster.read().speedLimit).toBe(2048);
    expect((await handle.query(progressQuery)).rateLimitBytesPerSec).toBe(2048);
    await expect(handle.executeUpdate(setRateLimitUpdate, { args: [-1] })).rejects.toMatchObject({ cause: { message: expect.stringMatching(/rate limit must be/) } });
    await expect(handle.executeUpdate(setConcurrencyUpdate, { args: [0] })).rejects.toMatchObject({ cause: { message: expect.stringMatching(/concurrency must be/) } });
    const result = await handle.result();
    expect(result.files).toBe(16);
    expect(Object.values(cluster.read().ingests).every((f) => f.count === 1)).toBe(true);
    expectNormal(cluster);
    await recordHistory('pause-resume', workflowId);
  } finally {
    await workers.stop();
  }
});

test('pauses and import mode the cluster drops mid-restore are applied again within seconds, not a keeper interval later', async () => {
  // 16 files at 0.8 s each, one at a time: ~13 s of ingest, far inside the 60 s keeper interval.
  const { cluster, taskQueue, workers, workflowId } = await setup({ importDelayMs: 800, filesPerTable: 4 });
  try {
    const timings = { ...FAST_TIMINGS, keeperIntervalMs: 60_000, gcTtlSec: 300, pauseTtlSec: 300 };
    const handle = await client.workflow.start(restoreWorkflow, { taskQueue, workflowId, args: [{ storage: 'local:///b', batchFiles: 2, concurrency: 1, timings, ...NO_MERGE }] });
    const paused = await waitFor('import mode and the pauses', async () => {
      const n = cluster.normality();
      return n.importStores.length === 3 && n.pausedSchedulers.length > 0 ? n.pausedSchedulers : undefined;
    });
    // What a PD leader change (PD keeps pauses in its leader's memory) and a restarted TiKV store do.
    const dropped = Date.now();
    cluster.update((s) => {
      for (const n of paused) s.schedulers[n]!.pausedUntilMs = 0;
      s.stores.find((x) => x.id === '2')!.mode = 'normal';
    });
    await waitFor('the pauses and import mode applied again', async () => {
      const n = cluster.normality();
      return n.importStores.length === 3 && n.pausedSchedulers.length === paused.length ? true : undefined;
    });
    // Within the least gap between renewals (5 s) and a poll or two (2 s each); a bare timer waited 60 s.
    expect(Date.now() - dropped).toBeLessThan(12_000);
    const progress = await handle.query(progressQuery);
    expect(progress.batches.done).toBeLessThan(progress.batches.total);
    // `brflow status` reads it from the progress query.
    await waitFor('the progress query to count it', async () => ((await handle.query(progressQuery)).holdsReapplied?.count === 1 ? true : undefined), 5000);
    expect((await handle.query(progressQuery)).holdsReapplied?.lost).toEqual(expect.arrayContaining(['store 2 is in normal mode']));
    const result = await handle.result();
    expect(result.files).toBe(16);
    expectNormal(cluster);
    // The history shows the watch that saw it, and the renewal it brought forward.
    const events = (await handle.fetchHistory()).events ?? [];
    const watches = activityEvents(events).get('watchHolds') ?? [];
    const lost = events.flatMap((e) => {
      const done = e.activityTaskCompletedEventAttributes;
      if (!done || !watches.some((w) => w.scheduled === Number(done.scheduledEventId))) return [];
      return (JSON.parse(Buffer.from(done.result!.payloads![0]!.data!).toString('utf8')) as { lost: string[] }).lost;
    });
    expect(lost).toEqual(expect.arrayContaining([...paused.map((n) => `scheduler ${n} is not paused`), 'store 2 is in normal mode']));
    // One renewal at the start, one brought forward: the 60 s interval never came round.
    expect(keeperActivities(events).filter((k) => k.once)).toHaveLength(2);
    await recordHistory('hold-watch', workflowId);
  } finally {
    await workers.stop();
  }
});

test('a keeper whose renewals outlast its interval still stops when the restore fails, and the cluster is handed back', async () => {
  // Each renewal's import mode takes 0.8 s, longer than the 0.3 s interval, so the next renewal is due as one ends:
  // a wait that was skipped there once left the loop nothing to cancel, and the stop (and the undo) waited forever.
  const { cluster, taskQueue, workers, workflowId } = await setup({ slowSteps: { 'switchMode:import': 800 }, importDelayMs: 300, faults: [{ op: 'importFile', match: '_1_write', kind: 'permanent' }] });
  try {
    const err = await client.workflow
      .execute(restoreWorkflow, { taskQueue, workflowId, args: [{ storage: 'local:///b', concurrency: 1, timings: FAST_TIMINGS, ...NO_MERGE }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((((err as WorkflowFailedError).cause as ActivityFailure).cause as ApplicationFailure).type).toBe(ErrorType.SstCorrupt);
    expectNormal(cluster);
    // Renewed more than once while it ran, and none left open.
    const ticks = keeperActivities((await client.workflow.getHandle(workflowId).fetchHistory()).events ?? []);
    expect(ticks.length).toBeGreaterThan(1);
    expect(ticks.every((k) => k.closed === 'completed')).toBe(true);
  } finally {
    await workers.stop();
  }
}, 60_000);

test('a keeper whose interval is longer than its heartbeat timeout stays alive and stops when asked', async () => {
  const { cluster, taskQueue, workers, workflowId } = await setup({ importDelayMs: 400 });
  try {
    const timings = { ...FAST_TIMINGS, keeperIntervalMs: 4000, heartbeatTimeoutMs: 1000, gcTtlSec: 13, pauseTtlSec: 13 };
    const result = await client.workflow.execute(restoreWorkflow, { taskQueue, workflowId, args: [{ storage: 'local:///b', concurrency: 1, timings, ...NO_MERGE }] });
    expect(result.files).toBe(12);
    expectNormal(cluster);
  } finally {
    await workers.stop();
  }
});

test('continues as new every maxBatchesPerRun batches and finishes with nothing redone', async () => {
  const { cluster, taskQueue, workers, workflowId } = await setup({ filesPerTable: 4 });
  try {
    const handle = await client.workflow.start(restoreWorkflow, { taskQueue, workflowId, args: [{ storage: 'local:///b', batchFiles: 2, maxBatchesPerRun: 3, timings: FAST_TIMINGS, ...NO_MERGE }] });
    const result = await handle.result();
    // 8 batches, 3 per run → 3 runs.
    expect(result.runs).toBe(3);
    await recordHistory('continue-as-new-first-run', workflowId, handle.firstExecutionRunId);
    await recordHistory('continue-as-new-last-run', workflowId);
    expect(result.files).toBe(16);
    expect(result.checksum.passed).toBe(4);
    expect(Object.values(cluster.read().ingests).every((f) => f.count === 1)).toBe(true);
    expectNormal(cluster);
  } finally {
    await workers.stop();
  }
});
