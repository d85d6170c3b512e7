import { crc64 } from '../../../src/backup/crc64';
import { encodeBytes, recordKey, recordPrefix } from '../../../src/plan/keys';
import { checksumByTable, checksumKvs } from '../../../src/simulator/checksum';

const kv = (k: Uint8Array, value: Uint8Array) => ({ rawKey: k, encodedKey: encodeBytes(k), value });

describe('coprocessor checksum with a rewrite rule', () => {
  it('hashes the key as if it still had the old prefix, so it equals the backup-side checksum', () => {
    const value = new Uint8Array([1, 2, 3]);
    const oldKey = recordKey(100, 7);
    const newKey = recordKey(200, 7);
    const withRule = checksumKvs([kv(newKey, value)], { oldPrefix: recordPrefix(100), newPrefix: recordPrefix(200) });
    const backupSide = checksumKvs([kv(oldKey, value)]);
    expect(withRule).toEqual(backupSide);
    expect(backupSide.crc64xor).toBe(crc64(value, crc64(oldKey)));
    expect(backupSide.totalBytes).toBe(BigInt(oldKey.length + value.length));
    expect(() => checksumKvs([kv(recordKey(300, 1), value)], { oldPrefix: recordPrefix(100), newPrefix: recordPrefix(200) })).toThrow(/Wrong prefix/);
  });

  it('groups the inspector checksum by physical table ID', () => {
    const v = new Uint8Array([9]);
    const m = checksumByTable([kv(recordKey(5, 1), v), kv(recordKey(5, 2), v), kv(recordKey(6, 1), v)]);
    expect([...m.keys()]).toEqual(['5', '6']);
    expect(m.get('5')!.totalKvs).toBe(2n);
    expect(m.get('5')!.crc64xor).toBe(crc64(v, crc64(recordKey(5, 1))) ^ crc64(v, crc64(recordKey(5, 2))));
  });
});
