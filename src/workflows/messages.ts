import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { RestoreProgress } from './types';

/** Counters of a running (or closed) restore; a query writes no history. */
export const progressQuery = defineQuery<RestoreProgress>('progress');

/**
 * Drains in-flight batches and hands the cluster back (normal mode, schedulers and config restored);
 * returns once that is done. The GC safepoint stays: the restore still needs its snapshot.
 */
export const pauseUpdate = defineUpdate<RestoreProgress>('pause');

/** Re-applies import mode and the scheduler pauses, then ingest continues; returns once re-applied. */
export const resumeUpdate = defineUpdate<RestoreProgress>('resume');

/** Per-store download rate limit in bytes/s (0 = unlimited); applied to every store before the next batch. */
export const setRateLimitUpdate = defineUpdate<number, [number]>('setRateLimit');

/** Ingest batches in flight at once; lowering it lets in-flight batches finish. */
export const setConcurrencyUpdate = defineUpdate<number, [number]>('setConcurrency');

export const MAX_CONCURRENCY = 512;
