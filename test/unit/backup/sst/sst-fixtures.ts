/** Deterministic KV sets for SST tests: sorted unique keys, empty values, values over 255 bytes, binary bytes. */
export interface Kv {
  key: Uint8Array;
  value: Uint8Array;
}

export function xorshiftBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** `count` KVs: keys share long prefixes (exercises prefix compression), values vary from 0 to ~700 bytes. */
export function mixedKvs(count: number): Kv[] {
  const kvs: Kv[] = [];
  const enc = new TextEncoder();
  for (let i = 0; i < count; i++) {
    const key = new Uint8Array([0x74, 0x80, 0, 0, 0, 0, 0, 0, 0x2a, 0x5f, 0x72, ...enc.encode(String(i).padStart(7, '0')), 0x00, 0xff]);
    let value: Uint8Array;
    if (i % 11 === 0) value = new Uint8Array(0);
    else if (i % 13 === 0) value = xorshiftBytes(256 + (i % 450), i);
    else value = enc.encode(`row-${i}-`.repeat(1 + (i % 9)));
    kvs.push({ key, value });
  }
  return kvs;
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}
