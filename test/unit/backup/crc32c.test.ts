import { crc32c, maskCrc32c, unmaskCrc32c } from '../../../src/backup/crc32c';

describe('crc32c (Castagnoli)', () => {
  test('check value and the RFC 3720 (iSCSI) vectors', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
  });

  test('seeded continuation and sub-ranges agree with the whole buffer', () => {
    const d = Uint8Array.from({ length: 1000 }, (_, i) => (i * 31 + 7) & 0xff);
    expect(crc32c(d.subarray(300), crc32c(d.subarray(0, 300)))).toBe(crc32c(d));
    expect(crc32c(d, 0, 100, 613)).toBe(crc32c(d.subarray(100, 613)));
  });

  test('RocksDB mask: rotate right 15 + 0xa282ead8, and unmask inverts it', () => {
    expect(maskCrc32c(0)).toBe(0xa282ead8);
    // rot(0x00008000) = 1 → 1 + delta
    expect(maskCrc32c(0x8000)).toBe(0xa282ead9);
    for (const v of [1, 0xdeadbeef, 0xffffffff, 0x80000000, 0x12345678]) {
      expect(maskCrc32c(v)).not.toBe(v);
      expect(unmaskCrc32c(maskCrc32c(v))).toBe(v);
    }
  });
});
