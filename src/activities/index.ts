import { clusterLockActivities } from './cluster-lock';
import { clusterModeActivities } from './cluster-mode';
import type { ActivityDeps } from './deps';
import { earlierRunActivities } from './earlier-run';
import { existingTablesActivities } from './existing-tables';
import { ingestActivities } from './ingest';
import { janitorActivities } from './janitor';
import { keeperActivities } from './keeper';
import { PlanCache } from './plan-cache';
import { planRestoreActivities } from './plan-restore';
import { safepointActivities } from './safepoint';
import { schemaActivities } from './schema';
import { verifyActivities } from './verify';

/**
 * Every restore activity, built over narrow deps: the single registration point for workers (and for tests,
 * which pass deps backed by the simulator). Workflows see only `import type` of this.
 */
export function createActivities(deps: ActivityDeps, plans = new PlanCache(deps.backup)) {
  return {
    ...planRestoreActivities(plans),
    ...safepointActivities(deps.pd, deps.schema, plans, deps.checksum),
    ...clusterModeActivities(deps.schedules, deps.stores),
    ...keeperActivities(deps.pd, deps.schedules, deps.stores),
    ...schemaActivities(deps.schema, plans, deps.pd),
    ...existingTablesActivities(deps.schema, plans),
    ...ingestActivities(deps.importer, deps.schema, plans),
    ...verifyActivities(deps.checksum, deps.schema, deps.pd, plans),
    ...earlierRunActivities(deps.history),
    ...janitorActivities(deps.history),
    ...clusterLockActivities(deps.history, deps.pd),
  };
}

export type RestoreActivities = ReturnType<typeof createActivities>;

export type { ActivityDeps } from './deps';
export { PlanCache } from './plan-cache';
