import { CancellationScope, CancelledFailure, isCancellation, log, patched, sleep } from '@temporalio/workflow';
import { holdWatch, type HoldWatch, type HoldWatchResult } from '../plan/hold-watch';
import type { KeeperSpec } from './types';

/** The keeper activity as the workflow calls it (src/activities/keeper.ts). */
export interface KeeperActivity {
  keeper(spec: KeeperSpec): Promise<void>;
}

/** The keeper's watch between renewals (src/activities/keeper.ts `watchHolds`). */
export interface HoldWatchActivity {
  watchHolds(w: HoldWatch): Promise<HoldWatchResult>;
}

/** The proxies a KeeperControl runs: the long keeper, a tick's renewal and, where one is wired, the watch. */
export interface KeeperActivities {
  keeper: KeeperActivity;
  tick: KeeperActivity;
  watch?: HoldWatchActivity;
}

/**
 * Keeps what the restore holds on the cluster (GC safepoint; import mode and scheduler pauses once prepared)
 * renewed while the restore runs, through the keeper activity (src/activities/keeper.ts). A keeper that fails
 * for good (GC passed the restore TS) is reported through `onFailure`; one that ends because it was asked to
 * stop is not.
 *
 * Two ways, chosen once per run (the first `start()`):
 * - **ticks** (`brflow-keeper-ticks`): a workflow timer runs one short renewal (`spec.once`, on `tick` options)
 *   every `intervalMs`, each with the spec of that moment. A changed spec needs nothing, and `stop()` cancels
 *   the timer and waits only for a renewal in flight (never cancelled: it could not be un-applied), so no
 *   renewal can follow the undo that `stop()` comes before. Stopping costs nothing but that rare wait.
 * - **long activity** (histories recorded before ticks): one activity renews until cancelled; a changed spec
 *   restarts it, and every stop waits for the activity to hear its cancellation on a heartbeat (about a second).
 *
 * Ticks of runs that take `brflow-keeper-watch` wait between renewals with a watch (src/plan/hold-watch.ts)
 * instead of a bare timer when the restore holds something the cluster can drop on its own: a PD leader change
 * drops every scheduler pause, which BR (and a bare timer) re-applied only at the next renewal, up to an interval
 * (100 s) later. The watch ends the wait as soon as a pause or a store's import mode is gone, and the tick renews at
 * once. A changed spec (pauses and import mode applied) ends the wait too, so the new holds are watched from then.
 */
export class KeeperControl {
  private ticks: boolean | undefined;
  /** `brflow-keeper-watch`, decided with `ticks` (ticks only). */
  private watches: boolean | undefined;
  /** The wait of the running tick loop, which a spec change cuts short (watching runs only). */
  private waiting: { scope: CancellationScope; specChanged: boolean } | undefined;
  private running: { scope: CancellationScope; done: Promise<void> } | undefined;
  /** Workflow time of the last renewal a tick started (ticks only; a fresh run has none). */
  private lastRenewalMs: number | undefined;

  constructor(
    private readonly acts: KeeperActivities,
    private readonly spec: () => KeeperSpec,
    private readonly onFailure: (e: unknown) => void,
    /** The watch found holds gone (each in words); the renewal that re-applies them comes next. */
    private readonly onHoldsLost: (lost: string[]) => void = () => undefined,
  ) {}

  /** Starts keeping with today's spec; nothing when it is already keeping (one loop, never two). */
  start(): void {
    if (this.running) return;
    this.ticks ??= patched('brflow-keeper-ticks');
    // Only where a watch is wired: a run without one (a probe) records no marker it would not act on.
    this.watches ??= this.ticks && this.acts.watch !== undefined && patched('brflow-keeper-watch');
    if (this.ticks) this.startTicks();
    else this.startActivity();
  }

  /**
   * The spec changed (import mode and pauses applied): a running long keeper is restarted to learn it;
   * ticks read the spec at each renewal and need nothing.
   */
  async specChanged(): Promise<void> {
    if (this.ticks) {
      // A watching wait started before the change looks at the old holds: start it again with the new ones.
      if (this.waiting) {
        this.waiting.specChanged = true;
        this.waiting.scope.cancel();
      }
      return;
    }
    await this.stop();
    this.start();
  }

  /** Stops keeping; once this returns no renewal runs or will run until the next start(). */
  async stop(): Promise<void> {
    const k = this.running;
    this.running = undefined;
    if (!k) return;
    await CancellationScope.nonCancellable(async () => {
      k.scope.cancel();
      await k.done;
    });
  }

  private startTicks(): void {
    const scope = new CancellationScope();
    const interval = this.spec().intervalMs;
    const loop = scope.run(async () => {
      // A continued run (or a restart after a pause) renews at once if it does not know when it last did.
      let wait = this.lastRenewalMs === undefined ? 0 : Math.max(0, this.lastRenewalMs + interval - Date.now());
      for (;;) {
        if (wait > 0) await (this.watches ? this.watchUntilDue(Date.now() + wait) : sleep(wait));
        this.lastRenewalMs = Date.now();
        // Never cancelled: a renewal that is asked to stop may still land; stop() waits for it instead.
        await CancellationScope.nonCancellable(() => this.acts.tick.keeper({ ...this.spec(), once: true }));
        wait = interval;
      }
    });
    const done = loop.then(
      () => undefined,
      (e: unknown) => {
        // Stopped, or the run itself was cancelled: the timer's cancellation ends the loop.
        if (scope.consideredCancelled || isCancellation(e)) return;
        this.onFailure(e);
      },
    );
    this.running = { scope, done };
  }

  private startActivity(): void {
    const scope = new CancellationScope();
    const done = scope.run(() => this.acts.keeper.keeper(this.spec())).then(
      () => undefined,
      (e: unknown) => {
        // Asked to stop: whatever ended it (cancelled, or timed out while stopping), it is no longer running.
        if (scope.consideredCancelled) return;
        this.onFailure(e);
      },
    );
    this.running = { scope, done };
  }

  /**
   * Waits until the next renewal is due (`dueAtMs`: an interval after the last one ended), or until the watch finds a
   * hold lost, which makes the renewal due now. A spec change restarts the wait with the new spec's watch. A stop
   * ends it with the cancellation, which the loop's scope passes down and this rethrows: the loop has no other
   * cancellable step (its renewals are not), so it must never return normally once stopped.
   */
  private async watchUntilDue(dueAtMs: number): Promise<void> {
    for (;;) {
      const scope = CancellationScope.current();
      if (scope.consideredCancelled) throw new CancelledFailure('the keeper was stopped');
      const now = Date.now();
      const w = holdWatch(this.spec(), { renewedAtMs: this.lastRenewalMs ?? now, dueAtMs, nowMs: now });
      const waiting = { scope: new CancellationScope(), specChanged: false };
      this.waiting = waiting;
      try {
        const found = await waiting.scope.run(async () => {
          if (!w) return dueAtMs > now ? sleep(dueAtMs - now) : undefined;
          // A timer until the watch may look: a restore that ends (or changes its spec) before then never starts one.
          if (w.fromMs > now) await sleep(w.fromMs - now);
          return this.acts.watch!.watchHolds(w);
        });
        if (found && found.lost.length > 0) {
          log.warn('the cluster dropped what the restore holds; renewing now', { lost: found.lost });
          this.onHoldsLost(found.lost);
        }
        return;
      } catch (e) {
        if (!waiting.specChanged || scope.consideredCancelled) throw e;
      } finally {
        if (this.waiting === waiting) this.waiting = undefined;
      }
    }
  }
}
