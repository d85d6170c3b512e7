/**
 * Runs `work(i)` for i in [from, count), at most `inFlight` at once, in index order of starting, except the
 * indexes in `skip` (done by an earlier attempt). Reports the finished prefix: `onPrefix(next)` each time every
 * index below `next` is done (what a retry may skip). A failure or `stopped()` keeps new indexes from starting;
 * those in flight always finish first (nothing is abandoned mid-way), then the first failure is thrown. Returns
 * the final prefix.
 */
export async function runRangeLanes(opts: {
  from: number;
  count: number;
  skip?: ReadonlySet<number>;
  inFlight: number;
  work: (i: number) => Promise<void>;
  onPrefix: (next: number) => void;
  stopped: () => boolean;
}): Promise<number> {
  const done = new Set<number>([...(opts.skip ?? [])].filter((i) => i >= opts.from && i < opts.count));
  let cursor = opts.from;
  let next = opts.from;
  while (done.delete(next)) next++;
  if (next > opts.from) opts.onPrefix(next);
  let failure: { error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (cursor < opts.count && !failure && !opts.stopped()) {
      const i = cursor++;
      if (i < next || done.has(i)) continue;
      try {
        await opts.work(i);
      } catch (e) {
        failure ??= { error: e };
        return;
      }
      done.add(i);
      const before = next;
      while (done.has(next)) done.delete(next++);
      if (next > before) opts.onPrefix(next);
    }
  };
  const lanes = Math.min(Math.max(1, opts.inFlight), Math.max(1, opts.count - opts.from));
  await Promise.all(Array.from({ length: lanes }, lane));
  if (failure) throw failure.error;
  return next;
}
