/**
 * The control task queue of a restore's task queue: keeper and compensation activities poll it, so a full
 * data queue (ingest) can never starve them. Workflow code and worker hosts name it through this one function.
 */
export function controlTaskQueueOf(taskQueue: string): string {
  return `${taskQueue}-control`;
}
