/**
 * An activity's progress heartbeats, coalesced to at most one per `intervalMs`: the first beat after a quiet
 * spell goes out at once, later ones within the interval become one beat at its end, carrying the state of
 * that moment (`send` reads it when it runs).
 *
 * Why: every heartbeat() the SDK takes is encoded and handed to Temporal's core through a native call, and
 * the core then sends at most one per maxHeartbeatThrottleInterval anyway (DATA_WORKER_TUNING, 20 ms). An
 * ingest of many small ranges beat on every range finished, ~6,000 beats per 2,000 tables, and the native
 * calls alone were ~4 % of the worker's CPU. Coalescing here at the core's own interval sends the server the
 * same beats as before.
 */
export interface BeatThrottle {
  /** Asks for a beat: now if the last one is `intervalMs` old, else once the interval is over. */
  beat(): void;
  /** Drops a pending beat (the activity is ending; its result or failure carries the final state). */
  stop(): void;
}

/** The interval data activities coalesce progress beats to: the data worker's maxHeartbeatThrottleInterval. */
export const PROGRESS_BEAT_INTERVAL_MS = 20;

export function beatThrottle(send: () => void, intervalMs = PROGRESS_BEAT_INTERVAL_MS, now: () => number = Date.now): BeatThrottle {
  let last = -Infinity;
  let pending: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const fire = (): void => {
    pending = undefined;
    last = now();
    send();
  };
  return {
    beat() {
      if (stopped || pending) return;
      const wait = last + intervalMs - now();
      if (wait <= 0) fire();
      else pending = setTimeout(fire, wait);
    },
    stop() {
      stopped = true;
      if (pending) clearTimeout(pending);
      pending = undefined;
    },
  };
}
