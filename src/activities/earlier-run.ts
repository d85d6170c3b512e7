import { ApplicationFailure } from '@temporalio/activity';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { foldRunHistory, foldTableIds, type EarlierRun, type RunActivity, type RunHistory } from '../plan/earlier-run';
import { ErrorType } from '../plan/error-types';
import { typed } from './to-failure';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type Payload = temporal.api.common.v1.IPayload;

/** Workflows as Temporal holds them (src/worker/workflow-history.ts over a Client): histories and visibility. */
export interface WorkflowHistorySource {
  /** The run and its whole history (all pages); undefined when the namespace holds no such workflow. */
  latestRun(workflowId: string): Promise<{ runId: string; status: string; events: HistoryEvent[] } | undefined>;
  /** One run's whole history. */
  runEvents(workflowId: string, runId: string): Promise<HistoryEvent[]>;
  /** Executions matching a visibility query (at most `limit`), newest first. */
  list(query: string, limit: number): Promise<{ workflowId: string; runId: string; status: string }[]>;
  /** The first workflow argument of a run (one history page of one event, not the whole history). */
  startInput(workflowId: string, runId: string): Promise<unknown>;
  /** The latest run's status name; undefined when there is no such workflow. */
  status(workflowId: string): Promise<string | undefined>;
  /** Signal-with-start of a cluster's lock workflow (src/workflows/cluster-lock.ts) with a request. */
  requestLock(input: { lockId: string; taskQueue: string; holder: string; mode: 'wait' | 'fail' }): Promise<void>;
}

/**
 * Decodes one run's events into the two workflow arguments and its activity executions, in history order:
 * activities (scheduled event: type and input; started: attempt; closed: state and result) and local
 * activities (their marker, written when the workflow task that ran them completed: type, attempt, result or
 * failure; the marker records no input).
 */
export function decodeRunHistory(events: readonly HistoryEvent[]): RunHistory {
  const started = events[0]?.workflowExecutionStartedEventAttributes;
  const args = started?.input?.payloads ?? [];
  const byId = new Map<string, RunActivity>();
  const all: RunActivity[] = [];
  for (const e of events) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s) {
      const rec: RunActivity = { type: s.activityType?.name ?? '', state: 'open', input: decode(s.input?.payloads?.[0]) };
      byId.set(String(e.eventId), rec);
      all.push(rec);
      continue;
    }
    const local = localActivityOf(e);
    if (local) {
      all.push(local);
      continue;
    }
    const start = e.activityTaskStartedEventAttributes;
    if (start) {
      const rec = byId.get(String(start.scheduledEventId));
      if (rec && start.attempt) rec.attempt = start.attempt;
      continue;
    }
    const closed =
      (e.activityTaskCompletedEventAttributes && { state: 'completed' as const, a: e.activityTaskCompletedEventAttributes }) ||
      (e.activityTaskFailedEventAttributes && { state: 'failed' as const, a: e.activityTaskFailedEventAttributes }) ||
      (e.activityTaskTimedOutEventAttributes && { state: 'timedOut' as const, a: e.activityTaskTimedOutEventAttributes }) ||
      (e.activityTaskCanceledEventAttributes && { state: 'canceled' as const, a: e.activityTaskCanceledEventAttributes });
    if (!closed) continue;
    const rec = byId.get(String(closed.a.scheduledEventId));
    if (!rec) continue;
    rec.state = closed.state;
    if (closed.state === 'completed') rec.result = decode(e.activityTaskCompletedEventAttributes?.result?.payloads?.[0]);
  }
  return { input: decode(args[0]), continuation: decode(args[1]), activities: all };
}

/** The marker name Temporal's core SDK records a local activity's outcome under. */
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

/** A local activity's marker as a run activity; undefined for any other event. */
function localActivityOf(e: HistoryEvent): RunActivity | undefined {
  const m = e.markerRecordedEventAttributes;
  if (m?.markerName !== LOCAL_ACTIVITY_MARKER) return undefined;
  const data = decode(m.details?.data?.payloads?.[0]) as { activity_type?: unknown; attempt?: unknown } | undefined;
  return {
    type: typeof data?.activity_type === 'string' ? data.activity_type : '',
    state: m.failure ? 'failed' : 'completed',
    input: undefined,
    ...(typeof data?.attempt === 'number' ? { attempt: data.attempt } : {}),
    ...(m.failure ? {} : { result: decode(m.details?.result?.payloads?.[0]) }),
  };
}

function decode(p: Payload | null | undefined): unknown {
  if (!p) return undefined;
  return defaultPayloadConverter.fromPayload(p as Parameters<typeof defaultPayloadConverter.fromPayload>[0]);
}

/** Reading an earlier restore back from Temporal, for `resumeFrom` (never from a file on the worker). */
export function earlierRunActivities(history: WorkflowHistorySource | undefined) {
  return {
    /**
     * What the restore `workflowId` had finished when it ended: its chain's last run's continuation plus the
     * completions recorded after it (folded by src/plan/earlier-run.ts). Undefined when there is no such
     * workflow. Returns counts, a hash and range text, never lists of files.
     */
    async readEarlierRun(input: { workflowId: string }): Promise<EarlierRun | undefined> {
      return typed(async () => {
        if (!history) throw ApplicationFailure.nonRetryable('this worker has no Temporal client to read an earlier restore with; run it with `brflow worker`', ErrorType.Internal);
        const run = await history.latestRun(input.workflowId);
        if (!run) return undefined;
        const last = decodeRunHistory(run.events);
        // Table IDs come from every run of the chain (tables may be created before a continue-as-new): walk it
        // from the first run along each ContinuedAsNew event.
        const runs: RunHistory[] = [];
        let runId = run.events[0]?.workflowExecutionStartedEventAttributes?.firstExecutionRunId ?? run.runId;
        for (let i = 0; runId && runId !== run.runId && i < 10_000; i++) {
          const events = await history.runEvents(input.workflowId, runId);
          runs.push(decodeRunHistory(events));
          runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? '';
        }
        runs.push(last);
        const groupTableIds = foldTableIds(runs);
        return {
          workflowId: input.workflowId,
          runId: run.runId,
          status: run.status,
          ...foldRunHistory(last),
          ...(Object.keys(groupTableIds).length > 0 ? { groupTableIds } : {}),
        };
      });
    },
  };
}
