import type { temporal } from '@temporalio/proto';

/** How one activity type spent a restore: how many ran, their summed durations, first start to last end. */
export interface ActivitySpan {
  type: string;
  count: number;
  /** Sum over activities of scheduled → completed (what the activities cost, overlapping ones added up). */
  busyMs: number;
  /** First scheduled → last completed (how long the restore was in this step, wall clock). */
  spanMs: number;
}

export type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** A history event's time in ms since the epoch (server clock). */
export function eventMs(e: HistoryEvent): number {
  const t = e.eventTime;
  return Number(t?.seconds ?? 0) * 1000 + Math.round((t?.nanos ?? 0) / 1e6);
}

/**
 * Activity spans per type over the histories of every run of one restore, read from the history itself (the
 * server's timestamps), so a bench reports where a restore's time went without instrumenting brflow.
 */
export function activitySpans(runs: readonly (readonly HistoryEvent[])[]): ActivitySpan[] {
  const agg = new Map<string, { count: number; busyMs: number; first: number; last: number }>();
  for (const events of runs) {
    const scheduled = new Map<string, { type: string; at: number }>();
    for (const e of events) {
      const s = e.activityTaskScheduledEventAttributes;
      if (s?.activityType?.name) scheduled.set(String(e.eventId), { type: s.activityType.name, at: eventMs(e) });
      const c = e.activityTaskCompletedEventAttributes;
      const from = c ? scheduled.get(String(c.scheduledEventId)) : undefined;
      if (!from) continue;
      const end = eventMs(e);
      const a = agg.get(from.type) ?? { count: 0, busyMs: 0, first: from.at, last: end };
      a.count++;
      a.busyMs += end - from.at;
      a.first = Math.min(a.first, from.at);
      a.last = Math.max(a.last, end);
      agg.set(from.type, a);
    }
  }
  return [...agg].map(([type, a]) => ({ type, count: a.count, busyMs: a.busyMs, spanMs: a.last - a.first })).sort((x, y) => y.spanMs - x.spanMs);
}
