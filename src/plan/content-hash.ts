/**
 * Content hashing for plain-JSON plans, without a crypto module (plan code runs in the workflow sandbox).
 * Not a security hash: it names a plan's content so two runs can tell whether they planned the same thing.
 */

/** JSON with object keys sorted at every level, so equal content gives equal text. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') {
    if (typeof v === 'bigint') return JSON.stringify(v.toString());
    return JSON.stringify(v) ?? 'null';
  }
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonicalJson(x))).join(',')}]`;
  const entries = Object.entries(v as Record<string, unknown>)
    .filter(([, x]) => x !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
}

/**
 * FNV-1a 64-bit over UTF-8 bytes, fed a piece of text at a time: hashing a value's canonical JSON piece by
 * piece gives the same digest as hashing the whole text, without ever building it (a 100,000-file plan's text
 * is ~100 MB, and building it took more time and memory than planning). Computed on two 32-bit halves (prime
 * 2^40 + 0x1b3): BigInt arithmetic per byte is far too slow. Every product stays below 2^53, so plain doubles
 * are exact and `>>> 0` reduces them modulo 2^32.
 */
export class Fnv1a64 {
  private hi = 0xcbf29ce4;
  private lo = 0x84222325;
  /** A high surrogate that ended the previous piece, waiting for its low half. */
  private pendingHigh = -1;

  update(text: string): this {
    let hi = this.hi;
    let lo = this.lo;
    const n = text.length;
    let i = 0;
    if (this.pendingHigh >= 0 && n > 0) {
      const high = this.pendingHigh;
      this.pendingHigh = -1;
      const next = text.charCodeAt(0);
      const cp = next >= 0xdc00 && next <= 0xdfff ? 0x10000 + ((high - 0xd800) << 10) + (next - 0xdc00) : high;
      if (cp !== high) i = 1;
      for (const b of utf8(cp)) {
        lo = (lo ^ b) >>> 0;
        const t = lo * 0x1b3;
        hi = (hi * 0x1b3 + ((t / 4294967296) | 0) + ((lo << 8) >>> 0)) >>> 0;
        lo = t >>> 0;
      }
    }
    for (; i < n; i++) {
      let cp = text.charCodeAt(i);
      if (cp < 0x80) {
        // ASCII, nearly all of a plan: one byte, step inlined.
        lo = (lo ^ cp) >>> 0;
        const t = lo * 0x1b3;
        hi = (hi * 0x1b3 + ((t / 4294967296) | 0) + ((lo << 8) >>> 0)) >>> 0;
        lo = t >>> 0;
        continue;
      }
      if (cp >= 0xd800 && cp <= 0xdbff) {
        if (i + 1 === n) {
          // Its low half may start the next piece.
          this.pendingHigh = cp;
          break;
        }
        const next = text.charCodeAt(i + 1);
        if (next >= 0xdc00 && next <= 0xdfff) {
          cp = 0x10000 + ((cp - 0xd800) << 10) + (next - 0xdc00);
          i++;
        }
      }
      for (const b of utf8(cp)) {
        lo = (lo ^ b) >>> 0;
        const t = lo * 0x1b3;
        hi = (hi * 0x1b3 + ((t / 4294967296) | 0) + ((lo << 8) >>> 0)) >>> 0;
        lo = t >>> 0;
      }
    }
    this.hi = hi;
    this.lo = lo;
    return this;
  }

  /** The digest as 16 lower-case hex digits (a lone high surrogate at the end counts as itself, as in one piece). */
  digest(): string {
    if (this.pendingHigh >= 0) {
      const high = this.pendingHigh;
      this.pendingHigh = -1;
      for (const b of utf8(high)) {
        this.lo = (this.lo ^ b) >>> 0;
        const t = this.lo * 0x1b3;
        this.hi = (this.hi * 0x1b3 + ((t / 4294967296) | 0) + ((this.lo << 8) >>> 0)) >>> 0;
        this.lo = t >>> 0;
      }
    }
    return this.hi.toString(16).padStart(8, '0') + this.lo.toString(16).padStart(8, '0');
  }
}

/** The UTF-8 bytes of one code point above ASCII (a lone surrogate as its 3-byte form, like the one-piece path). */
function utf8(cp: number): number[] {
  return cp < 0x800 ? [0xc0 | (cp >> 6), 0x80 | (cp & 63)]
    : cp < 0x10000 ? [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)]
      : [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)];
}

/** FNV-1a 64-bit over the UTF-8 bytes of `text`, as 16 lower-case hex digits. */
export function fnv1a64(text: string): string {
  return new Fnv1a64().update(text).digest();
}

/**
 * Feeds canonicalJson(v) to `h` piece by piece, the same text in the same order, so the digest equals
 * fnv1a64(canonicalJson(v)) while no piece is larger than one primitive's JSON.
 */
export function hashCanonicalJson(v: unknown, h: Fnv1a64): void {
  if (v === null || typeof v !== 'object') {
    if (typeof v === 'bigint') h.update(JSON.stringify(v.toString()));
    else h.update(JSON.stringify(v) ?? 'null');
    return;
  }
  if (Array.isArray(v)) {
    h.update('[');
    for (let i = 0; i < v.length; i++) {
      if (i > 0) h.update(',');
      const x: unknown = v[i];
      if (x === undefined) h.update('null');
      else hashCanonicalJson(x, h);
    }
    h.update(']');
    return;
  }
  const o = v as Record<string, unknown>;
  const keys = sortedKeys(Object.keys(o));
  let first = true;
  h.update('{');
  for (const k of keys) {
    const x = o[k];
    if (x === undefined) continue;
    h.update(first ? keyPiece(k) : `,${keyPiece(k)}`);
    first = false;
    hashCanonicalJson(x, h);
  }
  h.update('}');
}

/**
 * Objects of one kind (100,000 files, 30,000 ranges) share their key list: its sorted form and each key's
 * `"key":` text are worked out once per list, not once per object. Bounded, so odd inputs cannot grow it.
 */
const SHAPES = new Map<string, string[]>();
const KEY_PIECES = new Map<string, string>();
const CACHE_LIMIT = 4096;

function sortedKeys(keys: string[]): string[] {
  const shape = keys.join('\u0000');
  let sorted = SHAPES.get(shape);
  if (!sorted) {
    sorted = keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (SHAPES.size < CACHE_LIMIT) SHAPES.set(shape, sorted);
  }
  return sorted;
}

function keyPiece(k: string): string {
  let p = KEY_PIECES.get(k);
  if (p === undefined) {
    p = `${JSON.stringify(k)}:`;
    if (KEY_PIECES.size < CACHE_LIMIT) KEY_PIECES.set(k, p);
  }
  return p;
}

/** fnv1a64 of the canonical JSON: the content hash of a plain-JSON value, streamed (see hashCanonicalJson). */
export function contentHash(v: unknown): string {
  const h = new Fnv1a64();
  hashCanonicalJson(v, h);
  return h.digest();
}
