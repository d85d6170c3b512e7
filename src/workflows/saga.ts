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
   * Runs the undo of every record whose kind is in `kinds` (all when omitted), newest first, and drops each
   * record once its undo succeeded. Runs in a non-cancellable scope: cancelling the workflow must not stop
   * the cluster from being handed back. Every record is attempted even when one fails; failures are never
   * swallowed: they are raised together at the end (the undo activities retry without limit, so a failure
   * here is a permanent one that an operator must see).
   */
  async compensate(undo: (r: UndoRecord) => Promise<void>, kinds?: readonly UndoRecord['kind'][]): Promise<void> {
    await CancellationScope.nonCancellable(async () => {
      const failures: string[] = [];
      for (let i = this.records.length - 1; i >= 0; i--) {
        const r = this.records[i]!;
        if (kinds && !kinds.includes(r.kind)) continue;
        try {
          await undo(r);
          this.records.splice(i, 1);
        } catch (e) {
          log.error('compensation step failed', { kind: r.kind, error: String(e) });
          failures.push(`${r.kind}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
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
