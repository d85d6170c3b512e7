import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { RestoreActivities } from '../activities';
import { restoreActivityOptions, restoreLocalActivityOptions } from './activity-options';
import type { ClusterLockClient } from './cluster-lock-client';
import type { KeeperControl } from './keeper-control';
import type { RunState } from './restore-state';
import type { Saga } from './saga';
import type { ClusterScope, RestorePhase, RestoreRequest, UndoRecord } from './types';

/**
 * The activity proxies of one restore, one per named option set (src/workflows/activity-options.ts).
 *
 * `localSteps` (runs that took `brflow-fast-setup` but not `brflow-setup-steps-as-activities`, restore.ts says
 * why new runs do not): the setup steps that change nothing an undo record depends
 * on being durable first — the restore TS, reset TS, reading the scheduler snapshot — run as local activities,
 * inside the workflow's own task: no activity task round trip through the server for each (~10–15 ms apiece on
 * a quiet dev server). A crash mid-step replays it (each is idempotent); a local activity's result is durable
 * once the task that ran it completes, which happens before any step that changes the cluster is scheduled.
 * Steps that change the cluster stay activities: their scheduled event is what the janitor reads to know what a
 * terminated run owed. So do the undo steps: while one runs (retrying while PD is down, say), the workflow's
 * phase (`compensating`, `finalize`) is already visible in `brflow status`, which a local activity, holding
 * the task open, would delay.
 */
export function restoreActivities(req: RestoreRequest, controlTaskQueue: string, localSteps = false) {
  const o = restoreActivityOptions(req.timings, controlTaskQueue);
  const l = restoreLocalActivityOptions(req.timings);
  return {
    planning: proxyActivities<RestoreActivities>(o.planning),
    pd: proxyActivities<RestoreActivities>(o.pdCall),
    /** getRestoreTs. */
    tso: localSteps ? proxyLocalActivities<RestoreActivities>(l.pdCall) : proxyActivities<RestoreActivities>(o.pdCall),
    resetTs: localSteps ? proxyLocalActivities<RestoreActivities>(l.resetTs) : proxyActivities<RestoreActivities>(o.resetTs),
    schema: proxyActivities<RestoreActivities>(o.schema),
    split: proxyActivities<RestoreActivities>(o.split),
    ingest: proxyActivities<RestoreActivities>(o.ingest),
    verify: proxyActivities<RestoreActivities>(o.checksum),
    mode: proxyActivities<RestoreActivities>(o.clusterMode),
    /** registerGcSafepoint, applySchedules, enterImportMode, setRateLimit for runs that wait for them on cancel (clusterChanges). */
    pdChange: proxyActivities<RestoreActivities>(o.pdChange),
    modeChange: proxyActivities<RestoreActivities>(o.clusterModeChange),
    /** planSchedules: reads only; its snapshot (the undo record) is durable before applySchedules is scheduled. */
    schedulePlan: localSteps ? proxyLocalActivities<RestoreActivities>(l.clusterMode) : proxyActivities<RestoreActivities>(o.clusterMode),
    undo: proxyActivities<RestoreActivities>(o.compensation),
    keeper: proxyActivities<RestoreActivities>(o.keeper),
    keeperTick: proxyActivities<RestoreActivities>(o.keeperTick),
    keeperWatch: proxyActivities<RestoreActivities>(o.keeperWatch),
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
  /** `brflow-fast-setup`: the lock is asked for while the plan is made (restore.ts decides the local steps apart). */
  fastSetup: boolean;
  /** Runs one undo record (the janitor uses the same step: src/workflows/undo-step.ts). */
  undo: (r: UndoRecord) => Promise<void>;
  setPhase: (p: RestorePhase) => void;
  reportProgress: () => void;
}
