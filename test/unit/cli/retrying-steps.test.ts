import type { WorkflowExecutionDescription } from '@temporalio/client';
import { renderRetrying, retryingSteps } from '../../../src/cli/commands/retrying-steps';

type Pending = NonNullable<WorkflowExecutionDescription['raw']['pendingActivities']>[number];
const describe_ = (pending: Pending[]) => ({ raw: { pendingActivities: pending } }) as unknown as Pick<WorkflowExecutionDescription, 'raw'>;
const at = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 }) as unknown as Pending['nextAttemptScheduleTime'];

test('only steps past their first attempt with an error are retrying; their attempt, limit, error and next start are kept', () => {
  const steps = retryingSteps(describe_([
    { activityType: { name: 'ingestBatch' }, attempt: 1 },
    { activityType: { name: 'checksumGroup' }, attempt: 2 },
    { activityType: { name: 'requestClusterLock' }, attempt: 3, maximumAttempts: 10, lastFailure: { message: 'PD GetMembers at 127.0.0.1:1: unavailable' }, nextAttemptScheduleTime: at(1_796_000_004_500) },
    { activityType: { name: 'createTables' }, attempt: 4, lastFailure: { message: 'TiDB 127.0.0.1:4000: connect ECONNREFUSED' } },
  ] as Pending[]));
  expect(steps).toEqual([
    { activity: 'requestClusterLock', attempt: 3, maximumAttempts: 10, lastFailure: 'PD GetMembers at 127.0.0.1:1: unavailable', nextAttemptAtMs: 1_796_000_004_500 },
    { activity: 'createTables', attempt: 4, maximumAttempts: 0, lastFailure: 'TiDB 127.0.0.1:4000: connect ECONNREFUSED' },
  ]);
  expect(retryingSteps(describe_([]))).toEqual([]);
});

test('a retrying step renders as one line: attempt of its limit, when the next starts, then the error', () => {
  const now = 1_796_000_000_000;
  expect(renderRetrying({ activity: 'requestClusterLock', attempt: 3, maximumAttempts: 10, lastFailure: 'PD down', nextAttemptAtMs: now + 2_100 }, now))
    .toBe('retrying requestClusterLock (attempt 3 of 10, next in 3 s): PD down');
  // No limit, and an attempt already running (its start is past): neither is shown.
  expect(renderRetrying({ activity: 'createTables', attempt: 7, maximumAttempts: 0, lastFailure: 'TiDB down', nextAttemptAtMs: now - 1 }, now))
    .toBe('retrying createTables (attempt 7): TiDB down');
});
