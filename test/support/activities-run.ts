import type { temporal } from '@temporalio/proto';
import { decodeRunHistory } from '../../src/activities/earlier-run';
import type { RunActivity } from '../../src/plan/earlier-run';

/**
 * Every activity a run ran, in history order, as the production decoder reads it (src/activities/earlier-run.ts):
 * activities and local activities alike (a step may be either, `brflow-fast-setup`).
 */
export function activitiesRun(events: readonly temporal.api.history.v1.IHistoryEvent[]): RunActivity[] {
  return decodeRunHistory(events as Parameters<typeof decodeRunHistory>[0]).activities;
}

/** The types of every activity a run ran, in history order. */
export function activityTypesRun(events: readonly temporal.api.history.v1.IHistoryEvent[]): string[] {
  return activitiesRun(events).map((a) => a.type);
}
