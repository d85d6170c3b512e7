/** Polls `check` until it stops throwing (every `everyMs`, up to `ms`), returning its value; rethrows its last failure. */
export async function eventually<T>(ms: number, check: () => Promise<T>, everyMs = 100): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}
