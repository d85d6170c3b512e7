import type { RestorePlan } from '../plan/restore-plan';
import type { PlanSummary } from '../workflows/types';

/**
 * The restore plan (src/plan/restore-plan.ts) plus what the workflow's pipeline needs: table groups for
 * creation and, per group, which batches it unlocks and which batches must finish before its checksum.
 */
export interface RestorePlanView {
  plan: RestorePlan;
  /** Table indexes per create-tables group, in creation order. */
  groups: number[][];
  summary: Omit<PlanSummary, 'planRef'>;
}

export function viewOfPlan(plan: RestorePlan, tableGroupSize: number, meta: { clusterVersion: string; brVersion: string; isRawKv: boolean }): RestorePlanView {
  const groups: number[][] = [];
  for (let i = 0; i < plan.tables.length; i += tableGroupSize) {
    groups.push(plan.tables.slice(i, i + tableGroupSize).map((t) => t.index));
  }
  // Batches follow table order, so both indexes are prefixes: group g unlocks batches up to the end of its
  // last table's batches, and is fully ingested once those are done.
  const readyBatches: number[] = [];
  const groupBatchEnd: number[] = [];
  for (const g of groups) {
    const end = Math.max(readyBatches[readyBatches.length - 1] ?? 0, ...g.map((ti) => plan.tables[ti]!.batchEnd));
    readyBatches.push(end);
    groupBatchEnd.push(end);
  }
  const s = plan.summary;
  return {
    plan,
    groups,
    summary: {
      backup: {
        clusterId: plan.backup.clusterId,
        clusterVersion: meta.clusterVersion,
        brVersion: meta.brVersion,
        startVersion: plan.backup.startVersion,
        endVersion: plan.backup.endVersion,
        incremental: plan.backup.incremental,
        isRawKv: meta.isRawKv,
      },
      databases: s.databases,
      tables: s.tables,
      systemTables: plan.tables.filter((t) => t.db.startsWith('__TiDB_BR_Temporary_')).length,
      files: s.files,
      bytes: Number(s.bytes),
      kvs: Number(s.kvs),
      ddlJobs: s.ddlJobs,
      tableGroups: groups.length,
      batches: s.batches,
      readyBatches,
      groupBatchEnd,
      ...(s.skipped ? { skipped: s.skipped } : {}),
      ...(s.views ? { views: s.views } : {}),
      ...(s.sequences ? { sequences: s.sequences } : {}),
      ...(plan.placementPolicies ? { placementPolicies: plan.placementPolicies.length } : {}),
    },
  };
}
