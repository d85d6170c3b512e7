import {
  ApplicationFailure,
  CancellationScope,
  TemporalFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { RestoreActivities } from '../activities';
import { clusterLockId } from '../plan/cluster-lock-id';
import { resumeProblems } from '../plan/earlier-run';
import type { SkippedCounts } from '../plan/schema-objects';
import { ErrorType } from '../plan/error-types';
import { storageUrlForDisplay } from '../plan/storage-display';
import { parseRanges } from '../plan/number-ranges';
import { restoreActivityOptions } from './activity-options';
import { lockGrantedSignal, lockQueuedSignal, lockRefusedSignal, lockReleaseSignal } from './cluster-lock';
import { MAX_CONCURRENCY, pauseUpdate, progressQuery, resumeUpdate, setConcurrencyUpdate, setRateLimitUpdate } from './messages';
import { normalizeRestoreRequest } from './normalize-request';
import { Saga } from './saga';
import { undoStep } from './undo-step';
import { BrRestorePhase, BrRestoreProgress } from './search-attributes';
import { controlTaskQueueOf } from './task-queues';
import type { ClusterScope, KeeperSpec, PlanSummary, RestoreContinuation, RestorePhase, RestoreProgress, RestoreRequest, UndoRecord } from './types';

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
}

/** Undo kinds that hand the cluster back while the restore is paused; the GC safepoint and rate limit stay. */
const CLUSTER_MODE_UNDO: UndoRecord['kind'][] = ['normalMode', 'restoreSchedules'];

/**
 * A TiDB BR snapshot restore (BR task.RunRestore) as a durable workflow. Phases: validate → plan (in an
 * activity; history keeps a reference and counts) → restore TS → GC safepoint → DDL jobs → databases →
 * import mode + scheduler pauses (not when online) → reset TS (not for incremental) → a pipeline in which
 * table groups are created, batches split/scattered and ingested as soon as their tables exist, and each
 * group checksummed once ingested → system tables → cluster handed back.
 *
 * Every change to the cluster is undone by the saga (undo records pushed before each step) on success,
 * failure and cancellation; a keeper activity renews what the restore holds while it runs. Long restores
 * continue as new every `maxBatchesPerRun` batches, carrying a small cursor. No run or execution timeout.
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
  const o = restoreActivityOptions(req.timings, controlTaskQueueOf(info.taskQueue));
  const planning = proxyActivities<RestoreActivities>(o.planning);
  const pd = proxyActivities<RestoreActivities>(o.pdCall);
  const resetTsAct = proxyActivities<RestoreActivities>(o.resetTs);
  const schema = proxyActivities<RestoreActivities>(o.schema);
  const split = proxyActivities<RestoreActivities>(o.split);
  const ingest = proxyActivities<RestoreActivities>(o.ingest);
  const verify = proxyActivities<RestoreActivities>(o.checksum);
  const mode = proxyActivities<RestoreActivities>(o.clusterMode);
  const undoActs = proxyActivities<RestoreActivities>(o.compensation);
  const keeperAct = proxyActivities<RestoreActivities>(o.keeper);
  // Names the target cluster in every activity that touches it; empty = the worker's own cluster.
  const target: ClusterScope = req.cluster ? { cluster: req.cluster } : {};

  const saga = new Saga(cont?.undo);
  // Mutable run state; the continuation carries the parts a later run needs.
  const st = {
    phase: (cont ? 'ingest' : 'validate') as RestorePhase,
    summary: cont?.summary as PlanSummary | undefined,
    restoreTs: cont?.restoreTs ?? '',
    safepoint: cont?.safepoint,
    prepared: cont?.prepared ?? false,
    groupsCreated: cont?.groupsCreated ?? 0,
    tablesCreated: cont?.tablesCreated ?? 0,
    groupsChecksummed: cont?.groupsChecksummed ?? 0,
    doneLow: cont?.doneLow ?? 0,
    doneAbove: new Set<number>(cont?.doneAbove ?? []),
    filesIngested: cont?.filesIngested ?? 0,
    bytesIngested: cont?.bytesIngested ?? 0,
    checksumPassed: cont?.checksumPassed ?? 0,
    checksumMismatches: cont?.checksumMismatches ?? [],
    concurrency: cont?.concurrency ?? req.concurrency,
    rateLimitBytesPerSec: cont?.rateLimitBytesPerSec ?? req.rateLimitBytesPerSec,
    paused: cont?.paused ?? false,
    pauseRequested: false,
    resumeRequested: false,
    ingestStartedAtMs: cont?.ingestStartedAtMs,
    bytesAtIngestStart: cont?.bytesAtIngestStart ?? 0,
    runs: (cont?.runs ?? 0) + 1,
    tiflashReplicasDropped: cont?.tiflashReplicasDropped ?? 0,
    recheck: cont?.recheck,
    lastProgressPct: -1,
  };
  const terminal = (): boolean => st.phase === 'done' || st.phase === 'failed' || st.phase === 'cancelled' || st.phase === 'compensating';

  const progress = (): RestoreProgress => {
    const s = st.summary;
    const elapsedSec = st.ingestStartedAtMs !== undefined ? (Date.now() - st.ingestStartedAtMs) / 1000 : 0;
    const rate = elapsedSec > 0 ? Math.round((st.bytesIngested - st.bytesAtIngestStart) / elapsedSec) : 0;
    const left = (s?.bytes ?? 0) - st.bytesIngested;
    const batchesDone = st.doneLow + st.doneAbove.size;
    return {
      phase: st.phase,
      paused: st.paused,
      tables: { created: st.tablesCreated, total: s?.tables ?? 0 },
      files: { ingested: st.filesIngested, total: s?.files ?? 0 },
      bytes: { ingested: st.bytesIngested, total: s?.bytes ?? 0 },
      batches: { done: batchesDone, total: s?.batches ?? 0 },
      checksum: { passed: st.checksumPassed, failed: st.checksumMismatches.length, enabled: req.checksum, mismatches: st.checksumMismatches.slice(0, 20) },
      concurrency: st.concurrency,
      rateLimitBytesPerSec: st.rateLimitBytesPerSec,
      rateBytesPerSec: rate,
      etaSeconds: rate > 0 ? Math.ceil(left / rate) : undefined,
      runsSoFar: st.runs,
      ...(st.phase === 'queued' && lock.queuedBehind ? { waitingFor: lock.queuedBehind } : {}),
      ...(s?.skipped ? { skipped: s.skipped } : {}),
    };
  };

  const setPhase = (p: RestorePhase): void => {
    st.phase = p;
    upsertSearchAttributes([{ key: BrRestorePhase, value: p }]);
    log.info('restore phase', { phase: p });
  };
  const reportProgress = (): void => {
    const total = st.summary?.bytes ?? 0;
    const pct = total > 0 ? Math.floor((st.bytesIngested * 100) / total) : 100;
    // Every 5 %: each upsert is a history event.
    if (pct >= st.lastProgressPct + 5 || (pct === 100 && st.lastProgressPct !== 100)) {
      st.lastProgressPct = pct;
      upsertSearchAttributes([{ key: BrRestoreProgress, value: pct }]);
    }
  };

  setHandler(progressQuery, progress);
  // resumeFrom: the table IDs the earlier restore created, by group; createTables refuses tables re-created since.
  const expectIds = new Map<number, string>(Object.entries(cont?.expectTableIds ?? {}).map(([g, ids]) => [Number(g), ids]));
  // One restore per cluster: the lock this restore asked for or holds (a continued run holds it already).
  // The lock's ID comes back from the activity (so replay, on another task queue, uses the recorded one); its
  // answers may arrive before that result, so they count once a request went out.
  const lock = { id: cont?.clusterLock, requested: false, granted: cont?.clusterLock !== undefined, refusedBy: undefined as string | undefined, queuedBehind: undefined as string | undefined };
  setHandler(lockQueuedSignal, ({ holder }) => {
    if (lock.requested) lock.queuedBehind = holder;
  });
  setHandler(lockGrantedSignal, () => {
    if (lock.requested) lock.granted = true;
  });
  setHandler(lockRefusedSignal, ({ holder }) => {
    if (lock.requested) lock.refusedBy = holder;
  });
  setHandler(setConcurrencyUpdate, (n: number) => {
    st.concurrency = n;
    return n;
  }, {
    validator: (n: number) => {
      if (!Number.isInteger(n) || n < 1 || n > MAX_CONCURRENCY) throw new Error(`concurrency must be an integer in [1, ${MAX_CONCURRENCY}], got ${n}`);
      if (terminal()) throw new Error(`the restore is ${st.phase}; nothing to change`);
    },
  });
  setHandler(setRateLimitUpdate, async (n: number) => {
    if (n > 0 && !saga.snapshot().some((r) => r.kind === 'clearRateLimit')) saga.push({ kind: 'clearRateLimit' });
    await mode.setRateLimit({ bytesPerSec: n, ...target });
    st.rateLimitBytesPerSec = n;
    return n;
  }, {
    validator: (n: number) => {
      if (!Number.isSafeInteger(n) || n < 0) throw new Error(`rate limit must be a whole number of bytes/s ≥ 0 (0 = unlimited), got ${n}`);
      if (terminal()) throw new Error(`the restore is ${st.phase}; nothing to change`);
    },
  });
  setHandler(pauseUpdate, async () => {
    st.pauseRequested = true;
    await condition(() => st.paused || terminal());
    return progress();
  }, {
    validator: () => {
      if (terminal()) throw new Error(`the restore is ${st.phase}; it cannot be paused`);
      if (st.paused || st.pauseRequested) throw new Error('the restore is already paused or pausing');
    },
  });
  setHandler(resumeUpdate, async () => {
    st.resumeRequested = true;
    await condition(() => (!st.paused && !st.resumeRequested) || terminal());
    return progress();
  }, {
    validator: () => {
      if (terminal()) throw new Error(`the restore is ${st.phase}; it cannot be resumed`);
      if (!st.paused && !st.pauseRequested) throw new Error('the restore is not paused');
    },
  });

  // ---- keeper -------------------------------------------------------------------------------------
  let keeper: { scope: CancellationScope; done: Promise<void> } | undefined;
  let keeperError: unknown;
  const mainScope = new CancellationScope();
  const keeperSpec = (): KeeperSpec => {
    const schedules = st.prepared ? saga.snapshot().find((r) => r.kind === 'restoreSchedules') : undefined;
    return {
      safepoint: st.safepoint ? { ...st.safepoint, ttlSec: req.timings.gcTtlSec } : undefined,
      schedules: schedules?.kind === 'restoreSchedules' ? schedules.snapshot : undefined,
      importMode: st.prepared && !req.online,
      intervalMs: req.timings.keeperIntervalMs,
      ...target,
    };
  };
  const startKeeper = (): void => {
    const scope = new CancellationScope();
    const done = scope.run(() => keeperAct.keeper(keeperSpec())).then(
      () => undefined,
      (e: unknown) => {
        // Asked to stop: whatever ended it (cancelled, or timed out while stopping), it is no longer running.
        if (scope.consideredCancelled) return;
        // The keeper failed for good (e.g. GC passed the restore TS): the restore cannot go on.
        keeperError = e;
        mainScope.cancel();
      },
    );
    keeper = { scope, done };
  };
  /** Cancels the keeper and waits until its activity confirmed it stopped (WAIT_CANCELLATION_COMPLETED). */
  const stopKeeper = async (): Promise<void> => {
    const k = keeper;
    keeper = undefined;
    if (!k) return;
    await CancellationScope.nonCancellable(async () => {
      k.scope.cancel();
      await k.done;
    });
  };

  // The janitor undoes a terminated restore's records with the same step (src/workflows/janitor.ts).
  const undo = undoStep(undoActs, target);

  /** Import mode and scheduler pauses (BR restorePreWork); each undo recorded before its step. */
  const prepareCluster = async (): Promise<void> => {
    if (req.online) return;
    const snapshot = await mode.planSchedules({ ttlSec: req.timings.pauseTtlSec, ...target });
    saga.push({ kind: 'restoreSchedules', snapshot });
    await mode.applySchedules({ ...snapshot, ...target });
    saga.push({ kind: 'normalMode' });
    await mode.enterImportMode(target);
    st.prepared = true;
    await stopKeeper();
    startKeeper();
  };

  /** Gives the cluster back while paused: keeper stopped first, then normal mode and schedules restored. */
  const handBack = async (): Promise<void> => {
    await stopKeeper();
    st.prepared = false;
    await saga.compensate(undo, CLUSTER_MODE_UNDO);
    startKeeper();
  };

  /**
   * resumeFrom: reads what the earlier restore finished (from its Temporal history, by an activity), refuses
   * one it cannot continue, and starts from its done batches and passed checksums. Its tables are adopted by
   * createTables, which accepts a table only with the backup's layout and column IDs.
   */
  const adoptEarlier = async (workflowId: string, s: PlanSummary): Promise<void> => {
    const earlier = await pd.readEarlierRun({ workflowId });
    const problems = resumeProblems(earlier, workflowId, { storage: req.storage, cluster: req.cluster, planHash: s.planRef.hash });
    if (problems.length > 0) {
      throw ApplicationFailure.create({ message: `cannot resume ${workflowId}: ${problems.join('; ')}`, type: ErrorType.ResumeRefused, nonRetryable: true, details: [problems] });
    }
    if (!earlier?.planHash) return;
    for (const b of parseRanges(earlier.doneBatches)) st.doneAbove.add(b);
    while (st.doneAbove.delete(st.doneLow)) st.doneLow++;
    st.filesIngested = earlier.filesIngested;
    st.bytesIngested = earlier.bytesIngested;
    st.bytesAtIngestStart = earlier.bytesIngested;
    st.groupsChecksummed = earlier.groupsChecksummed;
    st.checksumPassed = earlier.checksumPassed;
    st.recheck = earlier.recheck;
    for (const [g, ids] of Object.entries(earlier.groupTableIds ?? {})) expectIds.set(Number(g), ids);
    upsertMemo({ resumedFrom: { workflowId, runId: earlier.runId, status: earlier.status, batchesDone: earlier.batchesDone, groupsChecksummed: earlier.groupsChecksummed } });
    log.info('resuming an earlier restore', { workflowId, runId: earlier.runId, batchesDone: earlier.batchesDone, groupsChecksummed: earlier.groupsChecksummed });
  };

  /**
   * Waits for the target cluster's lock (src/workflows/cluster-lock.ts), or fails at once when another restore
   * holds it and the input says onClusterBusy "fail". Phase 'queued' while waiting.
   */
  const acquireCluster = async (): Promise<void> => {
    const mode = req.onClusterBusy ?? 'wait';
    if (mode === 'ignore') return;
    lock.requested = true;
    const asked = await pd.requestClusterLock({ lockId: clusterLockId(info.taskQueue, req.cluster), taskQueue: info.taskQueue, holder: info.workflowId, mode });
    if (!asked) {
      log.warn('this worker cannot take the cluster lock (no Temporal client); restoring without it');
      lock.requested = false;
      return;
    }
    lock.id = asked.lockId;
    // The lock answers granted, refused, or queued (then granted in turn). No timer: signals alone decide.
    const decided = (): boolean => lock.granted || lock.refusedBy !== undefined;
    await condition(() => decided() || lock.queuedBehind !== undefined);
    if (!decided()) {
      setPhase('queued');
      log.info('waiting for the target cluster: another restore holds it', { lock: lock.id, holder: lock.queuedBehind });
      await condition(decided);
    }
    if (!lock.granted) {
      lock.id = undefined;
      throw ApplicationFailure.create({
        message: `the target cluster is being restored by ${lock.refusedBy}: two restores would fight over import mode, schedulers and the PD config; wait for it (brflow status ${lock.refusedBy}) or start with onClusterBusy "wait" to queue`,
        type: ErrorType.ClusterBusy,
        nonRetryable: true,
      });
    }
  };
  /** Hands the cluster lock on (or leaves the queue); the lock also notices on its own a holder that ended. */
  const releaseCluster = async (): Promise<void> => {
    const id = lock.id;
    if (id === undefined) return;
    lock.id = undefined;
    await CancellationScope.nonCancellable(() => getExternalWorkflowHandle(id).signal(lockReleaseSignal, { holder: info.workflowId })).catch((e: unknown) => {
      log.warn('cluster lock release not delivered; the lock frees itself once it sees this restore ended', { lock: id, error: String(e) });
    });
  };

  // ---- phases -------------------------------------------------------------------------------------
  const setup = async (): Promise<PlanSummary> => {
    if (patched('brflow-cluster-lock')) await acquireCluster();
    setPhase('plan');
    const s = await planning.planRestore({
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
      // Foreign keys, CHECKs and TTL recreated, placement refused unless skipped (refs recorded before lack it).
      schemaObjects: true,
      // Every placement policy of the backup, as BR's full restore (refs recorded before lack it and plan as then).
      allPolicies: true,
      // Partition expressions written so TiDB stores the backup's text again (refs recorded before lack it).
      partitionTextAsStored: true,
      // Index IDs pinned by placeholder indexes (refs recorded before lack it).
      pinIndexIds: true,
      // Vector indexes refused as objects unless skipped, then left out (refs recorded before lack it).
      vectorIndexObjects: true,
      // Small tables share batches (within their create-tables group) instead of one batch each.
      batchAcrossTables: true,
      // Where the workers read the backup's key; requests without one keep the input their histories recorded.
      ...(req.crypter ? { crypter: req.crypter } : {}),
    });
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
    if (req.resumeFrom && patched('brflow-resume')) await adoptEarlier(req.resumeFrom, s);

    // Added after the v1 histories were recorded: replaying them must not schedule it.
    if (patched('brflow-precheck')) {
      // planRef adds the clustered-index and TiFlash checks; histories recorded before it returned nothing.
      // A resumed restore finds its own earlier rows in the tables it adopts: not someone else's data.
      const pre = await pd.preCheck({ backupClusterVersion: s.backup.clusterVersion, planRef: s.planRef, ...(req.resumeFrom ? { ownRows: true } : {}), ...target });
      if (pre?.tiflash?.replicasDropped) {
        st.tiflashReplicasDropped = pre.tiflash.replicasDropped;
        log.warn('tables restored without their TiFlash replica', pre.tiflash);
      }
    }
    st.restoreTs = await pd.getRestoreTs(target);
    const safePoint = (BigInt(st.restoreTs) - 1n).toString();
    st.safepoint = { serviceId: `brflow-${uuid4()}`, safePoint };
    saga.push({ kind: 'removeGcSafepoint', serviceId: st.safepoint.serviceId });
    await pd.registerGcSafepoint({ ...st.safepoint, ttlSec: req.timings.gcTtlSec, ...target });
    startKeeper();

    setPhase('schema');
    // noSchema (BR --no-schema) changes no schema object: no DDL replay, no CREATE DATABASE.
    if (!req.noSchema) {
      if (s.ddlJobs > 0) await schema.execDdlJobs({ planRef: s.planRef, ...target });
      await schema.createDatabases({ planRef: s.planRef, ...target });
    }

    setPhase('prepare');
    await prepareCluster();
    // Incremental restores keep the cluster's TSO (they write at the new restore TS instead; BR newTS).
    if (!s.backup.incremental) await resetTsAct.resetTs({ ts: s.backup.endVersion, ...target });
    if (st.rateLimitBytesPerSec > 0) {
      saga.push({ kind: 'clearRateLimit' });
      await mode.setRateLimit({ bytesPerSec: st.rateLimitBytesPerSec, ...target });
    }
    return s;
  };

  /** The create/ingest/checksum pipeline; returns 'continue' when this run should continue as new. */
  const pipeline = async (s: PlanSummary): Promise<'done' | 'continue'> => {
    setPhase(st.paused ? 'paused' : 'ingest');
    st.ingestStartedAtMs ??= Date.now();
    const newTs = s.backup.incremental ? st.restoreTs : '0';
    const running = new Set<Promise<void>>();
    const inflight = new Set<number>();
    // Table groups are created up to ddlConcurrency at a time (BR's 16 DDL sessions); v1/v2 runs created one.
    const ddlFanOut = patched('brflow-ddl-fanout') ? req.ddlConcurrency : 1;
    const creating = new Set<number>();
    const createdAbove = new Set<number>();
    let nextGroup = st.groupsCreated;
    let checksumming = false;
    let dispatched = 0;
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
    const markDone = (b: number): void => {
      st.doneAbove.add(b);
      while (st.doneAbove.delete(st.doneLow)) st.doneLow++;
    };
    const readyUpTo = (): number => (st.groupsCreated > 0 ? s.readyBatches[st.groupsCreated - 1]! : 0);
    const wantContinue = (): boolean => dispatched >= req.maxBatchesPerRun || workflowInfo().continueAsNewSuggested;
    const idle = (): boolean => creating.size === 0 && !checksumming && inflight.size === 0;
    const holding = (): boolean => st.paused || st.pauseRequested || wantContinue();
    const canCreate = (): boolean => creating.size < ddlFanOut && nextGroup < s.tableGroups && !wantContinue();
    const canIngest = (): boolean => !holding() && inflight.size < st.concurrency && nextBatch() < readyUpTo();
    const canChecksum = (): boolean =>
      req.checksum && !checksumming && !wantContinue() && st.groupsChecksummed < st.groupsCreated && st.doneLow >= s.groupBatchEnd[st.groupsChecksummed]!;
    const allDone = (): boolean =>
      idle() && st.groupsCreated === s.tableGroups && st.doneLow === s.batches && (!req.checksum || st.groupsChecksummed === s.tableGroups);
    // Batches below doneLow are done; in-flight and done-above ones are skipped.
    let cursor = st.doneLow;
    const nextBatch = (): number => {
      while (cursor < s.batches && (cursor < st.doneLow || inflight.has(cursor) || st.doneAbove.has(cursor))) cursor++;
      return cursor;
    };

    const settle = (): Promise<unknown> => CancellationScope.nonCancellable(() => Promise.allSettled([...running]));
    let outcome: 'done' | 'continue' | 'failed';
    try {
      outcome = await scope.run(async (): Promise<'done' | 'continue' | 'failed'> => {
        for (;;) {
          await condition(() => failure !== undefined || (st.pauseRequested && !st.paused) || (st.resumeRequested && st.paused)
            || canCreate() || canIngest() || canChecksum() || allDone() || (wantContinue() && idle() && !st.pauseRequested && !st.resumeRequested));
          if (failure !== undefined) return 'failed';
          if (st.pauseRequested && !st.paused) {
            await condition(() => inflight.size === 0 || failure !== undefined);
            if (failure !== undefined) return 'failed';
            await handBack();
            st.paused = true;
            st.pauseRequested = false;
            setPhase('paused');
            continue;
          }
          if (st.resumeRequested && st.paused) {
            setPhase('prepare');
            await prepareCluster();
            st.paused = false;
            st.resumeRequested = false;
            setPhase('ingest');
            continue;
          }
          if (allDone()) return 'done';
          if (wantContinue() && idle()) return 'continue';
          while (canCreate()) {
            const group = nextGroup++;
            creating.add(group);
            // New tables' IDs are recorded (a later resume checks them); runs from before this record none.
            const ids = !req.noSchema && patched('brflow-table-ids') ? { recordIds: true, ...(expectIds.has(group) ? { expectIds: expectIds.get(group)! } : {}) } : {};
            expectIds.delete(group);
            const tablesReady = req.noSchema ? schema.useExistingTables({ planRef: s.planRef, group, ...target }) : schema.createTables({ planRef: s.planRef, group, ...ids, ...target });
            track(tablesReady.then((r) => {
              st.tablesCreated += typeof r === 'number' ? r : r.tables;
              // Batches need every table before them, so only a gap-free prefix of groups counts as created.
              createdAbove.add(group);
              while (createdAbove.delete(st.groupsCreated)) st.groupsCreated++;
            }).finally(() => {
              creating.delete(group);
            }));
          }
          while (canIngest()) {
            const b = nextBatch();
            inflight.add(b);
            dispatched++;
            track((async () => {
              try {
                await split.splitAndScatter({ planRef: s.planRef, batchNo: b, ...target });
                const r = await ingest.ingestBatch({ planRef: s.planRef, batchNo: b, newTs, rangesInFlight: req.rangesInFlight, ...target });
                st.filesIngested += r.files;
                st.bytesIngested += r.bytes;
                markDone(b);
                reportProgress();
              } finally {
                inflight.delete(b);
              }
            })());
          }
          if (canChecksum()) {
            checksumming = true;
            const group = st.groupsChecksummed;
            // A resumed restore checks again only the tables whose earlier checksum mismatched in this group.
            const only = st.recheck?.group === group ? { only: st.recheck.tables } : {};
            track(verify.checksumGroup({ planRef: s.planRef, group, ...only, ...target }).then((r) => {
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
              st.groupsChecksummed = group + 1;
              if (st.recheck?.group === group) st.recheck = undefined;
            }).finally(() => {
              checksumming = false;
            }));
          }
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
  };

  // ---- run ----------------------------------------------------------------------------------------
  let outcome: 'done' | 'continue';
  try {
    outcome = await mainScope.run(async () => {
      let s: PlanSummary;
      if (cont) {
        s = cont.summary;
        startKeeper();
      } else {
        s = await setup();
      }
      const o = await pipeline(s);
      if (o === 'continue') return o;
      // Views read tables and other views, so they come once every table exists (the plan orders them among
      // themselves). Plans made before views were restored hold none, so earlier histories never reach the patch.
      if ((s.views ?? 0) > 0 && !req.noSchema && patched('brflow-views')) await schema.createViews({ planRef: s.planRef, ...target });
      if (s.systemTables > 0) {
        setPhase('system-tables');
        await schema.restoreSystemTables({ planRef: s.planRef, ...target });
      }
      return o;
    });
  } catch (err) {
    const cause = keeperError ?? err;
    const cancelled = keeperError === undefined && isCancellation(err);
    st.phase = 'compensating';
    upsertSearchAttributes([{ key: BrRestorePhase, value: 'compensating' }]);
    await CancellationScope.nonCancellable(async () => {
      try {
        await stopKeeper();
        await saga.compensate(undo);
      } finally {
        await releaseCluster();
      }
    });
    setPhase(cancelled ? 'cancelled' : 'failed');
    if (cancelled) throw err;
    if (cause instanceof TemporalFailure) throw cause;
    // A plain Error would fail only the workflow task and retry forever; close the run instead.
    throw ApplicationFailure.create({ message: cause instanceof Error ? cause.message : String(cause), type: ErrorType.Internal, nonRetryable: true });
  }

  const s = st.summary!;
  if (outcome === 'continue') {
    await stopKeeper();
    await condition(allHandlersFinished);
    const next: RestoreContinuation = {
      summary: s,
      restoreTs: st.restoreTs,
      undo: saga.snapshot(),
      safepoint: st.safepoint!,
      prepared: st.prepared,
      groupsCreated: st.groupsCreated,
      tablesCreated: st.tablesCreated,
      groupsChecksummed: st.groupsChecksummed,
      doneLow: st.doneLow,
      doneAbove: [...st.doneAbove],
      filesIngested: st.filesIngested,
      bytesIngested: st.bytesIngested,
      checksumPassed: st.checksumPassed,
      checksumMismatches: st.checksumMismatches,
      concurrency: st.concurrency,
      rateLimitBytesPerSec: st.rateLimitBytesPerSec,
      paused: st.paused,
      ingestStartedAtMs: st.ingestStartedAtMs,
      bytesAtIngestStart: st.bytesAtIngestStart,
      runs: st.runs,
      tiflashReplicasDropped: st.tiflashReplicasDropped,
      ...(st.recheck ? { recheck: st.recheck } : {}),
      ...(lock.id ? { clusterLock: lock.id } : {}),
      // Groups not created yet keep the resume's ID check in the next run.
      ...(expectIds.size > 0 ? { expectTableIds: Object.fromEntries([...expectIds].map(([g, ids]) => [String(g), ids])) } : {}),
    };
    log.info('continuing as new', { doneLow: st.doneLow, runs: st.runs });
    return await continueAsNew<typeof restoreWorkflow>(rawInput, next);
  }

  // Success: hand everything back (the same saga, so the same undo steps as on failure).
  setPhase('finalize');
  await CancellationScope.nonCancellable(async () => {
    try {
      await stopKeeper();
      await saga.compensate(undo);
    } finally {
      await releaseCluster();
    }
  });
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
  };
}
