import { CancellationScope, isCancellation, patched, sleep } from '@temporalio/workflow';
import type { KeeperSpec } from './types';

/** The keeper activity as the workflow calls it (src/activities/keeper.ts). */
export interface KeeperActivity {
  keeper(spec: KeeperSpec): Promise<void>;
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
 */
export class KeeperControl {
  private ticks: boolean | undefined;
  private running: { scope: CancellationScope; done: Promise<void> } | undefined;
  /** Workflow time of the last renewal a tick started (ticks only; a fresh run has none). */
  private lastRenewalMs: number | undefined;

  constructor(
    private readonly act: KeeperActivity,
    private readonly tickAct: KeeperActivity,
    private readonly spec: () => KeeperSpec,
    private readonly onFailure: (e: unknown) => void,
  ) {}

  /** Starts keeping with today's spec; nothing when it is already keeping (one loop, never two). */
  start(): void {
    if (this.running) return;
    this.ticks ??= patched('brflow-keeper-ticks');
    if (this.ticks) this.startTicks();
    else this.startActivity();
  }

  /**
   * The spec changed (import mode and pauses applied): a running long keeper is restarted to learn it;
   * ticks read the spec at each renewal and need nothing.
   */
  async specChanged(): Promise<void> {
    if (this.ticks) return;
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
        if (wait > 0) await sleep(wait);
        this.lastRenewalMs = Date.now();
        // Never cancelled: a renewal that is asked to stop may still land; stop() waits for it instead.
        await CancellationScope.nonCancellable(() => this.tickAct.keeper({ ...this.spec(), once: true }));
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
    const done = scope.run(() => this.act.keeper(this.spec())).then(
      () => undefined,
      (e: unknown) => {
        // Asked to stop: whatever ended it (cancelled, or timed out while stopping), it is no longer running.
        if (scope.consideredCancelled) return;
        this.onFailure(e);
      },
    );
    this.running = { scope, done };
  }
}
