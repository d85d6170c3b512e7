import { heartbeat } from '@temporalio/activity';
import type { PlanRef, PlanSummary } from '../workflows/types';
import type { PlanCache } from './plan-cache';
import { typed } from './to-failure';

export interface PlanRestoreInput {
  storage: string;
  filters: string[];
  batchFiles: number;
  tableGroupSize: number;
}

/** Reads the backup, plans the restore and returns only counts and a reference (the plan stays out of history). */
export function planRestoreActivities(plans: PlanCache) {
  return {
    async planRestore(input: PlanRestoreInput): Promise<PlanSummary> {
      return typed(async () => {
        heartbeat('reading backup');
        const { view, hash } = await plans.build(input.storage, input);
        const planRef: PlanRef = { storage: input.storage, filters: input.filters, batchFiles: input.batchFiles, tableGroupSize: input.tableGroupSize, hash };
        return { planRef, ...view.summary };
      });
    },
  };
}
