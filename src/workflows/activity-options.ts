import { ActivityCancellationType, type ActivityOptions, type LocalActivityOptions, type RetryPolicy } from '@temporalio/workflow';
import { NON_RETRYABLE_ERROR_TYPES } from '../plan/error-types';
import { BACKOFF_COEFFICIENTS, DEFAULT_RETRIES, RETRY_POLICY_NAMES } from './retry-timings';
import type { RestoreRetries, RestoreTimings, RetryPolicyName } from './types';

const nonRetryableErrorTypes = [...NON_RETRYABLE_ERROR_TYPES];

/**
 * The named retry policies of one restore, from `timings.retries` (BR's numbers by default: DEFAULT_RETRIES).
 * Permanent failure types (NON_RETRYABLE_ERROR_TYPES) are never retried, whatever the budget.
 */
export function retryPolicies(r: RestoreRetries): Record<RetryPolicyName, RetryPolicy> {
  return Object.fromEntries(
    RETRY_POLICY_NAMES.map((n) => [
      n,
      { maximumAttempts: r[n].maximumAttempts, initialInterval: r[n].initialIntervalMs, backoffCoefficient: BACKOFF_COEFFICIENTS[n], maximumInterval: r[n].maximumIntervalMs, nonRetryableErrorTypes },
    ]),
  ) as Record<RetryPolicyName, RetryPolicy>;
}

/** The default policies (BR's values), for callers without a restore input. */
export const RetryPolicies = retryPolicies(DEFAULT_RETRIES);

/** Compensation and the keeper never give up: the cluster must end up normal (saga rule, STYLE.md rule 6). */
export function unlimitedRetry(maxIntervalMs: number): RetryPolicy {
  return { initialInterval: Math.min(1000, maxIntervalMs), backoffCoefficient: 2, maximumInterval: maxIntervalMs, nonRetryableErrorTypes };
}

/**
 * The named activity option sets of one restore. `controlTaskQueue` is served by its own worker slots so ingest
 * cannot starve the keeper or compensation (temporal.md §4.1).
 */
export function restoreActivityOptions(t: RestoreTimings, controlTaskQueue: string) {
  const policy = retryPolicies(t.retries);
  const pdCall = { startToCloseTimeout: t.controlCallTimeoutMs, retry: policy.pdRequest };
  const clusterMode = { taskQueue: controlTaskQueue, startToCloseTimeout: t.controlCallTimeoutMs, retry: policy.pdRequest };
  // The keeper's activities (long keeper, tick, watch): on the control queue, never giving up, and a heartbeat
  // timeout short enough that a stop (delivered on a heartbeat, throttled to 0.8 × it) arrives within seconds.
  const keeperBase = {
    taskQueue: controlTaskQueue,
    heartbeatTimeout: Math.min(t.heartbeatTimeoutMs, 10_000),
    retry: unlimitedRetry(Math.min(10_000, t.keeperIntervalMs)),
  };
  const options = {
    /**
     * Reading the backup and building the plan: big but bounded. The activity beats on a timer while it reads
     * (async I/O) and builds (one synchronous computation, ~5 s for 100,000 files here, during which no timer
     * fires), so a heartbeat timeout of at least a minute notices a dead worker in about a minute rather than
     * at the 15-minute deadline, without mistaking the synchronous part for one.
     */
    planning: { startToCloseTimeout: '15m', heartbeatTimeout: Math.max(t.heartbeatTimeoutMs, 60_000), retry: policy.download },
    /**
     * One PD round trip (TSO, safepoint, reset-ts): a control call like the ones below, so the same deadline
     * (default 60 s, newer BR's PD client timeout). These do not heartbeat, so a call lost with a crashed
     * worker is retried only after this deadline.
     */
    pdCall,
    resetTs: { startToCloseTimeout: t.controlCallTimeoutMs, retry: policy.resetTs },
    /** DDL: TiDB can take long on big tables; DDL is idempotent (IF NOT EXISTS) so retrying is safe. */
    schema: { startToCloseTimeout: '10m', heartbeatTimeout: t.heartbeatTimeoutMs, retry: policy.pdRequest },
    split: { startToCloseTimeout: '10m', heartbeatTimeout: t.heartbeatTimeoutMs, retry: policy.split },
    /** Ingest waits for cancellation so compensation never overlaps a running download/ingest. */
    ingest: {
      startToCloseTimeout: '2h',
      heartbeatTimeout: t.heartbeatTimeoutMs,
      retry: policy.importSst,
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    },
    checksum: { startToCloseTimeout: '30m', heartbeatTimeout: t.heartbeatTimeoutMs, retry: policy.checksum },
    /** Applying cluster modes before the restore: on the control queue, BR's PD retry budget. */
    clusterMode,
    /**
     * The same calls where an undo record reverses what they change (GC safepoint, scheduler pauses, import mode,
     * rate limit): a cancel waits for the call to end before the workflow moves on to the undo. With the SDK's
     * default (TRY_CANCEL) the call's promise failed at once while the call itself, which does not heartbeat and
     * so never hears of the cancel, went on: its pause or import mode could land after the undo had run, and stay.
     */
    pdChange: { ...pdCall, cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED },
    clusterModeChange: { ...clusterMode, cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED },
    /** Undo steps: unlimited retries with a capped backoff, on the control queue. */
    compensation: { taskQueue: controlTaskQueue, startToCloseTimeout: t.controlCallTimeoutMs, retry: unlimitedRetry(t.compensationMaxIntervalMs) },
    /** The keeper runs until cancelled; a dead worker is noticed after one heartbeat timeout, well under the TTLs. */
    keeper: { ...keeperBase, startToCloseTimeout: '3650d', cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED },
    /**
     * One keeper renewal (a tick, src/workflows/keeper-control.ts): a few control calls, never cancelled (the
     * workflow waits for it instead). Beats on a timer, so a renewal lost with its worker is retried within a
     * heartbeat timeout, not at the control-call deadline; never gives up, as the long keeper.
     */
    keeperTick: { ...keeperBase, startToCloseTimeout: t.controlCallTimeoutMs },
    /**
     * A keeper's wait between renewals that watches the cluster (keeper-control.ts, `watchHolds`): lasts up to a
     * keeper interval, beats every second, changes nothing, so a stop simply drops it (the default TRY_CANCEL).
     */
    keeperWatch: { ...keeperBase, startToCloseTimeout: t.keeperIntervalMs + t.controlCallTimeoutMs },
  } satisfies Record<string, ActivityOptions>;
  return options;
}

/**
 * Local-activity options of the steps that run in the workflow's own task (runs that took
 * `brflow-fast-setup`, src/workflows/restore-context.ts): the same deadline and retry policy as their
 * activity options. A local activity has no task queue (it runs on the worker running the workflow, in slots of
 * its own, so ingest cannot starve it either) and no heartbeat (these are single control calls).
 */
export function restoreLocalActivityOptions(t: RestoreTimings) {
  const policy = retryPolicies(t.retries);
  return {
    /** One PD round trip (the restore TS). */
    pdCall: { startToCloseTimeout: t.controlCallTimeoutMs, retry: policy.pdRequest },
    resetTs: { startToCloseTimeout: t.controlCallTimeoutMs, retry: policy.resetTs },
    /** Reading the scheduler and config snapshot before import mode. */
    clusterMode: { startToCloseTimeout: t.controlCallTimeoutMs, retry: policy.pdRequest },
  } satisfies Record<string, LocalActivityOptions>;
}
