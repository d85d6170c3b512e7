/**
 * A seeded pseudo-random generator (sfc32, seeded through splitmix32) so that one seed always yields the
 * same backup, byte for byte. Math.random is never used by the generator.
 */
export interface Prng {
  /** Uniform 32-bit unsigned integer. */
  nextU32(): number;
  /** Uniform integer in [lo, hi] (inclusive); both must be safe integers with hi - lo < 2^32. */
  int(lo: number, hi: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** A string of `len` characters drawn from `alphabet` (code points, so non-ASCII alphabets work). */
  string(len: number, alphabet: string): string;
  /** An independent generator for a named sub-stream: adding draws to one stream never shifts another. */
  fork(label: string): Prng;
}

function splitmix32(state: number): [number, number] {
  const s = (state + 0x9e3779b9) >>> 0;
  let z = s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return [s, (z ^ (z >>> 16)) >>> 0];
}

/** FNV-1a over the UTF-16 units of a label; only needs to be stable, not strong. */
function hashLabel(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Creates a generator from a 32-bit seed (larger numbers are reduced mod 2^32). */
export function createPrng(seed: number): Prng {
  let st = seed >>> 0;
  const words: number[] = [];
  for (let i = 0; i < 4; i++) {
    const [ns, out] = splitmix32(st);
    st = ns;
    words.push(out);
  }
  let [a, b, c, d] = words as [number, number, number, number];
  const nextU32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  // Warm up: sfc32 mixes poorly in its first rounds.
  for (let i = 0; i < 12; i++) nextU32();
  const prng: Prng = {
    nextU32,
    int(lo, hi) {
      const span = hi - lo + 1;
      if (!(span >= 1 && span <= 0x1_0000_0000)) throw new Error(`prng.int: bad range [${lo}, ${hi}]`);
      return lo + Math.floor((nextU32() / 0x1_0000_0000) * span);
    },
    chance(p) {
      return nextU32() / 0x1_0000_0000 < p;
    },
    pick(items) {
      if (items.length === 0) throw new Error('prng.pick: empty list');
      return items[prng.int(0, items.length - 1)] as (typeof items)[number];
    },
    string(len, alphabet) {
      const chars = Array.from(alphabet);
      let s = '';
      for (let i = 0; i < len; i++) s += prng.pick(chars);
      return s;
    },
    fork(label) {
      return createPrng((seed ^ hashLabel(label)) >>> 0);
    },
  };
  return prng;
}
