/**
 * Short deadlines so a call lost with a killed worker (or server) is retried within seconds (all are inputs).
 * The TTLs are far beyond a crash test's run time: an undo that never ran must show as a pause or safepoint
 * still held, not be hidden by a TTL lapsing.
 */
export const CRASH_TIMINGS = {
  keeperIntervalMs: 500,
  gcTtlSec: 300,
  pauseTtlSec: 300,
  heartbeatTimeoutMs: 2000,
  compensationMaxIntervalMs: 500,
  controlCallTimeoutMs: 3000,
};

/** What a crash test changes in the shared input (kept narrow: each changed field is named in the test). */
export interface CrashRequestChanges {
  filters?: string[];
  concurrency?: number;
  timings?: typeof CRASH_TIMINGS;
}

/**
 * The restore input crash tests start, over the backup in `backupDir`: the restore cut into many small, well
 * defined steps a kill can land between. Batches of 4 files; ranges never merged (each file its own range);
 * one table per create-tables call; one batch at a time (points such as "first batch" and "last batch" are
 * then well defined) and one range in flight (so "mid-batch", a range done and heartbeated but not the batch,
 * lasts several range times, long enough to observe through the throttled heartbeat; ranges side by side are
 * cut and resumed in test/crash/ingest-crash.test.ts). `over` replaces any of it, e.g. filters or more batches
 * side by side.
 */
export function crashRequest<O extends CrashRequestChanges>(backupDir: string, over: O): ReturnType<typeof crashDefaults> & O {
  return { ...crashDefaults(backupDir), ...over };
}

function crashDefaults(backupDir: string) {
  return {
    storage: `local://${backupDir}`,
    batchFiles: 4,
    concurrency: 1,
    rangesInFlight: 1,
    tableGroupSize: 1,
    mergeRegionSizeBytes: 1,
    mergeRegionKeyCount: 1,
    timings: CRASH_TIMINGS,
  };
}
