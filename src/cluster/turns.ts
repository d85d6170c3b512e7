/**
 * Turns taken one at a time per key, in the order asked for: `take(key, fn)` runs `fn` once every earlier turn
 * of the same key has ended (however it ended). Keys are held weakly, so a key nobody holds any more (a closed
 * cluster connection) leaves nothing behind.
 */
export class Turns<K extends object> {
  private readonly tails = new WeakMap<K, Promise<void>>();

  async take<T>(key: K, fn: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key);
    let end!: () => void;
    const mine = new Promise<void>((resolve) => {
      end = resolve;
    });
    const tail = before ? before.then(() => mine) : mine;
    this.tails.set(key, tail);
    try {
      if (before) await before;
      return await fn();
    } finally {
      end();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
