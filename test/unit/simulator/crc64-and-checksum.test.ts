import { concatBytes, encodeBytes, recordKey, recordPrefix } from '../../../src/plan/keys';
import { checksumKvs } from '../../../src/simulator/checksum';
import { crc64 } from '../../../src/simulator/crc64-xz';

const te = new TextEncoder();

describe('CRC-64/XZ', () => {
  it('matches the published check values', () => {
    expect(crc64(te.encode('123456789'))).toBe(0x995dc9bbdf1939fan);
    expect(crc64(te.encode('hello world!'))).toBe(0x8483c0fa32607d61n);
    expect(crc64(te.encode('1234'), te.encode('56789'))).toBe(0x995dc9bbdf1939fan);
  });
});

describe('coprocessor checksum with a rewrite rule', () => {
  it('hashes the key as if it still had the old prefix, so it equals the backup-side checksum', () => {
    const value = new Uint8Array([1, 2, 3]);
    const oldKey = recordKey(100, 7);
    const newKey = recordKey(200, 7);
    const kv = (k: Uint8Array) => ({ rawKey: k, encodedKey: encodeBytes(k), value });
    const withRule = checksumKvs([kv(newKey)], { oldPrefix: recordPrefix(100), newPrefix: recordPrefix(200) });
    const backupSide = checksumKvs([kv(oldKey)]);
    expect(withRule).toEqual(backupSide);
    expect(backupSide.crc64xor).toBe(crc64(concatBytes(oldKey, value)));
    expect(backupSide.totalBytes).toBe(BigInt(oldKey.length + value.length));
    expect(() => checksumKvs([kv(recordKey(300, 1))], { oldPrefix: recordPrefix(100), newPrefix: recordPrefix(200) })).toThrow(/Wrong prefix/);
  });
});
