import { Context, heartbeat, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/activity';
import { ErrorType } from '../plan/error-types';
import { HOLD_WATCH_POLL_MS, type HoldWatch, type HoldWatchResult } from '../plan/hold-watch';
import type { KeeperSpec } from '../workflows/types';
import type { ScheduleControl, StoreControl, TsoAndGc } from './deps';
import { withLivenessHeartbeat } from './liveness-heartbeat';

/**
 * The keeper: one long heartbeating activity that renews what the restore holds on the cluster, so nothing
 * lapses while the restore runs and everything expires on its own if brflow disappears. BR runs three
 * goroutines for this (GC safepoint every TTL/3, import mode every 5 min, scheduler pause every 100 s).
 *
 * With `spec.once` (every restore since `brflow-keeper-ticks`) it renews once and returns: the workflow runs
 * it on a timer (a keeper tick) with the spec of the moment, and stops renewing by not starting the next
 * tick and waiting for the one in flight, if any (a few milliseconds), before it undoes anything.
 *
 * Without it (histories recorded before ticks) it runs until cancelled and confirms the stop by rethrowing the
 * cancellation; the workflow waits for that (WAIT_CANCELLATION_COMPLETED) before compensating, so a late
 * renewal can never re-apply import mode or a pause after the undo.
 */
/** The longest the keeper waits between heartbeats, i.e. between chances to hear a stop. */
const KEEPER_HEARTBEAT_MAX_MS = 1000;

export function keeperActivities(pd: TsoAndGc, schedules: ScheduleControl, stores: StoreControl) {
  return {
    async keeper(spec: KeeperSpec): Promise<void> {
      if (spec.once) return withLivenessHeartbeat(() => renewOrLog(spec));
      const ctx = Context.current();
      let ticks = (ctx.info.heartbeatDetails as { ticks?: number } | undefined)?.ticks ?? 0;
      for (;;) {
        await renewOrLog(spec);
        ticks++;
        // Heartbeat through the wait: cancellation only reaches an activity in a heartbeat response, and a
        // silent wait longer than the heartbeat timeout would look like a dead worker. At least once a second,
        // so a stop (which every pause, re-prepare and compensation waits for) lands within about a second
        // (the control worker's heartbeat throttle is 1 s: src/worker/worker-tuning.ts).
        const slice = Math.max(100, Math.min(spec.intervalMs, (ctx.info.heartbeatTimeoutMs ?? 30_000) / 4, KEEPER_HEARTBEAT_MAX_MS));
        await sleepBeating(spec.intervalMs, slice, { ticks });
      }
    },

    /**
     * Waits for the next renewal (until `w.untilMs`) while checking, every HOLD_WATCH_POLL_MS from `w.fromMs`,
     * that the cluster still holds what the restore set and can lose on its own: the scheduler pauses (a PD leader
     * change or restart drops them) and the stores' import mode (a restarted TiKV comes back normal). Returns as
     * soon as something is lost, so the workflow renews at once instead of up to a keeper interval later (BR
     * waits for its next tick). Changes nothing itself: the workflow decides whether a renewal still may run.
     * A check that fails (PD electing a leader, a store down) counts as nothing lost; the next one asks again.
     */
    async watchHolds(w: HoldWatch): Promise<HoldWatchResult> {
      // Beats at least every second: the stop the workflow sends (on a spec change, a pause, the end) arrives on a beat.
      const wait = (ms: number): Promise<void> => sleepBeating(ms, KEEPER_HEARTBEAT_MAX_MS);
      await wait(w.fromMs - Date.now());
      for (;;) {
        const lost = await lostHolds(w);
        // The workflow logs what was lost when it renews.
        if (lost.length > 0) return { lost };
        const left = w.untilMs - Date.now();
        // Due before the next look: the renewal itself comes next.
        if (left <= HOLD_WATCH_POLL_MS) {
          await wait(left);
          return { lost: [] };
        }
        await wait(HOLD_WATCH_POLL_MS);
      }
    },
  };

  /**
   * Sleeps `ms`, beating (with `details`) before each slice of at most `sliceMs`: a stop reaches an activity only in a
   * heartbeat response, and a silent wait longer than the heartbeat timeout would look like a dead worker.
   * Rejects with CancelledFailure when the workflow stops the activity.
   */
  async function sleepBeating(ms: number, sliceMs: number, details?: unknown): Promise<void> {
    const ctx = Context.current();
    for (let waited = 0; waited < ms; waited += sliceMs) {
      heartbeat(details);
      await ctx.sleep(Math.min(sliceMs, ms - waited));
    }
  }

  async function lostHolds(w: HoldWatch): Promise<string[]> {
    const checks: Promise<string[]>[] = [];
    if (w.schedulers.length > 0) checks.push(schedules.running(w.schedulers).then((names) => names.map((n) => `scheduler ${n} is not paused`), unknown));
    if (w.importMode) checks.push(stores.modes().then((m) => m.filter((s) => s.mode !== 'import').map((s) => `store ${s.storeId} is in ${s.mode} mode`), unknown));
    // A check can hang until its client's deadline (a PD member whose host hangs): beat meanwhile, so the look is
    // not taken for a dead worker and a stop still arrives.
    const beat = setInterval(() => heartbeat(), KEEPER_HEARTBEAT_MAX_MS);
    try {
      return await firstLosses(checks, w.untilMs);
    } finally {
      clearInterval(beat);
    }
  }

  function unknown(e: unknown): string[] {
    log.debug('hold watch: check failed, asking again at the next poll', { error: e instanceof Error ? e.message : String(e) });
    return [];
  }

  async function renewOrLog(spec: KeeperSpec): Promise<void> {
    try {
      await renew(spec);
    } catch (e) {
      if (e instanceof ApplicationFailure && e.nonRetryable) throw e;
      // A failed renewal is retried on the next tick; TTLs are ≥ 3 intervals (BR only logs these too).
      log.warn('keeper renewal failed', { error: e instanceof Error ? e.message : String(e) });
    }
  }

  /**
   * The three holds side by side: they are independent, and one waiting out a deadline (the safepoint on a PD
   * leader whose host hangs, which the gRPC client learns only then) must not hold back the scheduler pauses
   * that a new leader dropped. Every hold is tried; a GC overrun is reported before any other failure.
   */
  async function renew(spec: KeeperSpec): Promise<void> {
    const safepoint = spec.safepoint;
    const results = await Promise.allSettled([
      safepoint ? renewSafepoint(safepoint) : undefined,
      spec.importMode ? stores.switchMode('import') : undefined,
      spec.schedules ? schedules.apply(spec.schedules) : undefined,
    ]);
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    const fatal = failures.find((e) => e instanceof ApplicationFailure && e.nonRetryable);
    if (failures.length > 0) throw fatal ?? failures[0];
  }

  async function renewSafepoint(safepoint: NonNullable<KeeperSpec['safepoint']>): Promise<void> {
    const sp = BigInt(safepoint.safePoint);
    const gc = await pd.getGcSafePoint();
    if (gc > sp) {
      // BR panics here: data the restore needs may already be gone.
      throw ApplicationFailure.nonRetryable(`GC safepoint ${gc} passed the restore's ${sp}; the restore cannot be trusted: start it again`, ErrorType.ClusterRejected);
    }
    await pd.updateServiceGcSafePoint(safepoint.serviceId, safepoint.ttlSec, sp);
  }
}

/** How long a look that found something lost still waits for its other check to name its losses too. */
export const LOSS_GRACE_MS = 200;

/**
 * What the checks of one look found lost, in check order. Ends when every check has answered; or LOSS_GRACE_MS
 * after one found a loss, so a check held up by a member that hangs does not hide it (the renewal re-applies
 * everything anyway); or at `untilMs`, when the renewal is due whatever a slow check would say. A check still
 * running then counts as nothing lost (checks only read).
 */
export function firstLosses(checks: readonly Promise<string[]>[], untilMs: number): Promise<string[]> {
  return new Promise((resolve) => {
    const found = checks.map((): string[] => []);
    const timers: NodeJS.Timeout[] = [];
    let pending = checks.length;
    let grace = false;
    const done = (): void => {
      timers.forEach(clearTimeout);
      resolve(found.flat());
    };
    if (pending === 0) return done();
    timers.push(setTimeout(done, Math.max(0, untilMs - Date.now())));
    checks.forEach((check, i) => {
      void check.then((lost) => {
        found[i] = lost;
        if (--pending === 0) return done();
        if (lost.length > 0 && !grace) {
          grace = true;
          timers.push(setTimeout(done, LOSS_GRACE_MS));
        }
      });
    });
  });
}

