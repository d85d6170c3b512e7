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
 * is ~100 MB, and building it took more time and memory than planning).
 *
 * The state is four 16-bit limbs, least significant first. Multiplying by the prime 2^40 + 0x1b3 is then a
 * small multiply per limb plus the low limbs shifted up by 40 bits (8 bits into limb 2), and every
 * intermediate stays below 2^26: plain int32 arithmetic, no doubles, no BigInt. Each limb's step from one
 * byte to the next is a small integer multiply and a few adds, where the two 32-bit halves this replaced went
 * through a double multiply and a division per byte: 2.5–3× faster in a micro-benchmark, same digests (the
 * plan hash must not change: a running restore's PlanRef holds it).
 */
export class Fnv1a64 {
  private h0 = 0x2325;
  private h1 = 0x8422;
  private h2 = 0x9ce4;
  private h3 = 0xcbf2;
  /** A high surrogate that ended the previous piece, waiting for its low half. */
  private pendingHigh = -1;

  update(text: string): this {
    const n = text.length;
    let i = 0;
    if (this.pendingHigh >= 0 && n > 0) {
      const high = this.pendingHigh;
      this.pendingHigh = -1;
      const next = text.charCodeAt(0);
      const paired = next >= 0xdc00 && next <= 0xdfff;
      this.codePoint(paired ? 0x10000 + ((high - 0xd800) << 10) + (next - 0xdc00) : high);
      if (paired) i = 1;
    }
    let h0 = this.h0;
    let h1 = this.h1;
    let h2 = this.h2;
    let h3 = this.h3;
    for (; i < n; i++) {
      let cp = text.charCodeAt(i);
      if (cp < 0x80) {
        // ASCII, nearly all of a plan: one byte, step inlined.
        h0 ^= cp;
        const t0 = h0 * 0x1b3;
        const t1 = h1 * 0x1b3 + (t0 >>> 16);
        const t2 = h2 * 0x1b3 + (t1 >>> 16) + (h0 << 8);
        const t3 = h3 * 0x1b3 + (t2 >>> 16) + (h1 << 8);
        h0 = t0 & 0xffff;
        h1 = t1 & 0xffff;
        h2 = t2 & 0xffff;
        h3 = t3 & 0xffff;
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
      this.h0 = h0;
      this.h1 = h1;
      this.h2 = h2;
      this.h3 = h3;
      this.codePoint(cp);
      h0 = this.h0;
      h1 = this.h1;
      h2 = this.h2;
      h3 = this.h3;
    }
    this.h0 = h0;
    this.h1 = h1;
    this.h2 = h2;
    this.h3 = h3;
    return this;
  }

  /** The digest as 16 lower-case hex digits (a lone high surrogate at the end counts as itself, as in one piece). */
  digest(): string {
    if (this.pendingHigh >= 0) {
      const high = this.pendingHigh;
      this.pendingHigh = -1;
      this.codePoint(high);
    }
    const hex = (x: number): string => x.toString(16).padStart(4, '0');
    return hex(this.h3) + hex(this.h2) + hex(this.h1) + hex(this.h0);
  }

  /** Hashes the UTF-8 bytes of one code point above ASCII (a lone surrogate as its 3-byte form, like the one-piece path). */
  private codePoint(cp: number): void {
    if (cp < 0x800) {
      this.byte(0xc0 | (cp >> 6));
    } else if (cp < 0x10000) {
      this.byte(0xe0 | (cp >> 12));
      this.byte(0x80 | ((cp >> 6) & 63));
    } else {
      this.byte(0xf0 | (cp >> 18));
      this.byte(0x80 | ((cp >> 12) & 63));
      this.byte(0x80 | ((cp >> 6) & 63));
    }
    this.byte(0x80 | (cp & 63));
  }

  private byte(b: number): void {
    const h0 = this.h0 ^ b;
    const t0 = h0 * 0x1b3;
    const t1 = this.h1 * 0x1b3 + (t0 >>> 16);
    const t2 = this.h2 * 0x1b3 + (t1 >>> 16) + (h0 << 8);
    const t3 = this.h3 * 0x1b3 + (t2 >>> 16) + (this.h1 << 8);
    this.h0 = t0 & 0xffff;
    this.h1 = t1 & 0xffff;
    this.h2 = t2 & 0xffff;
    this.h3 = t3 & 0xffff;
  }
}

/** FNV-1a 64-bit over the UTF-8 bytes of `text`, as 16 lower-case hex digits. */
export function fnv1a64(text: string): string {
  return new Fnv1a64().update(text).digest();
}

/**
 * Feeds canonicalJson(v) to `h` piece by piece, the same text in the same order, so the digest equals
 * fnv1a64(canonicalJson(v)). The top-level object and arrays are walked here; each array element's text is
 * built whole (canonicalText) and hashed in one piece, so no piece is larger than one element (one file, one
 * range, one table) while the per-piece overhead is paid once per element rather than once per primitive.
 */
export function hashCanonicalJson(v: unknown, h: Fnv1a64): void {
  if (v === null || typeof v !== 'object') {
    h.update(canonicalText(v));
    return;
  }
  if (Array.isArray(v)) {
    h.update('[');
    for (let i = 0; i < v.length; i++) {
      if (i > 0) h.update(',');
      const x: unknown = v[i];
      h.update(x === undefined ? 'null' : canonicalText(x));
    }
    h.update(']');
    return;
  }
  const o = v as Record<string, unknown>;
  let first = true;
  h.update('{');
  for (const k of sortedKeys(Object.keys(o))) {
    const x = o[k];
    if (x === undefined) continue;
    h.update(first ? keyPiece(k) : `,${keyPiece(k)}`);
    first = false;
    hashCanonicalJson(x, h);
  }
  h.update('}');
}

/** canonicalJson(v) built with the cached key pieces; flat plain objects are written natively by JSON.stringify. */
function canonicalText(v: unknown): string {
  if (v === null || typeof v !== 'object') return primitiveText(v);
  if (Array.isArray(v)) {
    let s = '[';
    for (let i = 0; i < v.length; i++) {
      if (i > 0) s += ',';
      const x: unknown = v[i];
      s += x === undefined ? 'null' : canonicalText(x);
    }
    return `${s}]`;
  }
  const o = v as Record<string, unknown>;
  let s = '{';
  let first = true;
  for (const k of sortedKeys(Object.keys(o))) {
    const x = o[k];
    if (x === undefined) continue;
    s += (first ? keyPiece(k) : `,${keyPiece(k)}`) + (x === null || typeof x !== 'object' ? primitiveText(x) : canonicalText(x));
    first = false;
  }
  return `${s}}`;
}

/**
 * JSON of a primitive as canonicalJson writes it. Numbers and booleans skip JSON.stringify: for a finite
 * number it writes what String does (-0 as "0" included), and a call per value was a large part of the hash.
 */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

function primitiveText(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return NEEDS_ESCAPE.test(v) ? JSON.stringify(v) : `"${v}"`;
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return JSON.stringify(v.toString());
    default:
      // null, and what JSON cannot write (undefined, functions, symbols), which canonicalJson writes as null.
      return JSON.stringify(v) ?? 'null';
  }
}

/**
 * Objects of one kind (100,000 files, 30,000 ranges) share their key list: its sorted form and each key's
 * `"key":` text are worked out once per list, not once per object. Bounded, so odd inputs cannot grow it.
 */
const SHAPES = new Map<string, { keys: readonly string[]; sorted: string[] }[]>();
const KEY_PIECES = new Map<string, string>();
const CACHE_LIMIT = 4096;
const SHAPES_PER_FIRST_KEY = 16;
let shapeCount = 0;

/**
 * The keys in canonical order. A shape is found by its first key and then compared key by key (property names
 * are internalized strings, so each comparison is a pointer check): no text is built per object to look it up.
 */
function sortedKeys(keys: string[]): string[] {
  if (keys.length < 2) return keys;
  const candidates = SHAPES.get(keys[0]!);
  if (candidates) {
    for (const c of candidates) if (sameKeys(c.keys, keys)) return c.sorted;
  }
  // Few shapes share a first key in a plan; past a handful, sorting beats scanning them.
  if (candidates && candidates.length >= SHAPES_PER_FIRST_KEY) return keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const raw = keys.slice();
  const sorted = keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (shapeCount < CACHE_LIMIT) {
    shapeCount++;
    if (candidates) candidates.push({ keys: raw, sorted });
    else SHAPES.set(raw[0]!, [{ keys: raw, sorted }]);
  }
  return sorted;
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
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
