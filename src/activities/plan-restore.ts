import { heartbeat } from '@temporalio/activity';
import type { PlanSummary } from '../workflows/types';
import type { PlanCache, PlanInputs } from './plan-cache';
import { withLivenessHeartbeat } from './liveness-heartbeat';
import { typed } from './to-failure';

/** Reads the backup, plans the restore and returns only counts and a reference (the plan stays out of history). */
export function planRestoreActivities(plans: PlanCache) {
  return {
    async planRestore(input: PlanInputs): Promise<PlanSummary> {
      return typed(async () => {
        heartbeat('reading backup');
        const view = await withLivenessHeartbeat(() => plans.build(input));
        return { planRef: { ...input, hash: view.plan.hash }, ...view.summary };
      });
    },
  };
}
