import {
  appendTs, decodeBytes, decodeInt64Cmp, decodeMvccKey, decodeTableId, encodeBytes, encodeInt64Cmp, encodeKeyPrefix,
  concatBytes, fromHex, hexTableIdDigits, recordKey, recordPrefix, startsWith, TABLE_ID_ZERO_DIGITS, tablePrefix, toHex,
} from '../../../src/plan/keys';

const utf8 = (s: string) => new TextEncoder().encode(s);

describe('keys', () => {
  test('i64cmp flips the sign bit, big-endian (tablecodec)', () => {
    expect(toHex(encodeInt64Cmp(1))).toBe('8000000000000001');
    expect(toHex(encodeInt64Cmp(0))).toBe('8000000000000000');
    expect(toHex(encodeInt64Cmp(-1))).toBe('7fffffffffffffff');
    expect(decodeInt64Cmp(encodeInt64Cmp(-42n))).toBe(-42n);
  });

  test('table prefix and row key layout', () => {
    expect(toHex(tablePrefix(45))).toBe('74800000000000002d');
    expect(toHex(recordKey(45, 1))).toBe('74800000000000002d5f728000000000000001');
    expect(decodeTableId(recordKey(45, 7))).toBe(45n);
    expect(decodeTableId(utf8('mDB:'))).toBeUndefined();
  });

  test('memcomparable bytes: groups of 8 with a 0xFF−pad marker (codec.EncodeBytes)', () => {
    expect(toHex(encodeBytes(new Uint8Array()))).toBe('0000000000000000f7');
    expect(toHex(encodeBytes(utf8('abc')))).toBe('6162630000000000fa');
    expect(toHex(encodeBytes(utf8('12345678')))).toBe('3132333435363738ff0000000000000000f7');
    const raw = recordKey(1, 99);
    const { value, read } = decodeBytes(encodeBytes(raw));
    expect(toHex(value)).toBe(toHex(raw));
    expect(read).toBe(27);
    expect(() => decodeBytes(fromHex('6162630000000001fa'))).toThrow(/padding/);
  });

  test('encodeKeyPrefix is a byte prefix of every encoded key with that raw prefix', () => {
    const prefix = recordPrefix(45); // 11 bytes
    const enc = encodeKeyPrefix(prefix);
    // one whole group (9 bytes encoded) then the 3 raw tail bytes
    expect(enc.length).toBe(12);
    for (const h of [1, 1000, -5]) expect(startsWith(encodeBytes(recordKey(45, h)), enc)).toBe(true);
  });

  test('MVCC keys: z ‖ memcomparable ‖ ^ts big-endian', () => {
    const raw = recordKey(45, 1);
    const key = appendTs(new Uint8Array([0x7a, ...encodeBytes(raw)]), 440689413714870273n);
    const d = decodeMvccKey(key);
    expect(toHex(d.rawKey)).toBe(toHex(raw));
    expect(d.ts).toBe(440689413714870273n);
  });
});

describe('toHex / fromHex', () => {
  it('round-trip every byte value, long inputs across the chunk size included, in lower case', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const hex = toHex(all);
    expect(hex.slice(0, 8)).toBe('00010203');
    expect(hex.slice(-4)).toBe('feff');
    expect(fromHex(hex)).toEqual(all);
    const long = Uint8Array.from({ length: 20_001 }, (_, i) => (i * 7) & 255);
    expect(toHex(long)).toHaveLength(40_002);
    expect(fromHex(toHex(long))).toEqual(long);
    expect(fromHex('ABcd')).toEqual(Uint8Array.from([0xab, 0xcd]));
    expect(toHex(new Uint8Array(0))).toBe('');
  });

  it.each(['abc', 'zz', '0g', 'é0', '-1'])('refuses %j, naming it', (bad) => {
    expect(() => fromHex(bad)).toThrow(`not a hex string: ${bad}`);
  });
});

describe('hexTableIdDigits', () => {
  it('names the table ID decodeTableId decodes: equal digits exactly for equal IDs, upper-case hex included', () => {
    const ids = [0n, 1n, 42n, 255n, 256n, (1n << 40n) + 7n, -1n, -(1n << 62n), (1n << 63n) - 1n];
    const digits = ids.map((id) => hexTableIdDigits(toHex(recordPrefix(id))));
    expect(new Set(digits).size).toBe(ids.length);
    ids.forEach((id, i) => {
      const key = toHex(concatBytes(tablePrefix(id), new Uint8Array([0x5f, 0x69, 1, 2])));
      expect(decodeTableId(fromHex(key))).toBe(id);
      expect(hexTableIdDigits(key)).toBe(digits[i]);
      expect(hexTableIdDigits(key.toUpperCase())).toBe(digits[i]);
    });
    expect(hexTableIdDigits(toHex(tablePrefix(0n)))).toBe(TABLE_ID_ZERO_DIGITS);
  });

  it('is undefined for keys that are no table key and throws like fromHex on text that is not hex', () => {
    for (const k of ['', '74', '7480000000000000', '6d' + '00'.repeat(10)]) expect(hexTableIdDigits(k)).toBeUndefined();
    for (const bad of ['7', '74zz000000000000000000', '74 80']) expect(() => hexTableIdDigits(bad)).toThrow('not a hex string');
  });
});
