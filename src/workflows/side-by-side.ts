/**
 * Waits for every step to end, then raises the first failure (in the order given), if any. Unlike Promise.all,
 * it never returns while a step still runs: a restore that fails goes on to undo its steps, and an undo must not
 * race the step it undoes (import mode entered after normal mode was restored, say). `undefined` stands for a
 * step that was not needed.
 */
export async function allEnded(steps: readonly (Promise<unknown> | undefined)[]): Promise<void> {
  const ended = await Promise.allSettled(steps);
  for (const e of ended) if (e.status === 'rejected') throw e.reason;
}
