import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';

/** The janitor Schedule of one task queue (one per queue: its workers serve the janitor's workflows). */
export function janitorScheduleId(taskQueue: string): string {
  return `brflow-janitor-${taskQueue}`;
}

/**
 * Creates the Schedule that runs janitorWorkflow every `everyMs` on `taskQueue`, or updates its interval when
 * it exists (every worker of the queue calls this at start). Overlapping runs are skipped; a run with nothing
 * to clean costs one visibility query.
 */
export async function ensureJanitorSchedule(client: Client, taskQueue: string, everyMs: number): Promise<'created' | 'updated'> {
  const scheduleId = janitorScheduleId(taskQueue);
  const spec = { intervals: [{ every: everyMs }] };
  try {
    await client.schedule.create({
      scheduleId,
      spec,
      action: { type: 'startWorkflow', workflowType: 'janitorWorkflow', taskQueue, workflowId: `${scheduleId}-run`, args: [{}], workflowExecutionTimeout: '1h' },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: everyMs },
    });
    return 'created';
  } catch (e) {
    if (!(e instanceof ScheduleAlreadyRunning)) throw e;
    await client.schedule.getHandle(scheduleId).update((prev) => ({ ...prev, spec }));
    return 'updated';
  }
}
