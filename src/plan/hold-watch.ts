import type { ClusterScope, KeeperSpec } from '../workflows/types';

/** How often a hold watch asks the cluster whether it still holds what the restore set. */
export const HOLD_WATCH_POLL_MS = 2_000;

/**
 * The least time between two renewals, early ones included: a cluster that keeps undoing a pause (an operator
 * resuming a scheduler by hand, again and again) is re-paused at most this often, not in a tight loop.
 */
export const MIN_RENEWAL_GAP_MS = 5_000;

/**
 * What a keeper's wait watches between two renewals (the `watchHolds` activity). Times are wall-clock ms
 * (the workflow's clock, which the worker's follows to within its skew).
 */
export interface HoldWatch extends ClusterScope {
  /**
   * Schedulers the restore paused with a TTL. PD keeps such a pause in its leader's memory only (measured on
   * v8.5.4): a new leader, or a restarted one, schedules again until the next renewal pauses them anew.
   */
  schedulers: string[];
  /** Every TiKV store must be in import mode (a restarted store comes back in normal mode). */
  importMode: boolean;
  /** Checking starts here (MIN_RENEWAL_GAP_MS after the last renewal) and ends here (the next one is due). */
  fromMs: number;
  untilMs: number;
}

/** What a hold watch found: each thing the cluster no longer holds, in words (none = the renewal is just due). */
export interface HoldWatchResult {
  lost: string[];
}

/**
 * The watch for the wait from a renewal (started at `renewedAtMs`) until the next is due (`dueAtMs`), or none
 * when a plain timer does: nothing is held that the
 * cluster can drop on its own (the GC safepoint and PD's TTL config live in PD's etcd and survive a leader
 * change; schedulers removed on a PD too old to pause them stay removed), or the wait is too short to look even
 * once after the least gap between renewals.
 */
export function holdWatch(spec: KeeperSpec, t: { renewedAtMs: number; dueAtMs: number; nowMs: number }): HoldWatch | undefined {
  const schedulers = spec.schedules?.schedulerMode === 'pause-with-ttl' ? spec.schedules.schedulers : [];
  if (schedulers.length === 0 && !spec.importMode) return undefined;
  const fromMs = Math.max(t.nowMs, t.renewedAtMs + MIN_RENEWAL_GAP_MS);
  const untilMs = t.dueAtMs;
  if (untilMs - fromMs < HOLD_WATCH_POLL_MS) return undefined;
  return { schedulers: [...schedulers], importMode: spec.importMode, fromMs, untilMs, ...(spec.cluster ? { cluster: spec.cluster } : {}) };
}
