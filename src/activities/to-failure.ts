import { ApplicationFailure } from '@temporalio/activity';
import { ErrorType, NON_RETRYABLE_ERROR_TYPES, isBrflowError, type ErrorTypeName } from '../plan/error-types';

/**
 * Turns anything an activity caught into the ApplicationFailure the workflow matches on (STYLE.md rule 7):
 * BrflowErrors keep their catalog type; a cluster error says itself whether retrying can help; cancellation
 * and failures already typed pass through.
 */
export function toFailure(e: unknown): unknown {
  if (e instanceof ApplicationFailure) return e;
  if (typeof e === 'object' && e !== null && (e as { name?: string }).name === 'CancelledFailure') return e;
  if (isBrflowError(e)) {
    const retryable = (e as { retryable?: unknown }).retryable;
    const permanent = typeof retryable === 'boolean' ? !retryable : NON_RETRYABLE_ERROR_TYPES.includes(e.type);
    return ApplicationFailure.create({ message: e.message, type: e.type, nonRetryable: permanent, cause: e });
  }
  const message = e instanceof Error ? e.message : String(e);
  // Unknown errors are retried: most are transient I/O; a real bug exhausts the retry budget and surfaces.
  return ApplicationFailure.create({ message, type: ErrorType.ClusterUnavailable satisfies ErrorTypeName, cause: e instanceof Error ? e : undefined });
}

/** Wraps an activity body so every failure leaves typed. */
export async function typed<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (e) {
    throw toFailure(e);
  }
}
