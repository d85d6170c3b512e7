import { ApplicationFailure, CancelledFailure, Context, heartbeat } from '@temporalio/activity';
import type { WaitingOn } from '../cluster/import-files';
import { ErrorType } from '../plan/error-types';
import { batchTables, type ImportBatch } from '../plan/batches';
import { rewriteBatch, type RestorePlan } from '../plan/restore-plan';
import type { TableRewrite } from '../plan/rewrite-rules';
import { DEFAULT_REQUEST } from '../workflows/normalize-request';
import type { IngestResult, PlanRef } from '../workflows/types';
import type { DataImporter, SchemaControl } from './deps';
import type { PlanCache } from './plan-cache';
import { runRangeLanes } from './range-lanes';
import { ingestCounters } from './restore-metrics';
import { resolveTable } from './table-rewrites';
import { beatThrottle } from './beat-throttle';
import { withLivenessHeartbeat } from './liveness-heartbeat';
import { toFailure, typed } from './to-failure';

export interface BatchRef {
  planRef: PlanRef;
  batchNo: number;
}

/**
 * ingestBatch's heartbeat details, which `brflow status` reads from the pending activity (or, for a closed
 * run, from the history's cancel/timeout events): `next` is the finished prefix a retry resumes from; files
 * and bytes count every range finished so far (what reached the cluster), of `ranges` in the batch; `waiting`
 * names the component the import retries on while it does not answer.
 */
export interface IngestHeartbeat {
  next: number;
  /** Ranges finished past `next` (out of order), which a retry skips too; absent when none. */
  above?: number[];
  /**
   * Ranges in flight that are partly done: range index → the importer's checkpoint (how far it got), which a
   * retry passes back so a crash redoes about a group of files (import-files.ts FILES_PER_INGEST) of each
   * range in flight, not the whole range.
   */
  partial?: Record<string, string>;
  batchNo?: number;
  ranges?: number;
  files?: number;
  bytes?: number;
  waiting?: WaitingOn;
}

function batchOf(plan: RestorePlan, ref: BatchRef) {
  const b = plan.batches[ref.batchNo];
  if (!b) throw ApplicationFailure.nonRetryable(`batch ${ref.batchNo} is not in plan ${ref.planRef.hash}`, ErrorType.Internal);
  return b;
}

/** The rewrite of every table whose ranges the batch holds, learned from TiDB (the tables exist by now). */
async function rewritesOf(schema: SchemaControl, plan: RestorePlan, batch: ImportBatch): Promise<Map<number, TableRewrite>> {
  const out = new Map<number, TableRewrite>();
  for (const ti of batchTables(batch)) out.set(ti, (await resolveTable(schema, plan.tables[ti]!)).rewrite);
  return out;
}

/**
 * The table rewrites a batch's splitAndScatter read from TiDB, handed to the same run's ingestBatch of that batch
 * on this worker, which takes them once (a retry, or an ingest on another worker, reads TiDB again).
 *
 * Why: both activities read every table of their batch through TiDB's status API and rebuilt its rules: in a
 * restore of many small tables those reads and rebuilds were ~5 % of the worker's CPU, half of it repeating
 * what the split had learned seconds earlier. BR resolves its table IDs once, after creating the tables, for the
 * whole restore; brflow keeps reading them per batch (no ID map in history), so this only skips the second read
 * of a pair. Keyed by workflow run as well as plan and batch: another restore of the same backup (same plan
 * hash) after its tables were dropped and created again must never see the old IDs.
 */
export class SplitRewrites {
  private readonly byBatch = new Map<string, Map<number, TableRewrite>>();

  /** @param maxBatches batches kept at most (oldest dropped first): splits run ahead of ingests by a few waves. */
  constructor(private readonly maxBatches = 256) {}

  put(key: string, rewrites: Map<number, TableRewrite>): void {
    this.byBatch.delete(key);
    this.byBatch.set(key, rewrites);
    while (this.byBatch.size > this.maxBatches) this.byBatch.delete(this.byBatch.keys().next().value as string);
  }

  /** The rewrites put under `key`, removed: each hand-over serves one ingest attempt. */
  take(key: string): Map<number, TableRewrite> | undefined {
    const found = this.byBatch.get(key);
    this.byBatch.delete(key);
    return found;
  }

  get size(): number {
    return this.byBatch.size;
  }
}

/** The hand-over key of a batch in the current activity's workflow run; none outside a workflow (no hand-over). */
function splitRewritesKey(ref: BatchRef): string | undefined {
  const run = Context.current().info.workflowExecution;
  return run ? `${run.workflowId}/${run.runId}/${ref.planRef.hash}/${ref.batchNo}` : undefined;
}

/** Split & scatter and download & ingest of one batch, addressed by reference (the file list stays out of history). */
export function ingestActivities(importer: DataImporter, schema: SchemaControl, plans: PlanCache, handover = new SplitRewrites()) {
  return {
    /** Splits regions at the batch's rewritten range boundaries and scatters them (BR SplitRanges). */
    async splitAndScatter(ref: BatchRef): Promise<number> {
      // What the split loop waits on, beaten with the liveness heartbeat for `brflow status` (not resumed from).
      let waiting: WaitingOn | undefined;
      const onWaiting = (w: WaitingOn | undefined): void => {
        if (w) Context.current().log.warn(`waiting for ${w.address} since ${new Date(w.sinceMs).toISOString()}`, { batchNo: ref.batchNo, reason: w.reason });
        waiting = w;
        heartbeat({ batchNo: ref.batchNo, ...(w ? { waiting: w } : {}) });
      };
      return typed(() => withLivenessHeartbeat(async () => {
        const { plan } = await plans.load(ref.planRef);
        const batch = batchOf(plan, ref);
        const rewrites = await rewritesOf(schema, plan, batch);
        const { splitKeys } = rewriteBatch(plan, ref.batchNo, rewrites);
        await importer.splitAndScatter(splitKeys, { onWaiting });
        const key = splitRewritesKey(ref);
        if (key) handover.put(key, rewrites);
        return splitKeys.length;
      }, () => ({ batchNo: ref.batchNo, ...(waiting ? { waiting } : {}) })));
    },

    /**
     * Downloads and ingests the batch's ranges, rangesInFlight at a time. Heartbeats `next`: every range
     * before it is done (the finished prefix), `above` (finished past it) and `partial` (how far each range in
     * flight got, a group of files at a time); a retry (after a crash or a worker restart) skips all of it, so only what
     * was ingested after the last heartbeat that reached the server is ingested again (harmless: ingest is
     * idempotent). Cancellation and failure stop new ranges from
     * starting and wait for those in flight, never abandoning one mid-range, so compensation never overlaps
     * an ingest.
     */
    async ingestBatch(input: BatchRef & { newTs: string; rangesInFlight?: number }): Promise<IngestResult> {
      return typed(async () => {
        const ctx = Context.current();
        let cancelled: unknown;
        ctx.cancelled.catch((e: unknown) => {
          cancelled = e;
        });
        const { plan } = await plans.load(input.planRef);
        const batch = batchOf(plan, input);
        const key = splitRewritesKey(input);
        const rewrites = (key ? handover.take(key) : undefined) ?? await rewritesOf(schema, plan, batch);
        const ranges = plan.ranges.slice(batch.rangeStart, batch.rangeEnd);
        // Read on this worker for this activity only: the key travels to TiKV on the wire, never into history.
        const cipher = ranges.some((r) => r.files.some((f) => f.cipherIv)) ? await plans.cipherOf(input.planRef) : undefined;
        const earlier = ctx.info.heartbeatDetails as Partial<IngestHeartbeat> | undefined;
        const resumedFrom = earlier?.next ?? 0;
        let next = resumedFrom;
        // Finished past the prefix: kept (and skipped) until the prefix passes them.
        const above = new Set<number>((earlier?.above ?? []).filter((i) => i >= resumedFrom && i < ranges.length));
        // Checkpoints of the ranges in flight (only those still to do are kept).
        const partial = new Map<number, string>();
        for (const [k, v] of Object.entries(earlier?.partial ?? {})) {
          const i = Number(k);
          if (Number.isInteger(i) && i >= resumedFrom && i < ranges.length && !above.has(i) && typeof v === 'string') partial.set(i, v);
        }
        // Every range finished so far, the resumed ones included: what reached the cluster.
        let files = 0;
        let bytes = 0;
        for (const [i, r] of ranges.entries()) {
          if (i >= resumedFrom && !above.has(i)) continue;
          files += r.files.length;
          bytes += Number(r.totalBytes);
        }
        // What each range in flight waits on; the oldest wait is reported.
        const waits = new Map<number, WaitingOn>();
        const details = (): IngestHeartbeat => {
          const waiting = [...waits.values()].sort((a, b) => a.sinceMs - b.sinceMs)[0];
          return {
            next,
            ...(above.size > 0 ? { above: [...above] } : {}),
            ...(partial.size > 0 ? { partial: Object.fromEntries(partial) } : {}),
            batchNo: input.batchNo, ranges: ranges.length, files, bytes, ...(waiting ? { waiting } : {}) };
        };
        // One range alone can outlast the heartbeat timeout (slow or rate-limited downloads): beat on a timer
        // too, naming the range in progress as still to do, so a healthy ingest is not taken for a dead worker.
        const timeoutMs = ctx.info.heartbeatTimeoutMs;
        const timer = timeoutMs ? setInterval(() => heartbeat(details()), Math.max(200, Math.floor(timeoutMs / 3))) : undefined;
        // Progress and wait changes beat through a throttle at the core's own interval (see beat-throttle.ts).
        const beats = beatThrottle(() => heartbeat(details()));
        const counters = ingestCounters();
        // Rules, key encodings and the region scan are shared by the batch's ranges (one PD scan, not one per range).
        const opened = await importer.openBatch(
          ranges.map((r) => ({ files: r.files, rules: rewrites.get(r.table)!.rules })),
          { storageUrl: input.planRef.storage, newTs: BigInt(input.newTs), ...(cipher ? { cipher } : {}) },
        );
        try {
          await runRangeLanes({
            from: resumedFrom,
            count: ranges.length,
            skip: new Set(above),
            // Absent in inputs recorded before it existed: those restores get today's default.
            inFlight: input.rangesInFlight ?? DEFAULT_REQUEST.rangesInFlight,
            work: async (i) => {
              const range = ranges[i]!;
              const onWaiting = (w: WaitingOn | undefined): void => {
                if (w) {
                  waits.set(i, w);
                  ctx.log.warn(`waiting for ${w.storeId !== undefined ? `store ${w.storeId} at ` : ''}${w.address} since ${new Date(w.sinceMs).toISOString()}`, { batchNo: input.batchNo, range: i, reason: w.reason });
                } else if (waits.delete(i)) {
                  ctx.log.info('the import goes on: what it waited for answers again', { batchNo: input.batchNo, range: i });
                }
                beats.beat();
              };
              try {
                const resumeFrom = partial.get(i);
                // Each checkpoint is beaten (within the throttle's 20 ms, sending the latest): a worker lost now
                // costs its retry what was ingested since the last beat that got through, not whole ranges.
                const onProgress = (checkpoint: string): void => {
                  partial.set(i, checkpoint);
                  beats.beat();
                };
                await opened.importRange(i, { onWaiting, onProgress, ...(resumeFrom !== undefined ? { resumeFrom } : {}) });
              } finally {
                waits.delete(i);
              }
              partial.delete(i);
              files += range.files.length;
              bytes += Number(range.totalBytes);
              counters.rangeDone(range.files.length, Number(range.totalBytes));
              above.add(i);
              // A range finished behind one still running moves no prefix (onPrefix does not beat): beat it
              // now, else until the next beat its checkpoint is gone from `partial` and not yet in `above`
              // as the server knows it, and a worker lost meanwhile redoes its last group.
              beats.beat();
            },
            onPrefix: (n) => {
              next = n;
              for (const i of above) if (i < n) above.delete(i);
              beats.beat();
            },
            stopped: () => cancelled !== undefined,
          });
        } catch (e) {
          // The failure carries the last details too: a run that fails on this batch still shows, in its
          // history, the ranges that reached the cluster (a failed attempt's heartbeat is not recorded).
          const f = toFailure(e);
          if (f instanceof ApplicationFailure && !f.details?.length) {
            throw ApplicationFailure.create({ message: f.message, ...(f.type ? { type: f.type } : {}), nonRetryable: f.nonRetryable === true, details: [details()], ...(f.cause ? { cause: f.cause } : {}) });
          }
          throw f;
        } finally {
          clearInterval(timer);
          beats.stop();
        }
        // Cancelled after the last range finished: the batch is done, report it so (its completion is recorded).
        // The details go with it: the history's cancel event then says what reached the cluster.
        if (cancelled && next < ranges.length) throw new CancelledFailure(cancelled instanceof Error ? cancelled.message : 'cancelled', [details()]);
        return { files: batch.files, bytes: Number(batch.bytes), resumedFrom };
      });
    },
  };
}
