import { ApplicationFailure, log, patched, upsertMemo, uuid4, workflowInfo } from '@temporalio/workflow';
import { resumeProblems, type EarlierRun } from '../plan/earlier-run';
import { ErrorType } from '../plan/error-types';
import { parseRanges } from '../plan/number-ranges';
import { markBatchDone } from '../plan/pipeline-state';
import { storageUrlForDisplay } from '../plan/storage-display';
import { clusterChanges, pauseAndEnterImportMode, prepareCluster } from './cluster-handover';
import { CURRENT_PLAN_FEATURES, planFeatureFlags } from './plan-features';
import type { RestoreRun } from './restore-context';
import { allEnded } from './side-by-side';
import type { PlanSummary } from './types';

/**
 * A first run's phases before the pipeline: cluster lock → plan → pre-checks → restore TS → GC safepoint (and
 * the keeper) → DDL jobs and databases → import mode and scheduler pauses → reset TS → rate limit.
 */
export async function setupRestore(run: RestoreRun): Promise<PlanSummary> {
  const { req, acts, target, st, saga, setPhase } = run;
  const info = workflowInfo();
  const locked = patched('brflow-cluster-lock')
    ? run.lock.acquire(acts.pd, info.taskQueue, req.cluster, req.onClusterBusy ?? 'wait', () => setPhase('queued'))
    : Promise.resolve();
  // Planning reads only the backup, so it may run while the lock is asked for (or waited for): what follows it
  // (pre-checks first) touches the cluster only once the lock is held. Runs from before waited for the lock first.
  if (!run.fastSetup) await locked;
  // A resumed restore plans as the restore it continues did (that plan's features, not today's), so one recorded by
  // an earlier brflow is continued after an upgrade: same plan, same hash. Runs from before read it after planning.
  const readFirst = req.resumeFrom !== undefined && patched('brflow-resume-plan-features');
  const earlierRead = readFirst ? { earlier: await acts.pd.readEarlierRun({ workflowId: req.resumeFrom! }) } : undefined;
  const features = earlierRead?.earlier?.planFeatures ? planFeatureFlags(earlierRead.earlier.planFeatures) : CURRENT_PLAN_FEATURES;
  setPhase('plan');
  const planned = acts.planning.planRestore({
    storage: req.storage,
    filters: req.filters,
    caseSensitive: req.caseSensitive,
    batchFiles: req.batchFiles,
    mergeRegionSizeBytes: req.mergeRegionSizeBytes,
    mergeRegionKeyCount: req.mergeRegionKeyCount,
    tableGroupSize: req.tableGroupSize,
    ...(req.noSchema ? { noSchema: true } : {}),
    // Requests recorded before allowEmpty existed lack it (their plans were not refused for it either).
    ...(req.allowEmpty ? { allowEmpty: true } : {}),
    // Object kinds restored without; absent (every earlier request) plans as before.
    ...(req.skip && req.skip.length > 0 ? { skip: req.skip } : {}),
    // Every planning behaviour added since the first release (refs recorded before lack some and plan as then).
    ...features,
    // Where the workers read the backup's key; requests without one keep the input their histories recorded.
    ...(req.crypter ? { crypter: req.crypter } : {}),
  });
  let s: PlanSummary;
  if (run.fastSetup) {
    // The first failure ends the restore at once, even while queued (the way out releases the lock or leaves
    // its queue; a request still unanswered is dropped by the lock once it sees this run ended).
    [s] = await Promise.all([planned, locked]);
    // Queued while planning: the wait is over.
    if (st.phase === 'queued') setPhase('plan');
  } else {
    s = await planned;
  }
  st.summary = s;
  if (s.backup.isRawKv) {
    throw ApplicationFailure.nonRetryable(`${storageUrlForDisplay(req.storage)} is a raw KV backup; brflow restores transactional (TiDB) backups only`, ErrorType.InvalidInput);
  }
  if (req.noSchema && s.systemTables > 0) {
    // System tables go through a temporary database brflow creates; noSchema creates nothing.
    throw ApplicationFailure.nonRetryable(`noSchema cannot restore the ${s.systemTables} mysql.* system table(s) the filters select: they are restored through a temporary database brflow has to create; remove the mysql.* rules or restore without noSchema`, ErrorType.InvalidInput);
  }
  upsertMemo({
    backup: { storage: storageUrlForDisplay(req.storage), clusterVersion: s.backup.clusterVersion, brVersion: s.backup.brVersion, endVersion: s.backup.endVersion, incremental: s.backup.incremental },
    plan: { hash: s.planRef.hash, databases: s.databases, tables: s.tables, files: s.files, bytes: s.bytes, batches: s.batches },
  });

  // Only inputs with resumeFrom (none before it existed) reach the patch.
  if (req.resumeFrom && patched('brflow-resume')) await adoptEarlier(run, req.resumeFrom, s, earlierRead);

  // Added after the v1 histories were recorded: replaying them must not schedule it.
  if (patched('brflow-precheck')) {
    // planRef adds the clustered-index and TiFlash checks; histories recorded before it returned nothing.
    // A resumed restore finds its own earlier rows in the tables it adopts: not someone else's data.
    const pre = await acts.pd.preCheck({ backupClusterVersion: s.backup.clusterVersion, planRef: s.planRef, ...(req.resumeFrom ? { ownRows: true } : {}), ...target });
    if (pre?.tiflash?.replicasDropped) {
      st.tiflashReplicasDropped = pre.tiflash.replicasDropped;
      log.warn('tables restored without their TiFlash replica', pre.tiflash);
    }
  }
  // Runs recorded before took the steps from the restore TS to reset TS one at a time.
  if (patched('brflow-setup-side-by-side')) await prepareSideBySide(run, s);
  else await prepareOneByOne(run, s);
  if (st.rateLimitBytesPerSec > 0) {
    saga.push({ kind: 'clearRateLimit' });
    await clusterChanges(acts).mode.setRateLimit({ bytesPerSec: st.rateLimitBytesPerSec, ...target });
  }
  return s;
}

/**
 * The steps between the pre-checks and the pipeline, side by side where nothing orders them: each step is a round
 * trip through Temporal (10–50 ms on a busy worker, bench/README "Known misses"), and one by one they were most
 * of what a restore spends outside the pipeline. Three branches:
 * - restore TS → GC safepoint and reset TS (reset TS only after the restore TS is read from the cluster's TSO);
 * - DDL jobs → databases;
 * - scheduler snapshot → pauses → import mode (offline restores).
 * Only the pre-checks come first: nothing changes the cluster before they pass. Each undo is recorded before its
 * step, as one by one. The keeper starts as soon as it has something to keep (the safepoint, or the pauses and
 * import mode: whichever is first; its ticks read the spec at each renewal). Every branch runs to its end before
 * a failure is raised, so the saga never undoes a step that is still running.
 */
async function prepareSideBySide(run: RestoreRun, s: PlanSummary): Promise<void> {
  const { req, acts, target, st, saga, setPhase } = run;
  // Whichever branch has something to keep first starts the keeper; the other's start finds it running.
  const keep = (): void => run.keeper.start();
  const clock = async (): Promise<void> => {
    st.restoreTs = await acts.tso.getRestoreTs(target);
    st.safepoint = { serviceId: `brflow-${uuid4()}`, safePoint: (BigInt(st.restoreTs) - 1n).toString() };
    const safepoint = async (): Promise<void> => {
      saga.push({ kind: 'removeGcSafepoint', serviceId: st.safepoint!.serviceId });
      await clusterChanges(acts).pd.registerGcSafepoint({ ...st.safepoint!, ttlSec: req.timings.gcTtlSec, ...target });
      keep();
    };
    // Incremental restores keep the cluster's TSO (they write at the new restore TS instead; BR newTS).
    const resetTs = async (): Promise<void> => {
      if (!s.backup.incremental) await acts.resetTs.resetTs({ ts: s.backup.endVersion, ...target });
    };
    await allEnded([safepoint(), resetTs()]);
  };
  // noSchema (BR --no-schema) changes no schema object: no DDL replay, no CREATE DATABASE.
  const schema = async (): Promise<void> => {
    if (req.noSchema) return;
    if (s.ddlJobs > 0) await acts.schema.execDdlJobs({ planRef: s.planRef, ...target });
    await acts.schema.createDatabases({ planRef: s.planRef, ...target });
    setPhase('prepare');
  };
  const cluster = async (): Promise<void> => {
    if (req.online) return;
    await pauseAndEnterImportMode(run);
    keep();
  };
  setPhase(req.noSchema ? 'prepare' : 'schema');
  await allEnded([clock(), schema(), cluster()]);
  // A keeper of runs from before ticks (never met here: such runs took neither patch) restarts to learn the spec.
  await run.keeper.specChanged();
}

/** prepareSideBySide's steps one at a time, as runs recorded before `brflow-setup-side-by-side` took them. */
async function prepareOneByOne(run: RestoreRun, s: PlanSummary): Promise<void> {
  const { req, acts, target, st, saga, setPhase } = run;
  st.restoreTs = await acts.tso.getRestoreTs(target);
  const safePoint = (BigInt(st.restoreTs) - 1n).toString();
  st.safepoint = { serviceId: `brflow-${uuid4()}`, safePoint };
  saga.push({ kind: 'removeGcSafepoint', serviceId: st.safepoint.serviceId });
  await clusterChanges(acts).pd.registerGcSafepoint({ ...st.safepoint, ttlSec: req.timings.gcTtlSec, ...target });
  run.keeper.start();

  setPhase('schema');
  // noSchema (BR --no-schema) changes no schema object: no DDL replay, no CREATE DATABASE.
  if (!req.noSchema) {
    if (s.ddlJobs > 0) await acts.schema.execDdlJobs({ planRef: s.planRef, ...target });
    await acts.schema.createDatabases({ planRef: s.planRef, ...target });
  }

  setPhase('prepare');
  await prepareCluster(run);
  // Incremental restores keep the cluster's TSO (they write at the new restore TS instead; BR newTS).
  if (!s.backup.incremental) await acts.resetTs.resetTs({ ts: s.backup.endVersion, ...target });
}

/**
 * resumeFrom: reads what the earlier restore finished (from its Temporal history, by an activity), refuses
 * one it cannot continue, and starts from its done batches and passed checksums. Its tables are adopted by
 * createTables, which accepts a table only with the backup's layout and column IDs.
 */
async function adoptEarlier(run: RestoreRun, workflowId: string, s: PlanSummary, read?: { earlier: EarlierRun | undefined }): Promise<void> {
  const { req, st } = run;
  const earlier = read ? read.earlier : await run.acts.pd.readEarlierRun({ workflowId });
  const problems = resumeProblems(earlier, workflowId, { storage: req.storage, cluster: req.cluster, planHash: s.planRef.hash });
  if (problems.length > 0) {
    throw ApplicationFailure.create({ message: `cannot resume ${workflowId}: ${problems.join('; ')}`, type: ErrorType.ResumeRefused, nonRetryable: true, details: [problems] });
  }
  if (!earlier?.planHash) return;
  for (const b of parseRanges(earlier.doneBatches)) markBatchDone(st.pipeline, b);
  st.filesIngested = earlier.filesIngested;
  st.bytesIngested = earlier.bytesIngested;
  st.bytesAtIngestStart = earlier.bytesIngested;
  st.pipeline.groupsChecksummed = earlier.groupsChecksummed;
  for (const g of parseRanges(earlier.checksummedAbove ?? '')) (st.pipeline.checksummedAbove ??= new Set<number>()).add(g);
  st.checksumPassed = earlier.checksumPassed;
  st.recheck = earlier.recheck;
  for (const [g, ids] of Object.entries(earlier.groupTableIds ?? {})) run.expectIds.set(Number(g), ids);
  upsertMemo({ resumedFrom: { workflowId, runId: earlier.runId, status: earlier.status, batchesDone: earlier.batchesDone, groupsChecksummed: earlier.groupsChecksummed } });
  log.info('resuming an earlier restore', { workflowId, runId: earlier.runId, batchesDone: earlier.batchesDone, groupsChecksummed: earlier.groupsChecksummed });
}
