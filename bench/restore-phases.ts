import type { HistoryEvent } from './activity-spans';
import { eventMs } from './whole-restore';

/**
 * Where a whole restore spent its wall time, in three phases both sides of the overhead benchmark can mark:
 * - setup: start → the pipeline's first step (lock, plan, pre-checks, TSO, safepoint, databases, import mode…);
 * - pipeline: → the last pipeline step done (create tables, split, ingest, checksum);
 * - finish: → the result (views, system tables, handing the cluster back, releasing the lock).
 * The workflow's fixed costs (one task round trip per sequential step) show in setup and finish; its cost per
 * batch, and the Temporal server's CPU competing with the restore's own, in the pipeline.
 */
export interface RestorePhases {
  setupMs: number;
  pipelineMs: number;
  finishMs: number;
}

/** The activities of the create/split/ingest/checksum pipeline (src/workflows/restore-pipeline.ts). */
export const PIPELINE_ACTIVITIES: ReadonlySet<string> = new Set(['createTables', 'useExistingTables', 'splitAndScatter', 'ingestBatch', 'checksumGroup']);

/**
 * The phases of one workflow run from its history (the server's clock): started event → first pipeline
 * activity scheduled → last pipeline activity completed → the run's last event.
 */
export function workflowPhases(events: readonly HistoryEvent[]): RestorePhases {
  if (events.length === 0) throw new Error('an empty history has no phases');
  const type = new Map<string, string>();
  let first = Infinity;
  let last = -Infinity;
  for (const e of events) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s?.activityType?.name) {
      type.set(String(e.eventId), s.activityType.name);
      if (PIPELINE_ACTIVITIES.has(s.activityType.name)) first = Math.min(first, eventMs(e));
    }
    const c = e.activityTaskCompletedEventAttributes;
    if (c && PIPELINE_ACTIVITIES.has(type.get(String(c.scheduledEventId)) ?? '')) last = Math.max(last, eventMs(e));
  }
  if (!Number.isFinite(first) || !Number.isFinite(last)) throw new Error('the history holds no completed pipeline step');
  const start = eventMs(events[0]!);
  const end = eventMs(events[events.length - 1]!);
  return { setupMs: first - start, pipelineMs: last - first, finishMs: end - last };
}
