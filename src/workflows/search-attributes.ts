import type { SearchAttributeKey } from '@temporalio/common/lib/search-attributes';

/** Plain key objects keep @temporalio/common out of the workflow bundle's value imports. */
export const BrRestorePhase: SearchAttributeKey<'KEYWORD'> = { name: 'BrRestorePhase', type: 'KEYWORD' };
/** Percent of backup bytes ingested, upserted every 5 %. */
export const BrRestoreProgress: SearchAttributeKey<'INT'> = { name: 'BrRestoreProgress', type: 'INT' };

/**
 * Every search attribute a restore upserts. A namespace lacking one fails each workflow task with
 * BadSearchAttributes, so the worker makes sure of them before it polls (src/worker/search-attributes.ts).
 */
export const BRFLOW_SEARCH_ATTRIBUTES = [BrRestorePhase, BrRestoreProgress] as const;
