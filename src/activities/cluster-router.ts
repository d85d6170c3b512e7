import type { ClusterRef } from '../workflows/types';
import type { ActivityDeps } from './deps';
import type { WorkflowHistorySource } from './earlier-run';
import { createActivities, type RestoreActivities } from './index';
import type { PlanCache } from './plan-cache';
import { typed } from './to-failure';

/**
 * One activity's hold on the deps of a cluster: their connections stay open until `release` (which the router
 * calls once the activity has ended; a second call does nothing).
 */
export interface ClusterLease {
  deps: ActivityDeps;
  release(): void;
}

/**
 * Leases the deps of the named cluster (undefined = the worker's own); connections are the resolver's to cache,
 * and to close once no lease is open on them.
 */
export type ClusterResolver = (cluster: ClusterRef | undefined) => Promise<ClusterLease>;

// The activity names come from a set built over deps that must never be reached: building captures them only.
const unreachable = new Proxy({}, {
  get() {
    throw new Error('cluster-router: the name-only activity set was called');
  },
}) as never;
const NAME_ONLY_DEPS: ActivityDeps = { backup: unreachable, pd: unreachable, schedules: unreachable, stores: unreachable, importer: unreachable, schema: unreachable, checksum: unreachable };

/**
 * Activities that read only the backup or Temporal: they run without any cluster (a worker need not have one of
 * its own). Not requestClusterLock: the lock is the one of the cluster PD names (its cluster ID).
 */
const CLUSTER_FREE = new Set<keyof RestoreActivities>(['planRestore', 'readEarlierRun', 'findAbandonedRestores', 'workflowIsRunning']);

/**
 * The restore activities, each routed to the cluster its input names. The workflow puts `cluster` into the
 * first argument of every activity that touches the cluster (see ClusterScope); the router takes it out again,
 * so the activities themselves see exactly the inputs they always had and stay unaware of routing. One plan
 * cache serves every cluster: a plan depends on the backup only.
 */
export function routeActivitiesByCluster(resolve: ClusterResolver, plans: PlanCache, history?: WorkflowHistorySource): RestoreActivities {
  const perDeps = new WeakMap<ActivityDeps, RestoreActivities>();
  const setFor = (deps: ActivityDeps): RestoreActivities => {
    let set = perDeps.get(deps);
    if (!set) {
      // With the worker's Temporal client: the cluster lock is asked for over it.
      set = createActivities(history ? { ...deps, history } : deps, plans);
      perDeps.set(deps, set);
    }
    return set;
  };
  const clusterFree = createActivities({ ...NAME_ONLY_DEPS, ...(history ? { history } : {}) }, plans);
  const routed: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const name of Object.keys(clusterFree) as (keyof RestoreActivities)[]) {
    if (CLUSTER_FREE.has(name)) {
      routed[name] = clusterFree[name] as (...args: unknown[]) => Promise<unknown>;
      continue;
    }
    routed[name] = async (...args: unknown[]) => {
      const [first, ...rest] = args;
      const { cluster, input } = takeCluster(first);
      const lease = await typed(() => resolve(cluster));
      // Held for the whole activity (an ingest keeps its channels for minutes), released however it ends.
      try {
        const fn = setFor(lease.deps)[name] as (...a: unknown[]) => Promise<unknown>;
        return await fn(input, ...rest);
      } finally {
        lease.release();
      }
    };
  }
  return routed as unknown as RestoreActivities;
}

function takeCluster(first: unknown): { cluster: ClusterRef | undefined; input: unknown } {
  if (typeof first !== 'object' || first === null || !('cluster' in first)) return { cluster: undefined, input: first };
  const { cluster, ...input } = first as { cluster?: ClusterRef };
  return { cluster, input };
}
