import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, TerminatedFailure } from '@temporalio/common';
import { createActivities, type RestoreActivities } from '../../../src/activities';
import { PlanCache } from '../../../src/activities/plan-cache';
import { TidbClient } from '../../../src/cluster/tidb';
import { encodeMvccWrite } from '../../../src/backup/mvcc-write';
import { openStorage } from '../../../src/backup/open-storage';
import { readManifest } from '../../../src/backup/read-manifest';
import { ErrorType } from '../../../src/plan/error-types';
import { appendTs, concatBytes, encodeBytes, recordKey } from '../../../src/plan/keys';
import { restoreWorkflow } from '../../../src/workflows/restore';
import type { PlanRef } from '../../../src/workflows/types';
import { connectClusterDeps } from '../../../src/worker/cluster-deps';
import { workflowHistorySource } from '../../../src/worker/workflow-history';
import { activityRecords, completedBatches } from '../../support/crash-history';
import { recordHistory } from '../../support/record-history';
import { FAST_TIMINGS, openRestoreEnv, type RestoreEnvWithBackup } from '../../support/restore-env';
import { clusterNormality, expectedNormality, recordedChecksums, restoredChecksums, type SimCluster } from '../../support/sim-cluster';

/**
 * Issue #11, resume: a restore that failed mid-ingest, failed one table's checksum, was cancelled or was
 * terminated, then resumed by a new restore with `resumeFrom`: every table ends with the backup's checksum,
 * and no batch the first run recorded done is ingested again (the simulator counts every SST ingest by name).
 */
const FAST = { ...FAST_TIMINGS, heartbeatTimeoutMs: 2000, compensationMaxIntervalMs: 300 };

let env: RestoreEnvWithBackup;

beforeAll(async () => {
  env = await openRestoreEnv({ prefix: 'resume', backup: { seed: 5, tables: 8, rows: 30, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false } });
});

afterAll(() => env?.close());

/** Small batches, two tables a group (a group's checksum can then pass for one table and fail for the other). */
const baseInput = (): Record<string, unknown> => ({
  storage: `local://${env.dir}`,
  batchFiles: 2,
  mergeRegionSizeBytes: 1,
  mergeRegionKeyCount: 1,
  concurrency: 2,
  tableGroupSize: 2,
  timings: FAST,
});

const ingestCounts = (c: SimCluster): Record<string, number> => ({ ...c.sim.state.counters().ingestsByName });

async function waitFor(what: string, ok: () => Promise<boolean> | boolean, ms = 60_000): Promise<void> {
  for (const end = Date.now() + ms; !(await ok()); ) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function doneBatchesOf(handle: WorkflowHandle): Promise<number[]> {
  return completedBatches({ activities: await chainRecords(handle) });
}

/** Activity records of every run of a restore's continue-as-new chain, first run first. */
async function chainRecords(handle: WorkflowHandle): Promise<ReturnType<typeof activityRecords>> {
  const out: ReturnType<typeof activityRecords> = [];
  let runId: string | undefined = (handle as WorkflowHandle & { firstExecutionRunId?: string }).firstExecutionRunId;
  if (!runId) return activityRecords((await handle.fetchHistory()).events ?? []);
  while (runId) {
    const history: Awaited<ReturnType<WorkflowHandle['fetchHistory']>> = await env.client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
    const events = history.events ?? [];
    out.push(...activityRecords(events));
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return out;
}

interface Breaking {
  /** Task queue of the first run (default: the resumed run's): workers of an earlier brflow, say. */
  firstQueue?: string;
  /** Input fields of the first run only (retry budgets: they do not change the plan). */
  firstInput?: Record<string, unknown>;
  /** Arms faults before the first run starts. */
  before?(c: SimCluster): void;
  /** Ends the first run (once it has batches done); returns how it ended. */
  end(c: SimCluster, h: WorkflowHandle): Promise<unknown>;
  /** What the operator fixes before resuming. */
  fix?(c: SimCluster): void;
}

/**
 * Runs a restore, breaks it as `b` says, resumes it, and checks: the resumed restore completes, every table
 * checksums as the backup, and the SSTs of batches done in the first run were ingested exactly as often as
 * when the first run ended (never again). Returns both handles for case-specific checks.
 */
async function breakThenResume(c: SimCluster, taskQueue: string, b: Breaking): Promise<{ first: WorkflowHandle; second: WorkflowHandle; ended: unknown }> {
  c.sim.faults.addLatency({ rpc: 'Download', ms: 150 });
  b.before?.(c);
  const first = await env.client.workflow.start(restoreWorkflow, { taskQueue: b.firstQueue ?? taskQueue, workflowId: `resume-a-${taskQueue}`, args: [{ ...baseInput(), ...b.firstInput }] });
  await waitFor('two batches done', async () => (await doneBatchesOf(first)).length >= 2);
  const ended = await b.end(c, first);
  // Nothing of the first run may still be ingesting (a terminated run's activity stops at its next heartbeat).
  await new Promise((r) => setTimeout(r, 2 * FAST.heartbeatTimeoutMs));
  const records = await chainRecords(first);
  const done = completedBatches({ activities: records });
  const planRef = (records.find((a) => a.type === 'planRestore' && a.state === 'completed')!.result as { planRef: PlanRef }).planRef;
  const atEnd = ingestCounts(c);
  b.fix?.(c);
  c.sim.faults.clear();

  const second = await env.client.workflow.start(restoreWorkflow, { taskQueue, workflowId: `resume-b-${taskQueue}`, args: [{ ...baseInput(), resumeFrom: first.workflowId }] });
  const result = await second.result();
  const tables = env.manifest.tables;
  expect(result.tables).toBe(tables.length);
  expect(await restoredChecksums(c, tables)).toEqual(recordedChecksums(tables));

  // The first run's done batches: ingested before it ended, never since; the resumed run never scheduled them.
  const { plan } = await new PlanCache({ readManifest: (url) => readManifest(openStorage(url)) }).load(planRef);
  const filesOf = (bn: number): string[] => plan.ranges.slice(plan.batches[bn]!.rangeStart, plan.batches[bn]!.rangeEnd).flatMap((r) => r.files.map((f) => f.name));
  const final = ingestCounts(c);
  expect(done.length).toBeGreaterThanOrEqual(2);
  for (const bn of done) {
    for (const f of filesOf(bn)) {
      if ((atEnd[f] ?? 0) === 0) continue; // an empty file (no KVs in the region) is never ingested
      expect([bn, f, final[f]]).toEqual([bn, f, atEnd[f]]);
    }
  }
  expect(done.flatMap(filesOf).some((f) => (atEnd[f] ?? 0) > 0)).toBe(true);
  const resumedBatches = await doneBatchesOf(second);
  expect(resumedBatches.filter((bn) => done.includes(bn))).toEqual([]);
  expect([...done, ...resumedBatches].sort((x, y) => x - y)).toEqual(plan.batches.map((_, i) => i));
  return { first, second, ended };
}

test('failed mid-ingest (the stores refuse ingest past the retry budget), then resumed', async () => {
  await env.withCluster(async (c, taskQueue) => {
    const { ended } = await breakThenResume(c, taskQueue, {
      // One activity attempt per batch: the batch fails once BR's inner import retries (16) are spent.
      firstInput: { timings: { ...FAST, retries: { importSst: { maximumAttempts: 1 } } } },
      async end(cl, h) {
        // Every store answers UNAVAILABLE to ingest, as a store that went down does, for longer than the budget.
        for (const rpc of ['Ingest', 'MultiIngest']) cl.sim.faults.injectUnavailable({ rpc, count: 1_000_000 });
        return h.result().catch((e: unknown) => e);
      },
    });
    expect(ended).toBeInstanceOf(WorkflowFailedError);
    expect(((ended as WorkflowFailedError).cause?.cause as ApplicationFailure).type).toBe(ErrorType.ClusterUnavailable);
    expect(clusterNormality(c.sim)).toEqual(expectedNormality(c));
  });
}, 240_000);

test('cancelled mid-ingest after continuing as new twice, then resumed: the done batches of every run are skipped', async () => {
  await env.withCluster(async (c, taskQueue) => {
    const { first } = await breakThenResume(c, taskQueue, {
      firstInput: { maxBatchesPerRun: 2 },
      async end(_cl, h) {
        await waitFor('a third run', async () => (await h.describe()).runId !== (h as WorkflowHandle & { firstExecutionRunId: string }).firstExecutionRunId && (await doneBatchesOf(h)).length >= 5);
        await h.cancel();
        return h.result().catch((e: unknown) => e);
      },
    });
    expect((await first.describe()).runId).not.toBe((first as WorkflowHandle & { firstExecutionRunId: string }).firstExecutionRunId);
    expect(clusterNormality(c.sim)).toEqual(expectedNormality(c));
  });
}, 240_000);

test('cancelled mid-ingest, then resumed', async () => {
  await env.withCluster(async (c, taskQueue) => {
    const { ended } = await breakThenResume(c, taskQueue, {
      async end(_cl, h) {
        await h.cancel();
        return h.result().catch((e: unknown) => e);
      },
    });
    expect((ended as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect(clusterNormality(c.sim)).toEqual(expectedNormality(c));
  });
});

test('restored by an earlier brflow (its plan made without autoIdsInCreate), cancelled, then resumed by this one: planned as then, same hash', async () => {
  await env.withCluster(async (c, taskQueue) => {
    const cd = await connectClusterDeps(c.target);
    try {
      const current = createActivities({ ...cd.deps, history: workflowHistorySource(env.client) });
      // What an earlier brflow's workflow asked of planning: the same input without the newest feature.
      const older: RestoreActivities = {
        ...current,
        planRestore: (input) => {
          const { autoIdsInCreate: _newer, ...asThen } = input;
          return current.planRestore(asThen);
        },
      };
      await env.withWorkers({ activities: older }, async (olderQueue) => {
        const { first, second } = await breakThenResume(c, taskQueue, {
          firstQueue: olderQueue,
          async end(_cl, h) {
            await h.cancel();
            return h.result().catch((e: unknown) => e);
          },
        });
        const planRefOf = async (h: WorkflowHandle): Promise<PlanRef> => ((await chainRecords(h)).find((a) => a.type === 'planRestore' && a.state === 'completed')!.result as { planRef: PlanRef }).planRef;
        const [earlier, resumed] = [await planRefOf(first), await planRefOf(second)];
        expect(earlier.autoIdsInCreate).toBeUndefined();
        expect(resumed.autoIdsInCreate).toBeUndefined();
        expect(resumed.schemaObjects).toBe(true);
        expect(resumed.hash).toBe(earlier.hash);
        expect(clusterNormality(c.sim)).toEqual(expectedNormality(c));
        // The resumed run took the brflow-resume-plan-features path: kept as a replay fixture.
        await recordHistory(env.client, 'v9-resume-after-upgrade', second.workflowId);
      });
    } finally {
      await cd.close();
    }
  });
}, 240_000);

test('terminated mid-ingest, then resumed', async () => {
  await env.withCluster(async (c, taskQueue) => {
    const { ended } = await breakThenResume(c, taskQueue, {
      async end(_cl, h) {
        await h.terminate('operator stopped it');
        return h.result().catch((e: unknown) => e);
      },
    });
    expect((ended as WorkflowFailedError).cause).toBeInstanceOf(TerminatedFailure);
    // The resumed restore hands everything back; only the terminated run's own safepoint waits for its TTL (or the janitor).
    const n = clusterNormality(c.sim);
    expect({ ...n, brflowSafepoints: [] }).toEqual(expectedNormality(c));
  });
});

test('failed on one table’s checksum, then resumed after the stray row was removed: only that table is checksummed again', async () => {
  await env.withCluster(async (c, taskQueue) => {
    let planted: Promise<() => void> | undefined;
    let fix: (() => void) | undefined;
    const { first, second } = await breakThenResume(c, taskQueue, {
      // Planted as soon as the table exists: before its group is checksummed.
      before: (cl) => {
        planted = plantForeignRow(cl, 'shop', 'documents');
      },
      async end(_cl, h) {
        fix = await planted!;
        return h.result().catch((e: unknown) => e);
      },
      fix: () => fix!(),
    });
    const failure = (await first.result().catch((e: unknown) => e)) as WorkflowFailedError;
    expect((failure.cause as ApplicationFailure).type).toBe(ErrorType.ChecksumMismatch);
    const firstChecks = activityRecords((await first.fetchHistory()).events ?? []).filter((a) => a.type === 'checksumGroup' && a.state === 'completed');
    const failedGroup = firstChecks.find((a) => ((a.result as { mismatches: unknown[] }).mismatches.length > 0))!;
    const g = (failedGroup.input as { group: number }).group;
    const secondChecks = activityRecords((await second.fetchHistory()).events ?? []).filter((a) => a.type === 'checksumGroup').map((a) => a.input as { group: number; only?: string[] });
    // Groups that passed before are not checksummed again; the failed group only for its mismatching table.
    expect(Math.min(...secondChecks.map((i) => i.group))).toBe(g);
    expect(secondChecks.find((i) => i.group === g)!.only).toEqual(['shop.documents']);
    expect(secondChecks.filter((i) => i.only !== undefined)).toHaveLength(1);
    expect(clusterNormality(c.sim)).toEqual(expectedNormality(c));
  });
});

test('resumeFrom another plan (other filters) is refused, typed, before the cluster is touched', async () => {
  await env.withCluster(async (c, taskQueue) => {
    const first = await env.client.workflow.start(restoreWorkflow, { taskQueue, workflowId: `resume-x-${taskQueue}`, args: [{ ...baseInput(), filters: ['shop.documents'] }] });
    await waitFor('one batch done', async () => (await doneBatchesOf(first)).length >= 1);
    await first.cancel();
    await first.result().catch(() => undefined);
    const err = await env.client.workflow
      .execute(restoreWorkflow, { taskQueue, workflowId: `resume-y-${taskQueue}`, args: [{ ...baseInput(), resumeFrom: first.workflowId }] })
      .catch((e: unknown) => e);
    const f = (err as WorkflowFailedError).cause as ApplicationFailure;
    expect(f.type).toBe(ErrorType.ResumeRefused);
    expect(f.message).toMatch(/plan: restore ".*" restored plan \w+, this input plans \w+/);
    const running = await env.client.workflow
      .execute(restoreWorkflow, { taskQueue, workflowId: `resume-z-${taskQueue}`, args: [{ ...baseInput(), resumeFrom: 'no-such-restore' }] })
      .catch((e: unknown) => e);
    expect(((running as WorkflowFailedError).cause as ApplicationFailure).message).toMatch(/no restore with workflow ID "no-such-restore"/);
    expect(clusterNormality(c.sim)).toEqual(expectedNormality(c));
  });
});

test('a table the earlier restore created was dropped since: the resume refuses it (its ingested data is gone), typed', async () => {
  await env.withCluster(async (c, taskQueue) => {
    c.sim.faults.addLatency({ rpc: 'Download', ms: 150 });
    const first = await env.client.workflow.start(restoreWorkflow, { taskQueue, workflowId: `resume-d-${taskQueue}`, args: [baseInput()] });
    await waitFor('two batches done and shop.documents created', async () => (await doneBatchesOf(first)).length >= 2 && c.sim.tidbFront!.catalog.tables('shop').some((t) => t.name.L === 'documents'));
    await first.cancel();
    await first.result().catch(() => undefined);
    const tidb = new TidbClient(c.target.tidb);
    try {
      await tidb.executeStatements(undefined, ['DROP TABLE `shop`.`documents`']);
    } finally {
      await tidb.close();
    }
    const err = await env.client.workflow
      .execute(restoreWorkflow, { taskQueue, workflowId: `resume-e-${taskQueue}`, args: [{ ...baseInput(), resumeFrom: first.workflowId }] })
      .catch((e: unknown) => e);
    const f = rootCause(err as WorkflowFailedError);
    expect(f.type).toBe(ErrorType.ResumeRefused);
    expect(f.message).toMatch(/table IDs .* created them as .*dropped and re-created since/);
    expect(clusterNormality(c.sim)).toEqual(expectedNormality(c));
  });
});

function rootCause(e: WorkflowFailedError): ApplicationFailure {
  let f: unknown = e.cause;
  while (f && !(f instanceof ApplicationFailure)) f = (f as { cause?: unknown }).cause;
  return f as ApplicationFailure;
}

/**
 * Once `db.table` exists, writes one committed row the backup does not have into its key range on every
 * store (a stray writer); returns the fix: a delete of that row committed after it.
 */
async function plantForeignRow(c: SimCluster, db: string, table: string): Promise<() => void> {
  let id: number | undefined;
  await waitFor(`${db}.${table} created`, () => {
    id = c.sim.tidbFront!.catalog.tables(db).find((t) => t.name.L === table)?.id;
    return id !== undefined;
  });
  const ts = BigInt(env.backup.endVersion);
  const key = (at: bigint): Uint8Array => concatBytes(new Uint8Array([0x7a]), appendTs(encodeBytes(recordKey(id!, (1n << 62n) + 7n)), at));
  const put = encodeMvccWrite({ type: 'put', startTs: ts - 1n, shortValue: new Uint8Array([0x80, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0x2a]) });
  for (const s of c.sim.state.stores()) c.sim.state.dataOf(s.id).put('write', key(ts), put);
  return () => {
    const del = encodeMvccWrite({ type: 'delete', startTs: ts });
    for (const s of c.sim.state.stores()) c.sim.state.dataOf(s.id).put('write', key(ts + 1n), del);
  };
}
