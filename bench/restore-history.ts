import type { Client, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { restoreWorkflow } from '../src/workflows/restore';
import type { HistoryEvent } from './activity-spans';

type RestoreHandle = WorkflowHandleWithFirstExecutionRunId<typeof restoreWorkflow>;

/**
 * Hands each run's history of one restore to `visit`, first run first (continue-as-new followed). One run's
 * events at a time, so a bench that only counts (10,000-table scale) never holds every run's history at once.
 */
export async function forEachRestoreRun(client: Client, handle: RestoreHandle, visit: (events: HistoryEvent[]) => void): Promise<void> {
  let runId: string | undefined = handle.firstExecutionRunId;
  while (runId) {
    const events: HistoryEvent[] = (await client.workflow.getHandle(handle.workflowId, runId).fetchHistory()).events ?? [];
    visit(events);
    runId = events[events.length - 1]?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
}

/** Every run's history of one restore, first run first (continue-as-new followed). */
export async function restoreHistories(client: Client, handle: RestoreHandle): Promise<HistoryEvent[][]> {
  const runs: HistoryEvent[][] = [];
  await forEachRestoreRun(client, handle, (events) => runs.push(events));
  return runs;
}

/** Runs a bench's teardown steps last-registered first, each one's failure ignored so the rest still run. */
export async function stopInReverse(stops: (() => Promise<unknown>)[]): Promise<void> {
  for (const s of stops.reverse()) await s().catch(() => undefined);
}
