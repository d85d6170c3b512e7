import { Context, heartbeat } from '@temporalio/activity';

/**
 * Runs `body` while heartbeating on a timer. For activities whose single cluster call (a split and scatter
 * wait, one large table's checksum, one CREATE TABLE) can outlast the heartbeat timeout: without it, a healthy
 * but slow call would look like a dead worker, be timed out and retried. Only for activities that do not
 * resume from heartbeat details (the beats carry none, or `details()` for `brflow status` to read).
 */
export async function withLivenessHeartbeat<T>(body: () => Promise<T>, details?: () => unknown): Promise<T> {
  const timeoutMs = Context.current().info.heartbeatTimeoutMs;
  if (!timeoutMs) return body();
  // A third of the timeout: the SDK throttles beats to 0.8 × timeout, so one always gets through in time.
  const timer = setInterval(() => heartbeat(details?.()), Math.max(200, Math.floor(timeoutMs / 3)));
  try {
    return await body();
  } finally {
    clearInterval(timer);
  }
}
