import { proxyActivities } from '@temporalio/workflow';
import type { RestoreActivities } from '../activities';
import { restoreActivityOptions } from './activity-options';
import type { ClusterLockClient } from './cluster-lock-client';
import type { KeeperControl } from './keeper-control';
import type { RunState } from './restore-state';
import type { Saga } from './saga';
import type { ClusterScope, RestorePhase, RestoreRequest, UndoRecord } from './types';

/** The activity proxies of one restore, one per named option set (src/workflows/activity-options.ts). */
export function restoreActivities(req: RestoreRequest, controlTaskQueue: string) {
  const o = restoreActivityOptions(req.timings, controlTaskQueue);
  return {
    planning: proxyActivities<RestoreActivities>(o.planning),
    pd: proxyActivities<RestoreActivities>(o.pdCall),
    resetTs: proxyActivities<RestoreActivities>(o.resetTs),
    schema: proxyActivities<RestoreActivities>(o.schema),
    split: proxyActivities<RestoreActivities>(o.split),
    ingest: proxyActivities<RestoreActivities>(o.ingest),
    verify: proxyActivities<RestoreActivities>(o.checksum),
    mode: proxyActivities<RestoreActivities>(o.clusterMode),
    undo: proxyActivities<RestoreActivities>(o.compensation),
    keeper: proxyActivities<RestoreActivities>(o.keeper),
    keeperTick: proxyActivities<RestoreActivities>(o.keeperTick),
  };
}

export type RestoreActivityProxies = ReturnType<typeof restoreActivities>;

/** What the phases of one restore run share (src/workflows/restore.ts builds it). */
export interface RestoreRun {
  req: RestoreRequest;
  acts: RestoreActivityProxies;
  /** Names the target cluster in every activity that touches it; empty = the worker's own cluster. */
  target: ClusterScope;
  st: RunState;
  saga: Saga;
  keeper: KeeperControl;
  lock: ClusterLockClient;
  /** resumeFrom: the table IDs the earlier restore created, by group; createTables refuses tables re-created since. */
  expectIds: Map<number, string>;
  /** Runs one undo record (the janitor uses the same step: src/workflows/undo-step.ts). */
  undo: (r: UndoRecord) => Promise<void>;
  setPhase: (p: RestorePhase) => void;
  reportProgress: () => void;
}
