import { canonicalJson, contentHash, fnv1a64, Fnv1a64 } from '../../../src/plan/content-hash';

describe('fnv1a64', () => {
  // Reference vectors of FNV-1a 64 (Fowler/Noll/Vo test suite, isthe.com/chongo/tech/comp/fnv).
  it.each([
    ['', 'cbf29ce484222325'],
    ['a', 'af63dc4c8601ec8c'],
    ['foobar', '85944171f73967e8'],
  ])('%j → %s', (s, want) => {
    expect(fnv1a64(s)).toBe(want);
  });

  it('hashes UTF-8 bytes, so non-ASCII text agrees with a byte-wise BigInt reference', () => {
    const ref = (bytes: Uint8Array): string => {
      let h = 0xcbf29ce484222325n;
      for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
      return h.toString(16).padStart(16, '0');
    };
    for (const s of ['中文.表名', 'emoji 🤦🏿', 'x'.repeat(1000) + 'é']) expect(fnv1a64(s)).toBe(ref(new TextEncoder().encode(s)));
  });
});

describe('contentHash', () => {
  it('ignores key order and undefined fields, and sees any value change', () => {
    expect(canonicalJson({ b: 1, a: [1, { d: 'x', c: null }], u: undefined })).toBe('{"a":[1,{"c":null,"d":"x"}],"b":1}');
    expect(contentHash({ a: 1, b: 2 })).toBe(contentHash({ b: 2, a: 1 }));
    expect(contentHash({ a: 1, b: 2 })).not.toBe(contentHash({ a: 1, b: 3 }));
  });
});

describe('streamed hashing', () => {
  it('gives the digest of the whole text however the text is cut, surrogate pairs cut in half included', () => {
    const text = 'plan {"a":"中文"} emoji 🤦🏿 end ' + 'x'.repeat(300) + '🤦';
    const whole = fnv1a64(text);
    for (const step of [1, 2, 3, 7, 64]) {
      const h = new Fnv1a64();
      for (let i = 0; i < text.length; i += step) h.update(text.slice(i, i + step));
      expect(h.digest()).toBe(whole);
    }
    // A lone high surrogate at the very end hashes as in one piece.
    const lone = 'ab\ud83e';
    const h = new Fnv1a64().update('ab').update('\ud83e');
    expect(h.digest()).toBe(fnv1a64(lone));
  });

  it('contentHash streams the canonical JSON: equal to hashing canonicalJson text, on nested values with odd fields', () => {
    const v = {
      z: [1, undefined, null, { y: 'é', x: [true, false, 1.5, -0, 1e21] }],
      a: { n: 12345678901234567890n, s: '"quoted" \\ back\nslash', u: undefined, e: {} },
      m: '🤦🏿',
      arr: [],
    };
    expect(contentHash(v)).toBe(fnv1a64(canonicalJson(v)));
  });

  it('agrees with canonicalJson on many shapes sharing a first key, repeated shapes, and strings JSON must escape', () => {
    // 40 shapes starting with "id" (past the per-first-key cache), each seen three times, key order varying.
    const objects = Array.from({ length: 120 }, (_, i) => {
      const n = i % 40;
      const o: Record<string, unknown> = { id: n };
      for (let k = n; k >= 0; k--) o[`k${k}`] = k % 3 === 0 ? `v${k}` : k;
      return o;
    });
    const strings = ['plain', 'quote " here', 'back \\ slash', 'tab\tnew\nline\u0001', 'lone \ud800 high', 'lone \udc00 low', 'pair 🤦', '\u2028\u2029', 'del \u007f'];
    const v = { objects, strings, nums: [0, -0, 1.5, -2e-7, 1e21, NaN, Infinity, -Infinity], bools: [true, false], nested: { b: { d: [{ y: 1, x: 2 }], c: null }, a: '' } };
    expect(contentHash(v)).toBe(fnv1a64(canonicalJson(v)));
    expect(contentHash(v)).toBe(contentHash(JSON.parse(JSON.stringify(v)) as unknown));
  });
});
