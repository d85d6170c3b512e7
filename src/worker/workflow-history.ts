import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { WorkflowHistorySource } from '../activities/earlier-run';

/** Deadline of one history read (describe, then every page of the history). */
export const HISTORY_READ_TIMEOUT_MS = 60_000;

/** Reads workflows' latest runs through a Temporal client: what readEarlierRun and the janitor look at. */
export function workflowHistorySource(client: Client): WorkflowHistorySource {
  return {
    async latestRun(workflowId) {
      return client.withDeadline(Date.now() + HISTORY_READ_TIMEOUT_MS, async () => {
        let d;
        try {
          d = await client.workflow.getHandle(workflowId).describe();
        } catch (e) {
          if (e instanceof WorkflowNotFoundError) return undefined;
          throw e;
        }
        const history = await client.workflow.getHandle(workflowId, d.runId).fetchHistory();
        return { runId: d.runId, status: d.status.name, events: history.events ?? [] };
      });
    },
    async list(query, limit) {
      return client.withDeadline(Date.now() + HISTORY_READ_TIMEOUT_MS, async () => {
        const out: { workflowId: string; runId: string; status: string }[] = [];
        for await (const w of client.workflow.list({ query, pageSize: Math.min(limit, 100) })) {
          out.push({ workflowId: w.workflowId, runId: w.runId, status: w.status.name });
          if (out.length >= limit) break;
        }
        return out;
      });
    },
    async runEvents(workflowId, runId) {
      return client.withDeadline(Date.now() + HISTORY_READ_TIMEOUT_MS, async () => (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? []);
    },
    async status(workflowId) {
      return client.withDeadline(Date.now() + HISTORY_READ_TIMEOUT_MS, async () => {
        try {
          return (await client.workflow.getHandle(workflowId).describe()).status.name;
        } catch (e) {
          if (e instanceof WorkflowNotFoundError) return undefined;
          throw e;
        }
      });
    },
    async requestLock(input) {
      await client.withDeadline(Date.now() + HISTORY_READ_TIMEOUT_MS, () =>
        client.workflow.signalWithStart('clusterLockWorkflow', {
          workflowId: input.lockId,
          taskQueue: input.taskQueue,
          args: [{ queue: [] }],
          signal: 'brflowLockRequest',
          signalArgs: [{ holder: input.holder, mode: input.mode }],
        }),
      );
    },
    async startInput(workflowId, runId) {
      return client.withDeadline(Date.now() + HISTORY_READ_TIMEOUT_MS, async () => {
        const r = await client.workflowService.getWorkflowExecutionHistory({ namespace: client.options.namespace, execution: { workflowId, runId }, maximumPageSize: 1 });
        const p = r.history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
        return p ? defaultPayloadConverter.fromPayload(p as Parameters<typeof defaultPayloadConverter.fromPayload>[0]) : undefined;
      });
    },
  };
}
