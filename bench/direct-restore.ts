import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createActivities, type RestoreActivities } from '../src/activities';
import { holdWatch } from '../src/plan/hold-watch';
import { CHECKSUM_GROUPS_AT_ONCE, PipelineScheduler } from '../src/plan/pipeline-state';
import { connectClusterDeps, type ClusterTarget } from '../src/worker/cluster-deps';
import { normalizeRestoreRequest } from '../src/workflows/normalize-request';
import { allEnded } from '../src/workflows/side-by-side';
import { CURRENT_PLAN_FEATURES } from '../src/workflows/plan-features';
import type { KeeperSpec, PlanSummary, RestoreRequest } from '../src/workflows/types';
import type { RestorePhases } from './restore-phases';

/**
 * The restore's activity work without Temporal: the production activity factory (`createActivities` over
 * `connectClusterDeps`, what a worker builds for a cluster) called directly in this process, in the order
 * and with the concurrency `restoreWorkflow` uses. It is the "B" of the overhead benchmark: what the same
 * work costs when nothing is durable, so A/B is what the workflow adds (history round trips, task polling,
 * payload conversion, the cluster lock). Each activity runs in the SDK's MockActivityEnvironment, which gives
 * it the activity Context (heartbeats go nowhere, cancellation is a call), so the activities run unchanged.
 *
 * What is left out, because it exists only with Temporal: the cluster lock (a workflow), search-attribute and
 * memo upserts, continue-as-new. Everything that touches the cluster is here.
 */
export interface DirectRestoreResult {
  tables: number;
  files: number;
  bytes: number;
  batches: number;
  checksumPassed: number;
  /** The plan's content hash: equal to the workflow's (its memo `plan.hash`) when both planned the same. */
  planHash: string;
  /** Where the wall time went, marked as the workflow's history marks it (bench/restore-phases.ts). */
  phases: RestorePhases;
}

/** One activity invocation in an activity Context of its own; `cancel` stops it as a workflow's cancel would. */
interface Running<R> {
  done: Promise<R>;
  cancel(): void;
}

// Quiet like the bench worker (logLevel 'error'): activity warnings would otherwise go to stderr.
const LOGGER = new DefaultLogger('ERROR');

export async function directRestore(rawInput: { storage: string } & Record<string, unknown>, target: ClusterTarget): Promise<DirectRestoreResult> {
  const normalized = normalizeRestoreRequest(rawInput);
  if ('problems' in normalized) throw new Error(`invalid restore input: ${normalized.problems.join('; ')}`);
  const req: RestoreRequest = normalized.value;
  const t0 = performance.now();
  // The worker connects to a cluster an input names on that restore's first activity: so does this.
  const cluster = await connectClusterDeps(target);
  const acts: RestoreActivities = createActivities(cluster.deps);
  const start = <K extends keyof RestoreActivities>(name: K, ...args: Parameters<RestoreActivities[K]>): Running<Awaited<ReturnType<RestoreActivities[K]>>> => {
    const env = new MockActivityEnvironment({ activityType: name, heartbeatTimeoutMs: req.timings.heartbeatTimeoutMs }, { logger: LOGGER });
    const fn = acts[name] as (...a: unknown[]) => Promise<Awaited<ReturnType<RestoreActivities[K]>>>;
    return { done: env.run(fn, ...args), cancel: () => env.cancel() };
  };
  const call = <K extends keyof RestoreActivities>(name: K, ...args: Parameters<RestoreActivities[K]>): Promise<Awaited<ReturnType<RestoreActivities[K]>>> => start(name, ...args).done;

  let keeper: Running<unknown>[] = [];
  // The keeper renews, and between renewals watches the holds as the workflow's ticks do (keeper-control.ts).
  const startKeeper = (spec: KeeperSpec): void => {
    const now = Date.now();
    const w = holdWatch(spec, { renewedAtMs: now, dueAtMs: now + spec.intervalMs, nowMs: now });
    keeper = [start('keeper', spec), ...(w ? [start('watchHolds', w)] : [])];
    for (const k of keeper) k.done.catch(() => undefined);
  };
  const stopKeeper = async (): Promise<void> => {
    const ks = keeper;
    keeper = [];
    for (const k of ks) k.cancel();
    await Promise.all(ks.map((k) => k.done.catch(() => undefined)));
  };
  // Undo records in the order the workflow pushes them; run in reverse at the end, as its saga does.
  const undo: (() => Promise<void>)[] = [];
  try {
    // ---- setup: as restoreWorkflow's setup() for a fresh, offline, full (not incremental) restore.
    const s: PlanSummary = await call('planRestore', {
      storage: req.storage, filters: req.filters, caseSensitive: req.caseSensitive, batchFiles: req.batchFiles,
      mergeRegionSizeBytes: req.mergeRegionSizeBytes, mergeRegionKeyCount: req.mergeRegionKeyCount, tableGroupSize: req.tableGroupSize,
      ...CURRENT_PLAN_FEATURES,
    });
    await call('preCheck', { backupClusterVersion: s.backup.clusterVersion, planRef: s.planRef });
    // Side by side as the workflow's prepareSideBySide (restore-setup.ts): restore TS → safepoint and reset TS;
    // DDL jobs → databases; scheduler snapshot → pauses → import mode. The keeper starts once they all ended.
    let safepoint: { serviceId: string; safePoint: string } | undefined;
    let snapshot: Awaited<ReturnType<RestoreActivities['planSchedules']>> | undefined;
    const clock = async (): Promise<void> => {
      const restoreTs = await call('getRestoreTs');
      const sp = { serviceId: `brflow-${randomUUID()}`, safePoint: (BigInt(restoreTs) - 1n).toString() };
      safepoint = sp;
      const register = async (): Promise<void> => {
        undo.push(() => call('removeGcSafepoint', { serviceId: sp.serviceId }));
        await call('registerGcSafepoint', { ...sp, ttlSec: req.timings.gcTtlSec });
      };
      await allEnded([register(), s.backup.incremental ? undefined : call('resetTs', { ts: s.backup.endVersion })]);
    };
    const schema = async (): Promise<void> => {
      if (s.ddlJobs > 0) await call('execDdlJobs', { planRef: s.planRef });
      await call('createDatabases', { planRef: s.planRef });
    };
    const cluster = async (): Promise<void> => {
      const snap = await call('planSchedules', { ttlSec: req.timings.pauseTtlSec });
      snapshot = snap;
      undo.push(() => call('restoreSchedules', snap));
      await call('applySchedules', snap);
      undo.push(() => call('restoreNormalMode'));
      await call('enterImportMode');
    };
    await allEnded([clock(), schema(), cluster()]);
    startKeeper({ safepoint: { ...safepoint!, ttlSec: req.timings.gcTtlSec }, schedules: snapshot, importMode: true, intervalMs: req.timings.keeperIntervalMs });

    // ---- the create / split+ingest / checksum pipeline, decided by the workflow's PipelineScheduler.
    const tPipeline = performance.now();
    const r = await pipeline(s, req, call);
    const tFinish = performance.now();
    if (s.systemTables > 0) await call('restoreSystemTables', { planRef: s.planRef });
    await handBack();
    const phases = { setupMs: tPipeline - t0, pipelineMs: tFinish - tPipeline, finishMs: performance.now() - tFinish };
    return { tables: s.tables, batches: s.batches, planHash: s.planRef.hash, ...r, phases };
  } finally {
    await handBack();
    await cluster.close();
  }

  // ---- hand back: keeper stopped first, then every undo side by side (the saga's sideBySide); once.
  async function handBack(): Promise<void> {
    await stopKeeper();
    const due = undo.splice(0);
    await allEnded(due.map((u) => u()));
  }
}

type Call = <K extends keyof RestoreActivities>(name: K, ...args: Parameters<RestoreActivities[K]>) => Promise<Awaited<ReturnType<RestoreActivities[K]>>>;

/**
 * The pipeline's decisions are PipelineScheduler's (src/plan/pipeline-state.ts), built as a new restore's
 * workflow builds it (restore-pipeline.ts: every patch taken, so `ddlConcurrency` groups created at once and a
 * batch ready once its own group exists); this only carries them out, in the workflow's order (creations, then
 * batches, then a checksum), so any change to the workflow's scheduling applies here too. Nothing here continues
 * as new or pauses: one run takes every batch.
 */
function pipeline(s: PlanSummary, req: RestoreRequest, call: Call): Promise<{ files: number; bytes: number; checksumPassed: number }> {
  const plan = new PipelineScheduler(s, { groupsCreated: 0, groupsChecksummed: 0, doneLow: 0, doneAbove: new Set<number>() }, {
    checksum: req.checksum,
    ddlFanOut: req.ddlConcurrency,
    readiness: 'own-group',
    checksumOrder: 'own-group',
    checksumFanOut: CHECKSUM_GROUPS_AT_ONCE,
    maxBatchesPerRun: Number.POSITIVE_INFINITY,
    continueSuggested: () => false,
  });
  return new Promise((resolve, reject) => {
    let files = 0;
    let bytes = 0;
    let checksumPassed = 0;
    let failed = false;
    const fail = (e: unknown): void => {
      if (failed) return;
      failed = true;
      reject(e instanceof Error ? e : new Error(String(e)));
    };
    // Each step's bookkeeping ends as the workflow's does (the scheduler's `...Ended` in a finally), then the
    // next decisions are taken, as the workflow's condition() wakes on every state change.
    const step = (work: Promise<void>, ended: () => void): void => {
      work.finally(ended).then(pump, fail);
    };
    const createGroup = (group: number): Promise<void> =>
      call('createTables', { planRef: s.planRef, group, recordIds: true }).then(() => plan.created(group));
    const ingestBatch = async (b: number): Promise<void> => {
      await call('splitAndScatter', { planRef: s.planRef, batchNo: b });
      const r = await call('ingestBatch', { planRef: s.planRef, batchNo: b, newTs: '0', rangesInFlight: req.rangesInFlight });
      files += r.files;
      bytes += r.bytes;
      plan.batchDone(b);
    };
    const checksumGroup = (group: number): Promise<void> =>
      call('checksumGroup', { planRef: s.planRef, group }).then((r) => {
        if (r.mismatches.length > 0) throw new Error(`checksum mismatch in group ${group}: ${r.mismatches.map((m) => m.table).join(', ')}`);
        checksumPassed += r.passed;
        plan.checksummed(group);
      });
    function pump(): void {
      if (failed) return;
      if (plan.allDone()) {
        resolve({ files, bytes, checksumPassed });
        return;
      }
      while (plan.canCreate()) {
        const group = plan.startCreate();
        step(createGroup(group), () => plan.createEnded(group));
      }
      while (plan.canIngest(false, req.concurrency)) {
        const b = plan.nextBatch();
        plan.startBatch(b);
        step(ingestBatch(b), () => plan.batchEnded(b));
      }
      while (plan.canChecksum()) {
        const group = plan.startChecksum();
        step(checksumGroup(group), () => plan.checksumEnded(group));
      }
    }
    pump();
  });
}
