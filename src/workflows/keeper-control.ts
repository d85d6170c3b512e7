import { CancellationScope } from '@temporalio/workflow';
import type { KeeperSpec } from './types';

/** The keeper activity as the workflow calls it (src/activities/keeper.ts). */
export interface KeeperActivity {
  keeper(spec: KeeperSpec): Promise<never>;
}

/**
 * Starts and stops the keeper activity (src/activities/keeper.ts), which renews what the restore holds on the
 * cluster. A keeper that fails for good (GC passed the restore TS) is reported through `onFailure`; one that
 * ends because it was asked to stop is not.
 */
export class KeeperControl {
  private running: { scope: CancellationScope; done: Promise<void> } | undefined;

  constructor(
    private readonly act: KeeperActivity,
    private readonly spec: () => KeeperSpec,
    private readonly onFailure: (e: unknown) => void,
  ) {}

  /** Starts a keeper with today's spec. */
  start(): void {
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

  /** Cancels the keeper and waits until its activity confirmed it stopped (WAIT_CANCELLATION_COMPLETED). */
  async stop(): Promise<void> {
    const k = this.running;
    this.running = undefined;
    if (!k) return;
    await CancellationScope.nonCancellable(async () => {
      k.scope.cancel();
      await k.done;
    });
  }
}
