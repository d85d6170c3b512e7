import { ActivityFailure, ApplicationFailure, WorkflowFailedError } from '@temporalio/client';

/**
 * Asserts a restore failed in its pre-check with a typed, non-retryable error and returns that error, so each
 * test states only the type and the message it expects (the wrapping Temporal puts around it is the same).
 * `message` is the exact text or an asymmetric matcher such as `expect.stringContaining(…)`.
 */
export function expectPreCheckFailure(err: unknown, type: string, message: unknown): ApplicationFailure {
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const activity = (err as WorkflowFailedError).cause as ActivityFailure;
  expect(activity).toBeInstanceOf(ActivityFailure);
  expect(activity.activityType).toBe('preCheck');
  const root = activity.cause as ApplicationFailure;
  expect(root.type).toBe(type);
  expect(root.nonRetryable).toBe(true);
  expect(root.message).toEqual(message);
  return root;
}
