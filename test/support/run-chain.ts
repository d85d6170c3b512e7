import type { Client, WorkflowHandle } from '@temporalio/client';

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;

/**
 * The event count of each run of a continue-as-new chain, first run first. Temporal hands out only the first
 * run's ID; every later run is named by the ContinuedAsNew event that ends the run before it.
 */
export async function runHistoryLengths(client: Client, handle: { workflowId: string; firstExecutionRunId: string }): Promise<number[]> {
  const lengths: number[] = [];
  let runId: string | undefined = handle.firstExecutionRunId;
  while (runId) {
    const history: History = await client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
    const events = history.events ?? [];
    lengths.push(events.length);
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return lengths;
}
