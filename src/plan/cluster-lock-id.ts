/**
 * The workflow ID of the lock of one target cluster: one restore at a time per cluster. A restore whose input
 * names no cluster targets its workers' own cluster, which the task queue stands for; a named one is keyed by
 * its PD endpoints (sorted, scheme-less). Pure.
 */
export function clusterLockId(taskQueue: string, cluster?: { pd: readonly string[] }): string {
  if (!cluster) return `brflow-lock-${taskQueue}`;
  const pd = cluster.pd.map((e) => e.replace(/^https?:\/\//i, '').replace(/\/+$/, '').toLowerCase()).sort();
  return `brflow-lock-pd-${pd.join(',')}`;
}
