import type { PipelineProgress } from '../plan/pipeline-state';
import { batchesDone } from '../plan/pipeline-state';
import type { CarriedRunCounters, HoldsReapplied, PlanSummary, RestoreContinuation, RestorePhase, RestoreProgress, RestoreRequest } from './types';

/**
 * A restore run's mutable state. What a later run needs travels in the continuation (`continuationOf`);
 * the rest (requests in progress, the progress throttle) is per run.
 */
export interface RunState extends CarriedRunCounters {
  phase: RestorePhase;
  summary: PlanSummary | undefined;
  restoreTs: string;
  safepoint: { serviceId: string; safePoint: string } | undefined;
  /** Import mode and scheduler pauses are applied (not handed back by a pause). */
  prepared: boolean;
  /** Created/checksummed groups and done batches (src/plan/pipeline-state.ts). */
  pipeline: PipelineProgress;
  tablesCreated: number;
  pauseRequested: boolean;
  resumeRequested: boolean;
  ingestStartedAtMs: number | undefined;
  bytesAtIngestStart: number;
  runs: number;
  tiflashReplicasDropped: number;
  recheck: { group: number; tables: string[] } | undefined;
  lastProgressPct: number;
  /** Holds the cluster dropped and the keeper re-applied at once, in this run (keeper-control.ts). */
  holdsReapplied?: HoldsReapplied;
}

export function initialRunState(req: RestoreRequest, cont: RestoreContinuation | undefined): RunState {
  return {
    phase: cont ? 'ingest' : 'validate',
    summary: cont?.summary,
    restoreTs: cont?.restoreTs ?? '',
    safepoint: cont?.safepoint,
    prepared: cont?.prepared ?? false,
    pipeline: {
      groupsCreated: cont?.groupsCreated ?? 0,
      groupsChecksummed: cont?.groupsChecksummed ?? 0,
      ...(cont?.checksummedAbove ? { checksummedAbove: new Set<number>(cont.checksummedAbove) } : {}),
      doneLow: cont?.doneLow ?? 0,
      doneAbove: new Set<number>(cont?.doneAbove ?? []),
    },
    tablesCreated: cont?.tablesCreated ?? 0,
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
}

/** The run has ended or is handing the cluster back: nothing can be changed or paused any more. */
/**
 * The progress percentage to publish as the `BrRestoreProgress` search attribute, or undefined when the last one
 * published still stands: every 5 % and the final 100 %, since each upsert is an event in the history.
 * Nothing to ingest (total 0) counts as done.
 */
export function progressMilestone(lastPct: number, bytesIngested: number, totalBytes: number): number | undefined {
  const pct = totalBytes > 0 ? Math.floor((bytesIngested * 100) / totalBytes) : 100;
  return pct >= lastPct + 5 || (pct === 100 && lastPct !== 100) ? pct : undefined;
}

export function isTerminal(st: RunState): boolean {
  return st.phase === 'done' || st.phase === 'failed' || st.phase === 'cancelled' || st.phase === 'compensating';
}

/** The progress query's answer; `nowMs` is workflow time. */
export function restoreProgress(st: RunState, req: RestoreRequest, nowMs: number, queuedBehind: string | undefined): RestoreProgress {
  const s = st.summary;
  const elapsedSec = st.ingestStartedAtMs !== undefined ? (nowMs - st.ingestStartedAtMs) / 1000 : 0;
  const rate = elapsedSec > 0 ? Math.round((st.bytesIngested - st.bytesAtIngestStart) / elapsedSec) : 0;
  const left = (s?.bytes ?? 0) - st.bytesIngested;
  return {
    phase: st.phase,
    paused: st.paused,
    tables: { created: st.tablesCreated, total: s?.tables ?? 0 },
    files: { ingested: st.filesIngested, total: s?.files ?? 0 },
    bytes: { ingested: st.bytesIngested, total: s?.bytes ?? 0 },
    batches: { done: batchesDone(st.pipeline), total: s?.batches ?? 0 },
    checksum: { passed: st.checksumPassed, failed: st.checksumMismatches.length, enabled: req.checksum, mismatches: st.checksumMismatches.slice(0, 20) },
    concurrency: st.concurrency,
    rateLimitBytesPerSec: st.rateLimitBytesPerSec,
    rateBytesPerSec: rate,
    etaSeconds: rate > 0 ? Math.ceil(left / rate) : undefined,
    runsSoFar: st.runs,
    ...(st.phase === 'queued' && queuedBehind ? { waitingFor: queuedBehind } : {}),
    ...(s?.skipped ? { skipped: s.skipped } : {}),
    ...(s?.views ? { views: s.views } : {}),
    ...(s?.sequences ? { sequences: s.sequences } : {}),
    ...(s?.placementPolicies ? { placementPolicies: s.placementPolicies } : {}),
    ...(st.holdsReapplied ? { holdsReapplied: st.holdsReapplied } : {}),
  };
}

/**
 * The next run's start (continue-as-new), in the same field order as before the split so the recorded
 * continuations stay byte-identical.
 */
export function continuationOf(
  st: RunState,
  extra: { undo: RestoreContinuation['undo']; clusterLock: string | undefined; expectIds: ReadonlyMap<number, string> },
): RestoreContinuation {
  const p = st.pipeline;
  return {
    summary: st.summary!,
    restoreTs: st.restoreTs,
    undo: extra.undo,
    safepoint: st.safepoint!,
    prepared: st.prepared,
    groupsCreated: p.groupsCreated,
    tablesCreated: st.tablesCreated,
    groupsChecksummed: p.groupsChecksummed,
    // Continuations of runs that checksummed in group order carry none.
    ...(p.checksummedAbove && p.checksummedAbove.size > 0 ? { checksummedAbove: [...p.checksummedAbove] } : {}),
    doneLow: p.doneLow,
    doneAbove: [...p.doneAbove],
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
    ...(extra.clusterLock ? { clusterLock: extra.clusterLock } : {}),
    // Groups not created yet keep the resume's ID check in the next run.
    ...(extra.expectIds.size > 0 ? { expectTableIds: Object.fromEntries([...extra.expectIds].map(([g, ids]) => [String(g), ids])) } : {}),
  };
}
