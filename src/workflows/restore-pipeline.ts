import { ApplicationFailure, CancellationScope, condition, patched, workflowInfo } from '@temporalio/workflow';
import { ErrorType } from '../plan/error-types';
import { CHECKSUM_GROUPS_AT_ONCE, PipelineScheduler } from '../plan/pipeline-state';
import { handBack, prepareCluster } from './cluster-handover';
import type { RestoreRun } from './restore-context';
import type { ChecksumGroupResult, PlanSummary } from './types';

/**
 * The create/ingest/checksum pipeline: table groups are created, batches split/scattered and ingested as soon as
 * their tables exist, each group checksummed once ingested; pause and resume are handled between steps. What
 * runs next is decided by PipelineScheduler (src/plan/pipeline-state.ts); this carries it out. Returns 'continue'
 * when this run should continue as new.
 */
export async function runPipeline(run: RestoreRun, s: PlanSummary): Promise<'done' | 'continue'> {
  const { req, acts, target, st, setPhase } = run;
  setPhase(st.paused ? 'paused' : 'ingest');
  st.ingestStartedAtMs ??= Date.now();
  const newTs = s.backup.incremental ? st.restoreTs : '0';
  const running = new Set<Promise<void>>();
  // Table groups are created up to ddlConcurrency at a time (BR's 16 DDL sessions); v1/v2 runs created one.
  const ddlFanOut = patched('brflow-ddl-fanout') ? req.ddlConcurrency : 1;
  // A batch needs only its own group's tables (src/plan/pipeline-state.ts BatchReadiness); runs recorded before
  // waited for every group up to its own.
  const readiness = patched('brflow-own-group-batches') ? 'own-group' : 'prefix';
  // A group is checksummed once its own batches are done, several at once; runs recorded before checked one group
  // at a time, in group order, each once every batch up to its end was done.
  const checksumOrder = req.checksum && patched('brflow-own-group-checksums') ? 'own-group' : 'prefix';
  const plan = new PipelineScheduler(s, st.pipeline, {
    checksum: req.checksum,
    ddlFanOut,
    readiness,
    checksumOrder,
    checksumFanOut: CHECKSUM_GROUPS_AT_ONCE,
    maxBatchesPerRun: req.maxBatchesPerRun,
    continueSuggested: () => workflowInfo().continueAsNewSuggested,
  });
  let failure: unknown;
  const scope = new CancellationScope();
  const track = (p: Promise<void>): void => {
    const q = p.catch((e: unknown) => {
      if (failure === undefined) {
        failure = e;
        scope.cancel();
      }
    }).finally(() => running.delete(q));
    running.add(q);
  };
  const pausing = (): boolean => st.pauseRequested && !st.paused;
  const resuming = (): boolean => st.resumeRequested && st.paused;
  const canIngest = (): boolean => plan.canIngest(st.paused || st.pauseRequested, st.concurrency);

  const createGroup = (group: number): Promise<void> => {
    // New tables' IDs are recorded (a later resume checks them); runs from before this record none.
    const ids = !req.noSchema && patched('brflow-table-ids') ? { recordIds: true, ...(run.expectIds.has(group) ? { expectIds: run.expectIds.get(group)! } : {}) } : {};
    run.expectIds.delete(group);
    const tablesReady = req.noSchema
      ? acts.schema.useExistingTables({ planRef: s.planRef, group, ...target })
      : acts.schema.createTables({ planRef: s.planRef, group, ...ids, ...target });
    return tablesReady.then((r) => {
      st.tablesCreated += typeof r === 'number' ? r : r.tables;
      plan.created(group);
    }).finally(() => {
      plan.createEnded(group);
    });
  };
  const ingestBatch = async (b: number): Promise<void> => {
    try {
      await acts.split.splitAndScatter({ planRef: s.planRef, batchNo: b, ...target });
      const r = await acts.ingest.ingestBatch({ planRef: s.planRef, batchNo: b, newTs, rangesInFlight: req.rangesInFlight, ...target });
      st.filesIngested += r.files;
      st.bytesIngested += r.bytes;
      plan.batchDone(b);
      run.reportProgress();
    } finally {
      plan.batchEnded(b);
    }
  };
  const checksumGroup = (group: number): Promise<void> => {
    // A resumed restore checks again only the tables whose earlier checksum mismatched in this group.
    const only = st.recheck?.group === group ? { only: st.recheck.tables } : {};
    return acts.verify.checksumGroup({ planRef: s.planRef, group, ...only, ...target }).then((r) => {
      countChecksum(run, r);
      plan.checksummed(group);
      if (st.recheck?.group === group) st.recheck = undefined;
    }).finally(() => {
      plan.checksumEnded(group);
    });
  };

  const settle = (): Promise<unknown> => CancellationScope.nonCancellable(() => Promise.allSettled([...running]));
  let outcome: 'done' | 'continue' | 'failed';
  try {
    outcome = await scope.run(async (): Promise<'done' | 'continue' | 'failed'> => {
      for (;;) {
        await condition(() => failure !== undefined || pausing() || resuming()
          || plan.canCreate() || canIngest() || plan.canChecksum() || plan.allDone() || (plan.readyToContinue() && !st.pauseRequested && !st.resumeRequested));
        if (failure !== undefined) return 'failed';
        if (pausing()) {
          await condition(() => plan.inflight.size === 0 || failure !== undefined);
          if (failure !== undefined) return 'failed';
          await handBack(run);
          st.paused = true;
          st.pauseRequested = false;
          setPhase('paused');
          continue;
        }
        if (resuming()) {
          setPhase('prepare');
          await prepareCluster(run);
          st.paused = false;
          st.resumeRequested = false;
          setPhase('ingest');
          continue;
        }
        if (plan.allDone()) return 'done';
        if (plan.readyToContinue()) return 'continue';
        while (plan.canCreate()) track(createGroup(plan.startCreate()));
        while (canIngest()) {
          const b = plan.nextBatch();
          plan.startBatch(b);
          track(ingestBatch(b));
        }
        while (plan.canChecksum()) track(checksumGroup(plan.startChecksum()));
      }
    });
  } catch (e) {
    // Let in-flight work confirm it stopped (ingest waits for its activity), then report the first real
    // failure: a sibling's failure cancels this scope, so `e` may only be the echo of it.
    await settle();
    throw failure ?? e;
  }
  if (outcome === 'failed') {
    // Let cancelled siblings confirm (ingest waits for its activity to stop) before compensating.
    await settle();
    throw failure;
  }
  return outcome;
}

/** Counts a group's checksum; a mismatch fails the restore for good (the data differs from the backup). */
function countChecksum(run: RestoreRun, r: ChecksumGroupResult): void {
  const { st } = run;
  st.checksumPassed += r.passed;
  st.checksumMismatches.push(...r.mismatches);
  if (r.mismatches.length > 0) {
    const m = r.mismatches[0]!;
    throw ApplicationFailure.nonRetryable(
      `checksum mismatch on ${r.mismatches.length} table(s), first ${m.table}: backup crc64xor=${m.expected.crc64xor} kvs=${m.expected.totalKvs} bytes=${m.expected.totalBytes}, restored crc64xor=${m.actual.crc64xor} kvs=${m.actual.totalKvs} bytes=${m.actual.totalBytes}; the restored data differs from the backup: check the backup files and the target cluster, then restore again`,
      ErrorType.ChecksumMismatch,
      r.mismatches,
    );
  }
}
