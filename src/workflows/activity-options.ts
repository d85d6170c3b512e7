import { ActivityCancellationType, type ActivityOptions, type RetryPolicy } from '@temporalio/workflow';
import { NON_RETRYABLE_ERROR_TYPES } from '../plan/error-types';
import type { RestoreTimings } from './types';

const nonRetryableErrorTypes = [...NON_RETRYABLE_ERROR_TYPES];

/**
 * Retry policies named after BR's backoff constants (pkg/restore/backoff.go, split.go, pdutil). The numbers are
 * BR's; each activity call is one of BR's "attempts", the cluster clients add their own inner retries.
 */
export const RetryPolicies = {
  /** pdRequestRetryTime: 10 tries, 1 s apart (v5.3 PD HTTP). */
  pdRequest: { maximumAttempts: 10, initialInterval: '1s', backoffCoefficient: 1, maximumInterval: '1s', nonRetryableErrorTypes },
  /** resetTSRetryTime: 16 tries, 50 ms doubling to 500 ms. */
  resetTs: { maximumAttempts: 16, initialInterval: '50ms', backoffCoefficient: 2, maximumInterval: '500ms', nonRetryableErrorTypes },
  /** SplitRetryTimes: 32 tries, 50 ms doubling to 1 s. */
  split: { maximumAttempts: 32, initialInterval: '50ms', backoffCoefficient: 2, maximumInterval: '1s', nonRetryableErrorTypes },
  /** importSSTRetryTimes: 16 tries, 10 ms doubling to 1 s (whole-batch attempts; the batch resumes after its finished files). */
  importSst: { maximumAttempts: 16, initialInterval: '10ms', backoffCoefficient: 2, maximumInterval: '1s', nonRetryableErrorTypes },
  /** downloadSSTRetryTimes: 8 tries, 1 s doubling to 4 s; used for reading the backup. */
  download: { maximumAttempts: 8, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '4s', nonRetryableErrorTypes },
  /** checksum: 10 tries, 50 ms doubling to 2 s. */
  checksum: { maximumAttempts: 10, initialInterval: '50ms', backoffCoefficient: 2, maximumInterval: '2s', nonRetryableErrorTypes },
} satisfies Record<string, RetryPolicy>;

/** Compensation and the keeper never give up: the cluster must end up normal (saga rule, STYLE.md rule 6). */
export function unlimitedRetry(maxIntervalMs: number): RetryPolicy {
  return { initialInterval: Math.min(1000, maxIntervalMs), backoffCoefficient: 2, maximumInterval: maxIntervalMs, nonRetryableErrorTypes };
}

/**
 * The named activity option sets of one restore. `controlTaskQueue` is served by its own worker slots so ingest
 * cannot starve the keeper or compensation (temporal.md §4.1).
 */
export function restoreActivityOptions(t: RestoreTimings, controlTaskQueue: string) {
  const options = {
    /**
     * Reading the backup and building the plan: big but bounded, and mostly one synchronous computation
     * (~20 s for 100,000 files here) that cannot heartbeat, so only a start-to-close deadline.
     */
    planning: { startToCloseTimeout: '15m', retry: RetryPolicies.download },
    /**
     * One PD round trip (TSO, safepoint, reset-ts): a control call like the ones below, so the same deadline
     * (default 60 s, newer BR's PD client timeout). These do not heartbeat, so a call lost with a crashed
     * worker is retried only after this deadline.
     */
    pdCall: { startToCloseTimeout: t.controlCallTimeoutMs, retry: RetryPolicies.pdRequest },
    resetTs: { startToCloseTimeout: t.controlCallTimeoutMs, retry: RetryPolicies.resetTs },
    /** DDL: TiDB can take long on big tables; DDL is idempotent (IF NOT EXISTS) so retrying is safe. */
    schema: { startToCloseTimeout: '10m', heartbeatTimeout: t.heartbeatTimeoutMs, retry: RetryPolicies.pdRequest },
    split: { startToCloseTimeout: '10m', heartbeatTimeout: t.heartbeatTimeoutMs, retry: RetryPolicies.split },
    /** Ingest waits for cancellation so compensation never overlaps a running download/ingest. */
    ingest: {
      startToCloseTimeout: '2h',
      heartbeatTimeout: t.heartbeatTimeoutMs,
      retry: RetryPolicies.importSst,
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    },
    checksum: { startToCloseTimeout: '30m', heartbeatTimeout: t.heartbeatTimeoutMs, retry: RetryPolicies.checksum },
    /** Applying cluster modes before the restore: on the control queue, BR's PD retry budget. */
    clusterMode: { taskQueue: controlTaskQueue, startToCloseTimeout: t.controlCallTimeoutMs, retry: RetryPolicies.pdRequest },
    /** Undo steps: unlimited retries with a capped backoff, on the control queue. */
    compensation: { taskQueue: controlTaskQueue, startToCloseTimeout: t.controlCallTimeoutMs, retry: unlimitedRetry(t.compensationMaxIntervalMs) },
    /** The keeper runs until cancelled; a dead worker is noticed after one heartbeat timeout, well under the TTLs. */
    keeper: {
      taskQueue: controlTaskQueue,
      startToCloseTimeout: '3650d',
      // Short, so a stop request (delivered on a heartbeat, throttled to 0.8 × this) arrives within seconds.
      heartbeatTimeout: Math.min(t.heartbeatTimeoutMs, 10_000),
      retry: unlimitedRetry(Math.min(10_000, t.keeperIntervalMs)),
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    },
  } satisfies Record<string, ActivityOptions>;
  return options;
}
