import { decodeMvccWrite, encodeMvccWrite, peekMvccWrite, type MvccWrite } from '../../../src/backup/mvcc-write';
import { ErrorType } from '../../../src/plan/error-types';
import { fromHex, toHex } from '../../../src/plan/keys';

describe('TiKV write-CF record', () => {
  test('decodes a real record from a TiDB backup (Put, start_ts, 10-byte short row value)', () => {
    const bytes = fromHex('508180b0c8aae5d4af06760a80000100000001010001');
    const w = decodeMvccWrite(bytes);
    expect(w.type).toBe('put');
    expect(w.startTs).toBe(459177129704947713n);
    expect(toHex(w.shortValue as Uint8Array)).toBe('80000100000001010001');
    expect(toHex(encodeMvccWrite(w))).toBe(toHex(bytes));
  });

  test('round-trips every type and every optional tail in TiKV order', () => {
    const cases: MvccWrite[] = [
      { type: 'put', startTs: 0n, shortValue: new TextEncoder().encode('short_value') },
      { type: 'delete', startTs: 1n << 20n },
      { type: 'rollback', startTs: 1n << 40n, shortValue: new TextEncoder().encode('p') },
      { type: 'lock', startTs: 18446744073709551615n },
      { type: 'put', startTs: 123n, hasOverlappedRollback: true, gcFence: 1234567n },
      { type: 'put', startTs: 456n, shortValue: new Uint8Array(255).fill(7), hasOverlappedRollback: true, gcFence: 0n, lastChangeTs: 99n, versionsToLastChange: 3n, txnSource: 1n },
      { type: 'put', startTs: 5n, shortValue: new Uint8Array(0) },
    ];
    for (const w of cases) {
      const bytes = encodeMvccWrite(w);
      expect(decodeMvccWrite(bytes)).toEqual(w);
      // The allocation-free peek used by file checksums agrees on type and short value, past any tail.
      expect(peekMvccWrite(bytes)).toEqual({ type: w.type, shortValue: w.shortValue });
    }
  });

  test('exact bytes: Put with empty short value, Delete with gc fence', () => {
    expect(toHex(encodeMvccWrite({ type: 'put', startTs: 300n, shortValue: new Uint8Array(0) }))).toBe('50ac027600');
    expect(toHex(encodeMvccWrite({ type: 'delete', startTs: 1n, gcFence: 2n }))).toBe('4401460000000000000002');
  });

  test('an unknown tag stops parsing (forward compatibility) without losing known fields', () => {
    const w = decodeMvccWrite(fromHex('5005' + '7601aa' + '5a' + 'ffff'));
    expect(w).toEqual({ type: 'put', startTs: 5n, shortValue: fromHex('aa') });
  });

  test('damaged records are SstCorrupt naming the problem', () => {
    expect(() => decodeMvccWrite(fromHex('58'))).toThrow(expect.objectContaining({ type: ErrorType.SstCorrupt }));
    expect(() => decodeMvccWrite(fromHex('5805'))).toThrow(/unknown write type byte 0x58/);
    expect(() => decodeMvccWrite(fromHex('5005760a0102'))).toThrow(/short value of 10 bytes but only 2 remain/);
    expect(() => decodeMvccWrite(fromHex('50ff'))).toThrow(/varint runs past the end/);
    expect(() => decodeMvccWrite(fromHex('500546000001'))).toThrow(/u64 runs past the end/);
    for (const h of ['58', '5805', '5005760a0102', '50ff', '500546000001', '50056c0000000000000001']) {
      expect(() => peekMvccWrite(fromHex(h))).toThrow(expect.objectContaining({ type: ErrorType.SstCorrupt }));
    }
  });

  test('a short value over 255 bytes cannot be encoded inline', () => {
    expect(() => encodeMvccWrite({ type: 'put', startTs: 1n, shortValue: new Uint8Array(256) })).toThrow(/default CF/);
  });
});
