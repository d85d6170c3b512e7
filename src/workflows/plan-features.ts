import type { PlanRef } from './types';

/**
 * How a new restore plans: every planning behaviour added since the first release, each a flag because a PlanRef
 * recorded before it lacks it and must plan (and hash) as it did then. The workflow's planRestore input carries
 * these; whatever else plans a restore the way the workflow does (bench/direct-restore.ts, the benches) spreads
 * the same object, so a new flag reaches all of them at once.
 */
export const CURRENT_PLAN_FEATURES = {
  // Foreign keys, CHECKs and TTL recreated, placement refused unless skipped.
  schemaObjects: true,
  // Every placement policy of the backup, as BR's full restore.
  allPolicies: true,
  // Partition expressions written so TiDB stores the backup's text again.
  partitionTextAsStored: true,
  // Index IDs pinned by placeholder indexes.
  pinIndexIds: true,
  // Vector indexes refused by UnsupportedObject unless skipped (before: the table was UnsupportedTable).
  vectorIndexObjects: true,
  // Small tables share batches (within their create-tables group) instead of one batch each.
  batchAcrossTables: true,
  // Auto ID bases set by each CREATE TABLE, not by an ALTER job per table (plan/auto-ids.ts).
  autoIdsInCreate: true,
} as const satisfies Partial<PlanRef>;

export type PlanFeature = keyof typeof CURRENT_PLAN_FEATURES;

/**
 * The planning features a recorded PlanRef was made with (its flags among CURRENT_PLAN_FEATURES). A resumed
 * restore plans with these instead of today's: a restore recorded by an earlier brflow then plans as it did
 * (same plan, same hash) and can be continued after an upgrade. Unknown or false flags are left out.
 */
export function planFeaturesOf(ref: unknown): PlanFeature[] {
  if (typeof ref !== 'object' || ref === null) return [];
  const r = ref as Record<string, unknown>;
  return (Object.keys(CURRENT_PLAN_FEATURES) as PlanFeature[]).filter((k) => r[k] === true);
}

/** Planning-input flags for `features`: each named one set, the others absent (as a PlanRef recorded without them). */
export function planFeatureFlags(features: readonly PlanFeature[]): Partial<Record<PlanFeature, true>> {
  return Object.fromEntries(features.map((k) => [k, true])) as Partial<Record<PlanFeature, true>>;
}
