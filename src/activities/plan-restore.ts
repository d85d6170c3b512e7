import { heartbeat, log } from '@temporalio/activity';
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
        // Names go to the worker log only; history carries the counts (summary.skipped).
        const skip = new Set(view.plan.skip ?? []);
        for (const t of view.plan.tables) {
          const left = (t.objects ?? []).filter((o) => skip.has(o.kind));
          if (left.length > 0) log.warn('table restored without objects the input skips', { table: `${t.db}.${t.name}`, objects: left.map((o) => o.name) });
        }
        return { planRef: { ...input, hash: view.plan.hash }, ...view.summary };
      });
    },
  };
}
