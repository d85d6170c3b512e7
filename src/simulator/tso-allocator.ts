import { composeTs } from '../plan/keys';
import type { Clock } from './clock';

/** PD keeps 18 logical bits per physical millisecond. */
const MAX_LOGICAL = 1 << 18;

/**
 * PD's timestamp oracle: physical milliseconds from the clock, a logical counter within one
 * millisecond, strictly increasing across calls even if the clock stalls or goes back.
 */
export class TsoAllocator {
  private physical = 0;
  private logical = 0;

  constructor(private readonly clock: Clock) {}

  /** Reserves `count` timestamps and returns the largest, as PD's TsoResponse.timestamp does. */
  allocate(count: number): { physical: number; logical: number } {
    if (!Number.isInteger(count) || count <= 0) throw new Error(`tso count should be positive, got ${count}`);
    if (count >= MAX_LOGICAL) throw new Error(`tso count ${count} exceeds ${MAX_LOGICAL - 1}`);
    const now = this.clock.now();
    if (now > this.physical) {
      this.physical = now;
      this.logical = 0;
    }
    if (this.logical + count >= MAX_LOGICAL) {
      // The logical part would overflow: borrow the next millisecond like PD waits for it.
      this.physical += 1;
      this.logical = 0;
    }
    this.logical += count;
    return { physical: this.physical, logical: this.logical };
  }

  /** The last handed-out timestamp (0 before the first). */
  current(): bigint {
    return composeTs(this.physical, this.logical);
  }

  /**
   * PD's admin reset-ts: only moves forward. Returns false (PD answers 403) when `ts` is not larger
   * than the current timestamp or the clock.
   */
  reset(ts: bigint): boolean {
    // PD compares with its clock too, not only with what it handed out ("the specified ts is smaller than now").
    const now = composeTs(this.clock.now(), 0);
    if (ts <= this.current() || ts <= now) return false;
    this.physical = Number(ts >> 18n);
    this.logical = Number(ts & BigInt(MAX_LOGICAL - 1));
    return true;
  }
}
