import type { WorkerOptions } from '@temporalio/worker';
import { PROGRESS_BEAT_INTERVAL_MS } from '../activities/beat-throttle';

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
 * Data activities (download/ingest, split, checksum): a cancel or pause drains them within about a second
 * (ingest's timer beat, every third of its heartbeat timeout, carries it if no progress beat does). Ingest
 * beats its progress (ranges finished, and how far each range in flight got) as it happens, and what a worker
 * killed mid-batch costs its retry is what it ingested since the last beat that reached the server: with a
 * 1 s throttle the progress of the last second was usually lost (the recovery bench, which kills right after
 * an ingest, re-ingested a quarter to a half of its files), with 100 ms still 30 % of a quick run, with 20 ms
 * 13 %. Beats still come only from progress (a group of files or a range done), waits and the timer, so a
 * batch sends a few a second, not one per 20 ms.
 */
export const DATA_WORKER_TUNING = {
  // ingestBatch coalesces its progress beats to the same interval before they reach the SDK.
  maxHeartbeatThrottleInterval: `${PROGRESS_BEAT_INTERVAL_MS}ms`,
  // This worker also runs the workflows. Their next task goes to the worker that ran the last one (its sticky
  // queue); when that worker was killed, nobody polls it, and the server moves the task to the shared queue only
  // after this timeout. The SDK's 10 s stalled a restore that long after its worker died, on top of the
  // heartbeat timeout its activities wait out. A live worker picks its sticky tasks within milliseconds; one that
  // misses 2 s only costs another worker a replay of the history.
  stickyQueueScheduleToStartTimeout: '2s',
} as const satisfies Partial<WorkerOptions>;
