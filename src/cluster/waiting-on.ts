import { ClusterError } from './errors';

/** What a retry loop is waiting on: the address that failed, the store behind it when known, since when. */
export interface WaitingOn {
  address: string;
  storeId?: string;
  /** The call that failed and why, e.g. "TiKV Download 1_2_write.sst at 127.0.0.1:20161: unavailable: …". */
  reason: string;
  /** ms since the epoch of the first failed try of this wait. */
  sinceMs: number;
}

/**
 * Reports the waits of one retry loop to `onWaiting`: `failed(e)` on each failure the loop retries (a new
 * address starts a new wait, the same one keeps its `sinceMs`), `through()` once it went through.
 * `storeOf` names the store a failed call was addressed to, where the loop knows it.
 */
export function waitReporter(onWaiting: ((w: WaitingOn | undefined) => void) | undefined, storeOf: (e: object) => bigint | undefined = () => undefined): { failed: (e: unknown) => void; through: () => void } {
  let current: WaitingOn | undefined;
  return {
    failed: (e) => {
      if (!onWaiting || !(e instanceof ClusterError)) return;
      if (current?.address === e.address) return;
      const storeId = storeOf(e);
      current = { address: e.address, ...(storeId !== undefined ? { storeId: storeId.toString() } : {}), reason: e.message, sinceMs: Date.now() };
      onWaiting(current);
    },
    through: () => {
      if (current === undefined) return;
      current = undefined;
      onWaiting?.(undefined);
    },
  };
}
