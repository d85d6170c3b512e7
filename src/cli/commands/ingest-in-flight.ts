import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { IngestHeartbeat } from '../../activities/ingest';
import type { WaitingOn } from '../../cluster/import-files';
import type { RestoreContinuation, RestoreProgress } from '../../workflows/types';

/**
 * What ingest activities have put into the cluster that the workflow's own counters do not show yet: the
 * workflow counts a batch once its activity completed, but each range of a batch reaches the cluster when it
 * finishes, and ingestBatch heartbeats them ({@link IngestHeartbeat}). Read from Temporal, not from the
 * workflow, so `brflow status` reports what reached the cluster without changing the workflow's commands.
 */
export interface IngestInFlight {
  /** Ingest activities not completed that finished some ranges or are running. */
  batches: number;
  files: number;
  bytes: number;
  /** What running imports wait on (a store down, PD without a leader). */
  waiting: Array<WaitingOn & { batchNo?: number }>;
}

const INGEST = 'ingestBatch';

function decode<T>(payloads: temporal.api.common.v1.IPayloads | null | undefined): T | undefined {
  const p = payloads?.payloads?.[0];
  if (!p) return undefined;
  try {
    return defaultPayloadConverter.fromPayload<T>(p as Parameters<typeof defaultPayloadConverter.fromPayload>[0]);
  } catch {
    return undefined;
  }
}

const empty = (): IngestInFlight => ({ batches: 0, files: 0, bytes: 0, waiting: [] });

function add(into: IngestInFlight, h: IngestHeartbeat | undefined): void {
  into.batches++;
  into.files += h?.files ?? 0;
  into.bytes += h?.bytes ?? 0;
  if (h?.waiting) into.waiting.push({ ...h.waiting, ...(h.batchNo !== undefined ? { batchNo: h.batchNo } : {}) });
}

/** The running ingest activities of a restore, from describe(): their last heartbeat each (and split waits). */
export function pendingIngest(d: WorkflowExecutionDescription): IngestInFlight {
  const out = empty();
  for (const a of d.raw.pendingActivities ?? []) {
    const name = a.activityType?.name;
    if (name === INGEST) add(out, decode<IngestHeartbeat>(a.heartbeatDetails));
    // Split & scatter beats only what it waits on.
    const w = name === 'splitAndScatter' ? decode<Pick<IngestHeartbeat, 'batchNo' | 'waiting'>>(a.heartbeatDetails) : undefined;
    if (w?.waiting) out.waiting.push({ ...w.waiting, ...(w.batchNo !== undefined ? { batchNo: w.batchNo } : {}) });
  }
  return out;
}

/**
 * For a restore that no longer runs, what its last run's history proves reached the cluster: the files and
 * bytes carried over from earlier runs (the continuation), every completed ingest's result, and the last
 * heartbeat of every ingest that ended otherwise (cancelled, failed, timed out) or was still pending at the close.
 */
export async function ingestedByHistory(client: Client, d: WorkflowExecutionDescription): Promise<{ files: number; bytes: number; unfinished: IngestInFlight }> {
  const history = await client.workflow.getHandle(d.workflowId, d.runId).fetchHistory();
  let files = 0;
  let bytes = 0;
  const unfinished = empty();
  const ingests = new Set<string>();
  const settled = new Set<string>();
  for (const e of history.events ?? []) {
    const started = e.workflowExecutionStartedEventAttributes;
    if (started) {
      const cont = started.input?.payloads?.[1] ? decode<RestoreContinuation>({ payloads: [started.input.payloads[1]] }) : undefined;
      files += cont?.filesIngested ?? 0;
      bytes += cont?.bytesIngested ?? 0;
    }
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === INGEST) ingests.add(String(e.eventId));
    const done = e.activityTaskCompletedEventAttributes;
    if (done && ingests.has(String(done.scheduledEventId))) {
      settled.add(String(done.scheduledEventId));
      const r = decode<{ files?: number; bytes?: number }>(done.result);
      files += r?.files ?? 0;
      bytes += r?.bytes ?? 0;
    }
    const cancelled = e.activityTaskCanceledEventAttributes;
    if (cancelled && ingests.has(String(cancelled.scheduledEventId))) {
      settled.add(String(cancelled.scheduledEventId));
      add(unfinished, decode<IngestHeartbeat>(cancelled.details));
    }
    const failed = e.activityTaskFailedEventAttributes;
    if (failed && ingests.has(String(failed.scheduledEventId))) {
      settled.add(String(failed.scheduledEventId));
      // ingestBatch's failure carries its last details (its ranges finished before the failure).
      add(unfinished, decode<IngestHeartbeat>(failed.failure?.applicationFailureInfo?.details));
    }
    const timedOut = e.activityTaskTimedOutEventAttributes;
    if (timedOut && ingests.has(String(timedOut.scheduledEventId))) {
      settled.add(String(timedOut.scheduledEventId));
      add(unfinished, decode<IngestHeartbeat>(timedOut.failure?.timeoutFailureInfo?.lastHeartbeatDetails));
    }
  }
  // A terminated run leaves its activities pending: their last heartbeats are still in describe().
  const pending = pendingIngest(d);
  unfinished.batches += pending.batches;
  unfinished.files += pending.files;
  unfinished.bytes += pending.bytes;
  unfinished.waiting = [];
  return { files: files + unfinished.files, bytes: bytes + unfinished.bytes, unfinished };
}

/** The progress with what reached the cluster counted: never below what the workflow itself reported. */
export function withIngested(p: RestoreProgress, files: number, bytes: number): RestoreProgress {
  return {
    ...p,
    files: { ...p.files, ingested: Math.max(p.files.ingested, Math.min(files, p.files.total || files)) },
    bytes: { ...p.bytes, ingested: Math.max(p.bytes.ingested, Math.min(bytes, p.bytes.total || bytes)) },
  };
}

/** "waiting for store 2 at 127.0.0.1:20161 since 2026-…Z (batch 3: reason)" */
export function renderWaiting(w: WaitingOn & { batchNo?: number }): string {
  const who = w.storeId !== undefined ? `store ${w.storeId} at ${w.address}` : w.address;
  return `waiting for ${who} since ${new Date(w.sinceMs).toISOString()} (${w.batchNo !== undefined ? `batch ${w.batchNo}: ` : ''}${w.reason})`;
}
