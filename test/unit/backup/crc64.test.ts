import { KvChecksum, crc64 } from '../../../src/backup/crc64';

const text = (s: string) => new TextEncoder().encode(s);

/** Bit-at-a-time reference (ECMA-182 reflected, init/xorout all ones) to cross-check the sliced tables. */
function crc64Reference(data: Uint8Array): bigint {
  const poly = 0xc96c5795d7870f42n;
  let crc = 0xffffffffffffffffn;
  for (const b of data) {
    crc ^= BigInt(b);
    for (let i = 0; i < 8; i++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
  }
  return crc ^ 0xffffffffffffffffn;
}

function pseudoRandomBytes(n: number, seed: number): Uint8Array {
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

describe('crc64 (CRC-64/XZ)', () => {
  test('standard check vectors', () => {
    expect(crc64(text('123456789'))).toBe(0x995dc9bbdf1939fan);
    expect(crc64(text('hello world!'))).toBe(0x8483c0fa32607d61n);
    expect(crc64(new Uint8Array(0))).toBe(0n);
  });

  test('matches a bit-at-a-time reference for every length 0..80 and a long buffer', () => {
    for (let n = 0; n <= 80; n++) {
      const d = pseudoRandomBytes(n, n + 7);
      expect(crc64(d)).toBe(crc64Reference(d));
    }
    const big = pseudoRandomBytes(5003, 99);
    expect(crc64(big)).toBe(crc64Reference(big));
  });

  test('a seed continues a previous CRC: crc64(b, crc64(a)) = crc64(a ‖ b)', () => {
    const a = pseudoRandomBytes(37, 1);
    const b = pseudoRandomBytes(21, 2);
    const ab = new Uint8Array([...a, ...b]);
    expect(crc64(b, crc64(a))).toBe(crc64(ab));
    expect(crc64(new Uint8Array(0), crc64(a))).toBe(crc64(a));
  });
});

describe('KvChecksum', () => {
  test('one KV is crc64(key ‖ value); several XOR together; counts add up', () => {
    const kvs = [
      [text('t\x80k1'), text('v1')],
      [text('t\x80k2'), text('value two')],
      [text('t\x80k3'), new Uint8Array(0)],
    ] as const;
    const c = new KvChecksum();
    let xor = 0n;
    let bytes = 0;
    for (const [k, v] of kvs) {
      c.update(k, v);
      xor ^= crc64(new Uint8Array([...k, ...v]));
      bytes += k.length + v.length;
    }
    expect(c.crc64xor).toBe(xor);
    expect(c.totalKvs).toBe(3n);
    expect(c.totalBytes).toBe(BigInt(bytes));
  });

  test('merge equals accumulating everything in one', () => {
    const all = new KvChecksum();
    const a = new KvChecksum();
    const b = new KvChecksum();
    for (let i = 0; i < 50; i++) {
      const k = pseudoRandomBytes(19, i + 1);
      const v = pseudoRandomBytes(i * 3, i + 100);
      all.update(k, v);
      (i % 2 ? a : b).update(k, v);
    }
    a.merge(b);
    expect(a.crc64xor).toBe(all.crc64xor);
    expect(a.totalKvs).toBe(all.totalKvs);
    expect(a.totalBytes).toBe(all.totalBytes);
  });

  test('with a rewrite rule, new-prefix keys checksum exactly like the old keys (TiKV checksum.rs)', () => {
    const oldPrefix = text('t\x80\x00\x00\x00\x00\x00\x00\x05_r');
    const newPrefix = text('t\x80\x00\x00\x00\x00\x00\x00\x63_r');
    const oldSide = new KvChecksum();
    const newSide = new KvChecksum();
    for (let i = 0; i < 20; i++) {
      const handle = pseudoRandomBytes(8, i + 3);
      const v = pseudoRandomBytes(10 + i, i + 50);
      oldSide.update(new Uint8Array([...oldPrefix, ...handle]), v);
      newSide.update(new Uint8Array([...newPrefix, ...handle]), v, { oldPrefix, newPrefix });
    }
    expect(newSide.crc64xor).toBe(oldSide.crc64xor);
    expect(newSide.totalKvs).toBe(oldSide.totalKvs);
    expect(newSide.totalBytes).toBe(oldSide.totalBytes);
    // Different prefix lengths adjust total_bytes by len(old) − len(new).
    const short = new KvChecksum();
    short.update(text('XYabc'), text('v'), { oldPrefix: text('LONGPREFIX'), newPrefix: text('XY') });
    expect(short.totalBytes).toBe(BigInt('LONGPREFIXabc'.length + 1));
    expect(short.crc64xor).toBe(crc64(text('LONGPREFIXabcv')));
  });

  test('a key outside the rule’s new prefix is rejected', () => {
    const c = new KvChecksum();
    expect(() => c.update(text('t2_r1'), text('v'), { oldPrefix: text('t1_r'), newPrefix: text('t3_r') })).toThrow(/new prefix/);
    expect(c.totalKvs).toBe(0n);
  });
});
