import { decodeInt64Cmp, fromHex, recordKey, toHex } from '../../../../src/plan/keys';
import { decimalFromBin, decimalToBin } from '../../../../src/backup/generator/decimal-bin';
import { decodeJsonBinary, encodeJsonBinary } from '../../../../src/backup/generator/json-binary';
import { fromPackedUint, toPackedUint } from '../../../../src/backup/generator/packed-time';
import { decodeCompactInt, decodeRowV2, encodeRowV2 } from '../../../../src/backup/generator/row-v2';
import { decodeKeyDatums, encodeKeyDatums } from '../../../../src/backup/generator/datum-key-codec';
import { intDatum, NULL_DATUM, stringDatum } from '../../../../src/backup/generator/datum';
import { createPrng } from '../../../../src/backup/generator/prng';

describe('decimal binary (MySQL decimal2bin)', () => {
  // The worked example in MySQL's strings/decimal.c comment for decimal2bin.
  test('1234567890.1234 as DECIMAL(14,4) is 81 0D FB 38 D2 04 D2, its negation inverted', () => {
    expect(toHex(decimalToBin('1234567890.1234', 14, 4))).toBe('810dfb38d204d2');
    expect(toHex(decimalToBin('-1234567890.1234', 14, 4))).toBe('7ef204c72dfb2d');
  });
  test('round-trips and sorts like the numbers', () => {
    const vals = ['-999.99', '-1.5', '0', '0.01', '12.5', '999.99'];
    const bins = vals.map((v) => toHex(decimalToBin(v, 5, 2)));
    expect([...bins].sort()).toEqual(bins);
    expect(vals.map((v, i) => decimalFromBin(fromHex(bins[i]!), 5, 2))).toEqual(['-999.99', '-1.50', '0.00', '0.01', '12.50', '999.99']);
  });
  test('rejects values that do not fit', () => {
    expect(() => decimalToBin('1000', 5, 2)).toThrow(/does not fit/);
  });
});

describe('packed datetime', () => {
  test('round-trips and keeps chronological order', () => {
    const a = { year: 2024, month: 2, day: 29, hour: 23, minute: 59, second: 58, microsecond: 123456 };
    const b = { ...a, second: 59, microsecond: 0 };
    expect(fromPackedUint(toPackedUint(a))).toEqual(a);
    expect(toPackedUint(a) < toPackedUint(b)).toBe(true);
  });
});

describe('row format v2', () => {
  // The short value in the real TiDB mock write record quoted in formats-and-real-parts.md §2.3.
  test('one int column 1 encodes as 80 00 01 00 00 00 01 01 00 01', () => {
    expect(toHex(encodeRowV2([{ id: 1, datum: intDatum(1) }]))).toBe('80000100000001010001');
  });
  test('sorts not-null IDs, lists nulls last, and decodes back', () => {
    const row = encodeRowV2([
      { id: 3, datum: stringDatum('héllo') },
      { id: 2, datum: NULL_DATUM },
      { id: 1, datum: intDatum(-70000) },
    ]);
    const d = decodeRowV2(row);
    expect([...d.values.keys()]).toEqual([1, 3]);
    expect(d.nullIds).toEqual([2]);
    expect(decodeCompactInt(d.values.get(1)!)).toBe(-70000n);
    expect(new TextDecoder().decode(d.values.get(3)!)).toBe('héllo');
  });
  test('switches to the large layout for column IDs over 255', () => {
    const row = encodeRowV2([{ id: 300, datum: intDatum(5) }]);
    expect(row[1]).toBe(1);
    expect(decodeCompactInt(decodeRowV2(row).values.get(300)!)).toBe(5n);
  });
});

describe('memcomparable datums', () => {
  test('int uses flag 0x03 and the sign-flipped big-endian form', () => {
    expect(toHex(encodeKeyDatums([intDatum(1)]))).toBe('038000000000000001');
  });
  test('utf8mb4_bin strings drop trailing spaces (PAD SPACE); binary keeps them', () => {
    expect(toHex(encodeKeyDatums([stringDatum('ab  ')]))).toBe(toHex(encodeKeyDatums([stringDatum('ab')])));
    expect(toHex(encodeKeyDatums([stringDatum('ab ', 'binary')]))).not.toBe(toHex(encodeKeyDatums([stringDatum('ab', 'binary')])));
  });
  test('decodes ints and strings back', () => {
    const d = decodeKeyDatums(encodeKeyDatums([intDatum(-5), stringDatum('日本語テキスト!!')]));
    expect(d[0]).toEqual({ kind: 'int', value: -5n });
    expect(d[1]?.kind === 'bytes' && new TextDecoder().decode(d[1].value)).toBe('日本語テキスト!!');
    expect(decodeInt64Cmp(recordKey(7, 9), 11)).toBe(9n);
  });
});

describe('binary JSON', () => {
  test('{"a":1} has count, size, key entry, value entry, key, int64', () => {
    expect(toHex(encodeJsonBinary({ a: 1 }))).toBe('01' + '01000000' + '1c000000' + '130000000100' + '0914000000' + '61' + '0100000000000000');
  });
  test('round-trips nested values with inline literals', () => {
    const v = { z: [true, null, 'x'], b: { n: -3n }, a: 'ünï' };
    expect(decodeJsonBinary(encodeJsonBinary(v))).toEqual({ a: 'ünï', b: { n: -3n }, z: [true, null, 'x'] });
  });
});

describe('prng', () => {
  test('same seed, same stream; forks are independent of draw order', () => {
    const a = createPrng(42);
    const b = createPrng(42);
    expect(Array.from({ length: 5 }, () => a.nextU32())).toEqual(Array.from({ length: 5 }, () => b.nextU32()));
    expect(createPrng(42).fork('t').nextU32()).toBe(a.fork('t').nextU32());
    expect(createPrng(43).nextU32()).not.toBe(createPrng(42).nextU32());
  });
});
