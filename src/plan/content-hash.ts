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
 * FNV-1a 64-bit over the UTF-8 bytes of `text`, as 16 lower-case hex digits. Computed on two 32-bit halves
 * (prime 2^40 + 0x1b3): BigInt arithmetic per byte is far too slow for plans of many megabytes. Every product
 * stays below 2^53, so plain doubles are exact and `>>> 0` reduces them modulo 2^32.
 */
export function fnv1a64(text: string): string {
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    let cp = text.charCodeAt(i);
    if (cp < 0x80) {
      // ASCII, nearly all of a plan: one byte, step inlined.
      lo = (lo ^ cp) >>> 0;
      const t = lo * 0x1b3;
      hi = (hi * 0x1b3 + ((t / 4294967296) | 0) + ((lo << 8) >>> 0)) >>> 0;
      lo = t >>> 0;
      continue;
    }
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < n) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (next - 0xdc00);
        i++;
      }
    }
    const bytes = cp < 0x800 ? [0xc0 | (cp >> 6), 0x80 | (cp & 63)]
      : cp < 0x10000 ? [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)]
        : [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)];
    for (const b of bytes) {
      lo = (lo ^ b) >>> 0;
      const t = lo * 0x1b3;
      hi = (hi * 0x1b3 + ((t / 4294967296) | 0) + ((lo << 8) >>> 0)) >>> 0;
      lo = t >>> 0;
    }
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

/** fnv1a64 of the canonical JSON: the content hash of a plain-JSON value. */
export function contentHash(v: unknown): string {
  return fnv1a64(canonicalJson(v));
}
