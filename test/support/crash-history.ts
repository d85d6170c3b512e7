import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { RestorePlan } from '../../src/plan/restore-plan';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** One activity execution as the workflow's history records it (all attempts of one schedule). */
export interface ActivityRecord {
  type: string;
  scheduledEventId: number;
  input: unknown;
  /** How it ended; 'open' while the history holds no close event yet (running, retrying or lost with a worker). */
  state: 'open' | 'completed' | 'failed' | 'timedOut' | 'canceled';
  result?: unknown;
  /** Attempt number of the attempt that closed it (the server writes ActivityTaskStarted only at the close). */
  closedAttempt?: number;
}

/** An activity the server considers running or waiting for a retry (describe → pendingActivities). */
export interface PendingActivity {
  type: string;
  /** True once a worker picked the current attempt up (PENDING_ACTIVITY_STATE_STARTED). */
  started: boolean;
  attempt: number;
  heartbeat: unknown;
}

/** What a crash test looks at to decide whether the restore reached a kill point. */
export interface RestoreObservation {
  activities: ActivityRecord[];
  pending: PendingActivity[];
  /** The workflow's BrRestorePhase search attribute. */
  phase: string | undefined;
  closed: boolean;
}

/** The default converter's JSON payload as a value (undefined for `binary/null` or no payload). */
export function decodePayload(p: { data?: Uint8Array | null } | null | undefined): unknown {
  return p?.data && p.data.length > 0 ? JSON.parse(Buffer.from(p.data).toString('utf8')) : undefined;
}

/** Activity executions of the current run, in schedule order. */
export function activityRecords(events: readonly HistoryEvent[]): ActivityRecord[] {
  const byId = new Map<number, ActivityRecord>();
  for (const e of events) {
    const id = Number(e.eventId);
    const s = e.activityTaskScheduledEventAttributes;
    if (s) {
      byId.set(id, { type: s.activityType?.name ?? '', scheduledEventId: id, input: decodePayload(s.input?.payloads?.[0]), state: 'open' });
      continue;
    }
    const started = e.activityTaskStartedEventAttributes;
    if (started) {
      const rec = byId.get(Number(started.scheduledEventId));
      if (rec) rec.closedAttempt = started.attempt ?? undefined;
      continue;
    }
    const close =
      (e.activityTaskCompletedEventAttributes && { state: 'completed' as const, a: e.activityTaskCompletedEventAttributes }) ||
      (e.activityTaskFailedEventAttributes && { state: 'failed' as const, a: e.activityTaskFailedEventAttributes }) ||
      (e.activityTaskTimedOutEventAttributes && { state: 'timedOut' as const, a: e.activityTaskTimedOutEventAttributes }) ||
      (e.activityTaskCanceledEventAttributes && { state: 'canceled' as const, a: e.activityTaskCanceledEventAttributes });
    if (!close) continue;
    const rec = byId.get(Number(close.a.scheduledEventId));
    if (!rec) continue;
    rec.state = close.state;
    if (close.state === 'completed') rec.result = decodePayload(e.activityTaskCompletedEventAttributes?.result?.payloads?.[0]);
  }
  return [...byId.values()];
}

/** History, pending activities and phase of a restore, read through the public client API. */
export async function observeRestore(handle: WorkflowHandle): Promise<RestoreObservation> {
  const [history, d] = await Promise.all([handle.fetchHistory(), handle.describe()]);
  const pending = (d.raw.pendingActivities ?? []).map((p) => ({
    type: p.activityType?.name ?? '',
    started: p.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED,
    attempt: p.attempt ?? 0,
    heartbeat: decodePayload(p.heartbeatDetails?.payloads?.[0]),
  }));
  const phase = d.searchAttributes.BrRestorePhase;
  return {
    activities: activityRecords(history.events ?? []),
    pending,
    phase: Array.isArray(phase) ? String(phase[0]) : undefined,
    closed: d.status.name !== 'RUNNING',
  };
}

/** Batch numbers whose ingestBatch completion is recorded in history. */
export function completedBatches(o: Pick<RestoreObservation, 'activities'>): number[] {
  return o.activities
    .filter((a) => a.type === 'ingestBatch' && a.state === 'completed')
    .map((a) => (a.input as { batchNo: number }).batchNo)
    .sort((x, y) => x - y);
}

/** The records of one activity type. */
export function recordsOf(o: Pick<RestoreObservation, 'activities'>, type: string): ActivityRecord[] {
  return o.activities.filter((a) => a.type === type);
}

/** Files of one batch, by the plan the workers use. */
export function batchFiles(plan: RestorePlan, batchNo: number, fromRange = 0, toRange?: number): string[] {
  const b = plan.batches[batchNo]!;
  return plan.ranges.slice(b.rangeStart + fromRange, toRange === undefined ? b.rangeEnd : b.rangeStart + toRange).flatMap((r) => r.files.map((f) => f.name));
}
