/** The workflow bundle's entry (workflowsPath): named exports only. */
export { restoreWorkflow } from './restore';
export type { RestoreResult } from './restore';
export { janitorWorkflow, restoreCleanupWorkflow } from './janitor';
export type { JanitorInput, JanitorResult } from './janitor';
export { clusterLockWorkflow } from './cluster-lock';
