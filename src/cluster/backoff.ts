import { setTimeout as sleepMs } from 'node:timers/promises';

/**
 * A bounded exponential backoff: `attempts` tries in all, sleeping `initialMs`, then doubling up to `maxMs`
 * between them. The numbers are BR's, under BR's names (research br-restore-internals §11), so a reader can
 * match them with pkg/restore/backoff.go, split.go, import.go and pdutil.
 */
export interface RetryPolicy {
  /** For messages: which loop gave up. */
  readonly name: string;
  /** Total tries, the first included. */
  readonly attempts: number;
  readonly initialMs: number;
  readonly maxMs: number;
  /** Give up once this much time has gone by, whatever the attempt count (BR caps scatter waiting at 180 s). */
  readonly totalMs?: number;
}

/** Whole download+ingest of one file group (BR v5.3 importSSTRetryTimes / importSSTWaitInterval). */
export const IMPORT_SST_RETRY: RetryPolicy = { name: 'importSST', attempts: 16, initialMs: 10, maxMs: 1_000 };
/** Download of one file group to the peers of one region (downloadSSTRetryTimes). */
export const DOWNLOAD_SST_RETRY: RetryPolicy = { name: 'downloadSST', attempts: 8, initialMs: 1_000, maxMs: 4_000 };
/** The split loop: scan, split, scatter, restart on failure (SplitRetryTimes). */
export const SPLIT_RETRY: RetryPolicy = { name: 'split', attempts: 32, initialMs: 50, maxMs: 1_000 };
/** Waiting for a freshly split region to be known by PD (SplitCheckMaxRetryTimes). */
export const SPLIT_CHECK_RETRY: RetryPolicy = { name: 'splitCheck', attempts: 64, initialMs: 8, maxMs: 1_000 };
/** Waiting for scatter operators to finish (ScatterWaitMaxRetryTimes, ScatterWaitUpperInterval 180 s). */
export const SCATTER_WAIT_RETRY: RetryPolicy = {
  name: 'scatterWait',
  attempts: 64,
  initialMs: 50,
  maxMs: 1_000,
  totalMs: 180_000,
};
/** One ScatterRegion call, retried while PD says the region is not fully replicated / has no leader. */
export const SCATTER_RETRY: RetryPolicy = { name: 'scatter', attempts: 7, initialMs: 100, maxMs: 1_600 };
/** One SplitRegion RPC (splitRegionMaxRetryTime); BR retries at once on a new leader, we add a short pause. */
export const SPLIT_REGION_RPC_RETRY: RetryPolicy = { name: 'splitRegion', attempts: 4, initialMs: 50, maxMs: 500 };
/** PD reset-ts over HTTP (resetTSRetryTime, 50 ms → 500 ms). */
export const RESET_TS_RETRY: RetryPolicy = { name: 'resetTS', attempts: 16, initialMs: 50, maxMs: 500 };
/** PD HTTP requests (v5.3 pdRequestRetryTime: 10 tries, 1 s apart while PD answers 5xx). */
export const PD_HTTP_RETRY: RetryPolicy = { name: 'pdRequest', attempts: 10, initialMs: 1_000, maxMs: 1_000 };
/** PD gRPC calls: the pd client retries across members; 10 tries, 100 ms → 1 s (pd client's updateMember loop). */
export const PD_GRPC_RETRY: RetryPolicy = { name: 'pdGrpc', attempts: 10, initialMs: 100, maxMs: 1_000 };
/**
 * Ingest on one region's leader: re-sent at once on NotLeader, after a pause on ServerIsBusy. BR loops without
 * a bound until its context ends; 8 tries keep a flapping leader from stalling the file, whose outer
 * IMPORT_SST_RETRY then starts over from a fresh region scan.
 */
export const INGEST_LEADER_RETRY: RetryPolicy = { name: 'ingestLeader', attempts: 8, initialMs: 50, maxMs: 1_000 };
/** SwitchMode / SetDownloadSpeedLimit per store (newer BR ResetSpeedLimit: 3 tries). */
export const STORE_ADMIN_RETRY: RetryPolicy = { name: 'storeAdmin', attempts: 3, initialMs: 100, maxMs: 1_000 };
/** A coprocessor checksum request on one region, retried on region errors (client-go's region-miss backoff). */
export const CHECKSUM_RETRY: RetryPolicy = { name: 'checksum', attempts: 10, initialMs: 50, maxMs: 2_000 };

/**
 * The answer of a `shouldRetry` callback: false stops; true retries after the policy's delay; an object may
 * ask for a longer delay (e.g. a ServerIsBusy hint).
 */
export type RetryDecision = boolean | { delayMs: number };

/** The delay before try `attempt + 1` (attempt counts from 1). */
export function backoffDelay(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxMs, policy.initialMs * 2 ** Math.max(0, attempt - 1));
}

export interface RetryOptions {
  /** Replaceable for tests that must not wait. */
  sleep?: (ms: number) => Promise<void>;
  /** Stops between tries when aborted (the activity was cancelled). */
  signal?: AbortSignal;
}

/**
 * Runs `fn` until it succeeds, `shouldRetry` says no, or the policy is exhausted; rethrows the last error.
 * `fn` gets the 1-based attempt number so it can refresh state (reload regions) on later tries.
 */
export async function retry<T>(
  fn: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  shouldRetry: (e: unknown, attempt: number) => RetryDecision,
  opts: RetryOptions = {},
): Promise<T> {
  const sleep = opts.sleep ?? ((ms: number) => sleepMs(ms, undefined, opts.signal ? { signal: opts.signal } : {}));
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      if (attempt >= policy.attempts) throw e;
      const decision = shouldRetry(e, attempt);
      if (decision === false) throw e;
      const base = backoffDelay(policy, attempt);
      const delay = typeof decision === 'object' ? Math.max(base, decision.delayMs) : base;
      if (policy.totalMs !== undefined && Date.now() - started + delay > policy.totalMs) throw e;
      opts.signal?.throwIfAborted();
      await sleep(delay);
    }
  }
}
