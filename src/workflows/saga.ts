import { ApplicationFailure, CancellationScope, log } from '@temporalio/workflow';
import { ErrorType } from '../plan/error-types';
import type { UndoRecord } from './types';

/**
 * The undo stack of a restore, kept as data (not closures) so it survives worker crashes and continue-as-new.
 * A record is pushed BEFORE the step it undoes: the step may apply and then fail or time out, and its undo
 * must still run. Every undo is idempotent ("set to the desired state"), so undoing a step that never
 * applied is harmless.
 */
export class Saga {
  private readonly records: UndoRecord[];

  constructor(records: UndoRecord[] = []) {
    this.records = [...records];
  }

  /** Registers the undo of a step about to run. */
  push(record: UndoRecord): void {
    this.records.push(record);
  }

  /** A copy, oldest first, for continue-as-new and queries. */
  snapshot(): UndoRecord[] {
    return [...this.records];
  }

  get size(): number {
    return this.records.length;
  }

  /**
   * Runs the undo of every record whose kind is in `kinds` (all when omitted) and drops each record once its undo
   * succeeded. Runs in a non-cancellable scope: cancelling the workflow must not stop the cluster from being
   * handed back. Every record is attempted even when one fails; failures are never swallowed: they are raised
   * together at the end (the undo activities retry without limit, so a failure here is a permanent one that an
   * operator must see).
   *
   * One by one, newest first, unless `sideBySide`: then every undo starts at once. Each undo sets one thing of its
   * own back (TiKV's mode, PD's schedulers and config, one GC safepoint, TiKV's rate limit) and none reads what
   * another sets, so their order is not needed; side by side the hand-back costs one round trip through Temporal
   * instead of one per record. Runs recorded before `brflow-undo-side-by-side` undid one by one.
   */
  async compensate(undo: (r: UndoRecord) => Promise<void>, kinds?: readonly UndoRecord['kind'][], opts: { sideBySide?: boolean } = {}): Promise<void> {
    await CancellationScope.nonCancellable(async () => {
      const due = this.records.filter((r) => !kinds || kinds.includes(r.kind)).reverse();
      const failures: string[] = [];
      const attempt = async (r: UndoRecord): Promise<void> => {
        try {
          await undo(r);
          this.records.splice(this.records.indexOf(r), 1);
        } catch (e) {
          log.error('compensation step failed', { kind: r.kind, error: String(e) });
          failures.push(`${r.kind}: ${e instanceof Error ? e.message : String(e)}`);
        }
      };
      if (opts.sideBySide) await Promise.all(due.map(attempt));
      else for (const r of due) await attempt(r);
      if (failures.length > 0) {
        throw ApplicationFailure.nonRetryable(
          `compensation did not finish: ${failures.join('; ')}; the cluster may not be back to normal: fix the cause, then resume the schedulers, restore the schedule config and switch TiKV to normal mode by hand`,
          ErrorType.ClusterRejected,
          { failures },
        );
      }
    });
  }
}
