import { Context, heartbeat } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/activity';
import { ErrorType } from '../plan/error-types';
import { rewriteRawKey, type RewriteRule } from '../plan/rewrite-rules';
import type { IngestResult, PlanRef } from '../workflows/types';
import type { DataImporter, SchemaControl } from './deps';
import type { PlanCache } from './plan-cache';
import type { PlannedBatch, RestorePlanView } from './plan-view';
import { resolveTable } from './table-rewrites';
import { typed } from './to-failure';

export interface BatchRef {
  planRef: PlanRef;
  batchNo: number;
}

function batchOf(plan: RestorePlanView, ref: BatchRef): PlannedBatch {
  const b = plan.batches[ref.batchNo];
  if (!b) throw ApplicationFailure.nonRetryable(`batch ${ref.batchNo} is not in plan ${ref.planRef.hash.slice(0, 12)}`, ErrorType.Internal);
  return b;
}

async function rulesFor(schema: SchemaControl, plan: RestorePlanView, batch: PlannedBatch) {
  const byTable = new Map<number, RewriteRule[]>();
  const rewrites = new Map<number, Awaited<ReturnType<typeof resolveTable>>['rewrite']>();
  for (const ti of batch.tables) {
    const { rewrite } = await resolveTable(schema, plan.tables[ti]!);
    byTable.set(ti, rewrite.rules);
    rewrites.set(ti, rewrite);
  }
  return { byTable, rewrites };
}

/** Split & scatter and download & ingest of one batch, addressed by reference (the file list stays out of history). */
export function ingestActivities(importer: DataImporter, schema: SchemaControl, plans: PlanCache) {
  return {
    /** Splits regions at the batch's rewritten file boundaries and scatters them (BR SplitRanges). */
    async splitAndScatter(ref: BatchRef): Promise<number> {
      return typed(async () => {
        const plan = await plans.load(ref.planRef);
        const batch = batchOf(plan, ref);
        const { rewrites } = await rulesFor(schema, plan, batch);
        const keys = new Set<string>();
        for (const { table, file } of batch.files) {
          const rw = rewrites.get(table)!;
          for (const k of [file.startKey, file.endKey]) {
            const nk = k ? rewriteRawKey(rw, k) : undefined;
            if (nk) keys.add(nk);
          }
        }
        const sorted = [...keys].sort();
        await importer.splitAndScatter(sorted);
        return sorted.length;
      });
    },

    /**
     * Downloads and ingests the batch's files in order. Heartbeats the index of the next file, and a retry
     * (after a crash or a worker restart) resumes there, so finished files are not ingested again, except
     * those done after the last heartbeat that reached the server (harmless: ingest is idempotent).
     * Cancellation is honoured between files, never mid-file, so compensation never overlaps an ingest.
     */
    async ingestBatch(input: BatchRef & { newTs: string; rateLimitBytesPerSec: number }): Promise<IngestResult> {
      return typed(async () => {
        const ctx = Context.current();
        let cancelled: unknown;
        ctx.cancelled.catch((e: unknown) => {
          cancelled = e;
        });
        const plan = await plans.load(input.planRef);
        const batch = batchOf(plan, input);
        const { byTable } = await rulesFor(schema, plan, batch);
        const resumedFrom = (ctx.info.heartbeatDetails as { next?: number } | undefined)?.next ?? 0;
        for (let i = resumedFrom; i < batch.files.length; i++) {
          if (cancelled) throw cancelled;
          const { table, file } = batch.files[i]!;
          await importer.importFile(file, byTable.get(table)!, {
            storageUrl: input.planRef.storage,
            newTs: BigInt(input.newTs),
            rateLimitBytesPerSec: input.rateLimitBytesPerSec,
          });
          heartbeat({ next: i + 1 });
        }
        let total = 0;
        for (const { file } of batch.files) total += Number(file.size || file.totalBytes);
        return { files: batch.files.length, bytes: total, resumedFrom };
      });
    },
  };
}
