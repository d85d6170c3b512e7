import type { WorkflowExecutionInfo } from '@temporalio/client';
import { listQuery, renderListing, toListing } from '../../../src/cli/commands/list';

test('listQuery keeps to restore workflows and spells a status as Temporal visibility does', () => {
  expect(listQuery(undefined)).toBe(`WorkflowType = 'restoreWorkflow'`);
  expect(listQuery('running')).toBe(`WorkflowType = 'restoreWorkflow' AND ExecutionStatus = 'Running'`);
  expect(listQuery('CONTINUED_AS_NEW')).toBe(`WorkflowType = 'restoreWorkflow' AND ExecutionStatus = 'ContinuedAsNew'`);
  // Free text never reaches the query: an unknown status is refused, naming the accepted ones.
  expect(() => listQuery(`Running' OR 1=1`)).toThrow(/is not a workflow status; use one of RUNNING, COMPLETED, FAILED/);
});

test('renderListing aligns columns and marks what is unknown', () => {
  const out = renderListing([
    { workflowId: 'nightly-1', status: 'RUNNING', phase: 'ingest', progressPct: 45, startTime: '2026-12-01T00:00:00.000Z', storage: 's3://b/p', taskQueue: 'q' },
    { workflowId: 'x', status: 'FAILED', startTime: '2026-12-02T00:00:00.000Z', taskQueue: 'q' },
  ]).split('\n');
  expect(out).toEqual([
    'WORKFLOW ID  STATUS   PHASE   PROGRESS  STARTED                   STORAGE',
    'nightly-1    RUNNING  ingest  45%       2026-12-01T00:00:00.000Z  s3://b/p',
    'x            FAILED   -       -         2026-12-02T00:00:00.000Z  -',
  ]);
});

test('toListing reads phase and progress from search attributes and the storage from the memo (either kind)', () => {
  const base = { workflowId: 'r1', status: { name: 'RUNNING' }, startTime: new Date('2026-12-01T00:00:00Z'), taskQueue: 'q' };
  const planned = toListing({ ...base, searchAttributes: { BrRestorePhase: ['ingest'], BrRestoreProgress: [45] }, memo: { backup: { storage: 's3://b/planned' }, storage: 's3://b/start' } } as unknown as WorkflowExecutionInfo);
  expect(planned).toEqual({ workflowId: 'r1', status: 'RUNNING', phase: 'ingest', progressPct: 45, startTime: '2026-12-01T00:00:00.000Z', storage: 's3://b/planned', taskQueue: 'q' });
  // Before planning: only the memo `brflow restore` set at start; no search attributes yet.
  const early = toListing({ ...base, searchAttributes: {}, memo: { storage: 's3://b/start' } } as unknown as WorkflowExecutionInfo);
  expect(early).toEqual({ workflowId: 'r1', status: 'RUNNING', startTime: '2026-12-01T00:00:00.000Z', storage: 's3://b/start', taskQueue: 'q' });
});
