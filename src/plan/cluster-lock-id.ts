/**
 * The lock of the cluster whose PD reports `clusterId`: one lock per cluster however its PD is spelled (names,
 * IPs, a subset of the members) and whether a restore names it or targets a worker's own cluster. Pure.
 */
export function clusterIdLockId(clusterId: bigint): string {
  return `brflow-lock-cluster-${clusterId.toString()}`;
}

/**
 * The workflow ID of the lock of one target cluster, as restores recorded before the lock was keyed by PD's
 * cluster ID (and the fallback when PD reports none): one restore at a time per cluster. A restore whose input
 * names no cluster targets its workers' own cluster, which the task queue stands for; a named one is keyed by
 * its PD endpoints (sorted, scheme-less). Pure.
 */
export function clusterLockId(taskQueue: string, cluster?: { pd: readonly string[] }): string {
  if (!cluster) return `brflow-lock-${taskQueue}`;
  const pd = cluster.pd.map((e) => e.replace(/^https?:\/\//i, '').replace(/\/+$/, '').toLowerCase()).sort();
  return `brflow-lock-pd-${pd.join(',')}`;
}
