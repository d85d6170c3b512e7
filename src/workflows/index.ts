/** The workflow bundle's entry (workflowsPath): named exports only. */
export { restoreWorkflow } from './restore';
export type { RestoreResult } from './restore';
