import { listQuery, renderListing } from '../../../src/cli/commands/list';

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
