import {
  ApplicationFailure,
  CancellationScope,
  TemporalFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  log,
  patched,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SkippedCounts } from '../plan/schema-objects';
import { ErrorType } from '../plan/error-types';
import { releaseCluster } from './cluster-handover';
import { ClusterLockClient } from './cluster-lock-client';
import { KeeperControl } from './keeper-control';
import { keeperSpecOf } from './keeper-spec';
import { normalizeRestoreRequest } from './normalize-request';
import { restoreActivities, type RestoreRun } from './restore-context';
import { runPipeline } from './restore-pipeline';
import { setupRestore } from './restore-setup';
import { registerRestoreControls } from './restore-controls';
import { continuationOf, initialRunState, progressMilestone, restoreProgress } from './restore-state';
import { Saga } from './saga';
import { undoStep } from './undo-step';
import { BrRestorePhase, BrRestoreProgress } from './search-attributes';
import { controlTaskQueueOf } from './task-queues';
import type { ClusterScope, PlanSummary, RestoreContinuation, RestorePhase, RestoreRequest } from './types';

export interface RestoreResult {
  restoreTs: string;
  databases: number;
  tables: number;
  files: number;
  bytes: number;
  checksum: { enabled: boolean; passed: number };
  runs: number;
  /** Tables created without the TiFlash replica the backup recorded: the target has too few TiFlash stores. */
  tiflashReplicasDropped: number;
  /** Objects the tables were restored without because the input skips their kind, per kind (absent when none). */
  skipped?: SkippedCounts;
  /** Views recreated (absent when the backup selection holds none). */
  views?: number;
  /** Sequences recreated (absent when none). */
  sequences?: number;
  /** Placement policies created from the backup (absent when none). */
  placementPolicies?: number;
}

/**
 * A TiDB BR snapshot restore (BR task.RunRestore) as a durable workflow. Phases: validate → plan (in an
 * activity; history keeps a reference and counts) → restore TS → GC safepoint → DDL jobs → databases →
 * import mode + scheduler pauses (not when online) → reset TS (not for incremental) → a pipeline in which
 * table groups are created, batches split/scattered and ingested as soon as their tables exist, and each
 * group checksummed once ingested → system tables → cluster handed back.
 *
 * Every change to the cluster is undone by the saga (undo records pushed before each step) on success,
 * failure and cancellation; a keeper renews what the restore holds while it runs (keeper-control.ts: short
 * renewals on a workflow timer, so handing the cluster back never waits on a heartbeat round trip). Long restores
 * continue as new every `maxBatchesPerRun` batches, carrying a small cursor. No run or execution timeout.
 *
 * The phases live beside it: restore-setup.ts (up to the pipeline), restore-pipeline.ts (carrying out the
 * decisions of src/plan/pipeline-state.ts), cluster-handover.ts (import mode in and out, pause/resume),
 * keeper-control.ts with keeper-spec.ts (what it renews), restore-controls.ts (the operator's query and updates),
 * cluster-lock-client.ts; this file wires them to the run's state and holds the run's ending.
 */
export async function restoreWorkflow(rawInput: unknown, cont?: RestoreContinuation): Promise<RestoreResult> {
  const normalized = normalizeRestoreRequest(rawInput);
  if ('problems' in normalized) {
    throw ApplicationFailure.create({
      message: `invalid restore input: ${normalized.problems.join('; ')}`,
      type: ErrorType.InvalidInput,
      nonRetryable: true,
      details: [normalized.problems],
    });
  }
  const req: RestoreRequest = normalized.value;
  const info = workflowInfo();
  // Runs from before it ask for the lock before planning and schedule every short step as an activity.
  const fastSetup = patched('brflow-fast-setup');
  // Runs of brflow-fast-setup alone ran the restore TS, reset TS and scheduler snapshot as local activities. New
  // runs schedule them as activities again: the SDK may hand a local activity's result to the workflow in another
  // activation on replay than it did live, and a patch checked right after one (the pipeline's, after reset TS)
  // then no longer matches its marker: a query on a finished restore failed so, and a worker taking over a
  // running restore would have too. An activity's completion is an event of its own, replayed where it happened.
  const localSteps = fastSetup && !patched('brflow-setup-steps-as-activities');
  const acts = restoreActivities(req, controlTaskQueueOf(info.taskQueue), localSteps);
  const target: ClusterScope = req.cluster ? { cluster: req.cluster } : {};

  const saga = new Saga(cont?.undo);
  const st = initialRunState(req, cont);
  // One restore per cluster: the lock this restore asked for or holds (a continued run holds it already).
  const lock = new ClusterLockClient(cont?.clusterLock, info.workflowId);

  const setPhase = (p: RestorePhase): void => {
    st.phase = p;
    upsertSearchAttributes([{ key: BrRestorePhase, value: p }]);
    log.info('restore phase', { phase: p });
  };
  const reportProgress = (): void => {
    const pct = progressMilestone(st.lastProgressPct, st.bytesIngested, st.summary?.bytes ?? 0);
    if (pct === undefined) return;
    st.lastProgressPct = pct;
    upsertSearchAttributes([{ key: BrRestoreProgress, value: pct }]);
  };

  let keeperError: unknown;
  const mainScope = new CancellationScope();
  const keeper = new KeeperControl(
    { keeper: acts.keeper, tick: acts.keeperTick, watch: acts.keeperWatch },
    () => keeperSpecOf(st, saga.snapshot(), req, target),
    (e) => {
      // The keeper failed for good (e.g. GC passed the restore TS): the restore cannot go on.
      keeperError = e;
      mainScope.cancel();
    },
    // For `brflow status`: a PD that keeps losing the pauses (leader changes) is worth an operator's look.
    (lost) => {
      st.holdsReapplied = { count: (st.holdsReapplied?.count ?? 0) + 1, lastAtMs: Date.now(), lost };
    },
  );

  const run: RestoreRun = {
    req,
    acts,
    target,
    st,
    saga,
    keeper,
    lock,
    // resumeFrom: the table IDs the earlier restore created, by group; createTables refuses tables re-created since.
    expectIds: new Map<number, string>(Object.entries(cont?.expectTableIds ?? {}).map(([g, ids]) => [Number(g), ids])),
    fastSetup,
    // The janitor undoes a terminated restore's records with the same step (src/workflows/janitor.ts).
    undo: undoStep(acts.undo, target),
    setPhase,
    reportProgress,
  };
  const progress = () => restoreProgress(st, req, Date.now(), lock.queuedBehind);
  registerRestoreControls(run, progress);

  // ---- run ----------------------------------------------------------------------------------------
  let outcome: 'done' | 'continue';
  try {
    outcome = await mainScope.run(async () => {
      let s: PlanSummary;
      if (cont) {
        s = cont.summary;
        keeper.start();
      } else {
        s = await setupRestore(run);
      }
      const o = await runPipeline(run, s);
      if (o === 'continue') return o;
      // Views read tables and other views, so they come once every table exists (the plan orders them among
      // themselves). Plans made before views were restored hold none, so earlier histories never reach the patch.
      if ((s.views ?? 0) > 0 && !req.noSchema && patched('brflow-views')) await acts.schema.createViews({ planRef: s.planRef, ...target });
      if (s.systemTables > 0) {
        setPhase('system-tables');
        await acts.schema.restoreSystemTables({ planRef: s.planRef, ...target });
      }
      return o;
    });
  } catch (err) {
    const cause = keeperError ?? err;
    const cancelled = keeperError === undefined && isCancellation(err);
    st.phase = 'compensating';
    upsertSearchAttributes([{ key: BrRestorePhase, value: 'compensating' }]);
    await releaseCluster(run);
    setPhase(cancelled ? 'cancelled' : 'failed');
    if (cancelled) throw err;
    if (cause instanceof TemporalFailure) throw cause;
    // A plain Error would fail only the workflow task and retry forever; close the run instead.
    throw ApplicationFailure.create({ message: cause instanceof Error ? cause.message : String(cause), type: ErrorType.Internal, nonRetryable: true });
  }

  const s = st.summary!;
  if (outcome === 'continue') {
    await keeper.stop();
    await condition(allHandlersFinished);
    const next = continuationOf(st, { undo: saga.snapshot(), clusterLock: lock.id, expectIds: run.expectIds });
    log.info('continuing as new', { doneLow: st.pipeline.doneLow, runs: st.runs });
    return await continueAsNew<typeof restoreWorkflow>(rawInput, next);
  }

  // Success: hand everything back (the same saga, so the same undo steps as on failure).
  setPhase('finalize');
  await releaseCluster(run);
  setPhase('done');
  return {
    restoreTs: st.restoreTs,
    databases: s.databases,
    tables: s.tables,
    files: st.filesIngested,
    bytes: st.bytesIngested,
    checksum: { enabled: req.checksum, passed: st.checksumPassed },
    runs: st.runs,
    tiflashReplicasDropped: st.tiflashReplicasDropped,
    ...(s.skipped ? { skipped: s.skipped } : {}),
    ...(s.views ? { views: s.views } : {}),
    ...(s.sequences ? { sequences: s.sequences } : {}),
    ...(s.placementPolicies ? { placementPolicies: s.placementPolicies } : {}),
  };
}
