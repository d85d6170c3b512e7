import type { WorkerOptions } from '@temporalio/worker';

/**
 * Heartbeat throttling decides how fast a stop reaches a running activity: Temporal delivers an activity's
 * cancellation only in a heartbeat response, and the SDK sends heartbeats at most every
 * min(0.8 × heartbeat timeout, maxHeartbeatThrottleInterval). With the SDK default the keeper (10 s heartbeat
 * timeout) heard a stop up to 8 s late, and every stop — before import mode is re-applied, before pause hands
 * the cluster back, before compensation — waited for it.
 */

/** Keeper and compensation: a stop must land within about a second; one small heartbeat a second is cheap. */
export const CONTROL_WORKER_TUNING = {
  maxConcurrentActivityTaskExecutions: 64,
  maxHeartbeatThrottleInterval: '1s',
} as const satisfies Partial<WorkerOptions>;

/**
 * Data activities (download/ingest, split, checksum): a cancel or pause drains them within about a second, and
 * ingest's progress (the ranges it finished, in its heartbeat details) reaches the server within a second, so
 * a worker killed mid-batch costs its retry only the ranges in flight and those finished in that last second.
 * At most one heartbeat a second per running activity: no history events, a small RPC.
 */
export const DATA_WORKER_TUNING = {
  maxHeartbeatThrottleInterval: '1s',
} as const satisfies Partial<WorkerOptions>;
