import { canonicalJson, contentHash, fnv1a64 } from '../../../src/plan/content-hash';

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
