/**
 * CRC-32C (Castagnoli, reflected poly 0x82F63B78), the checksum RocksDB puts in every block trailer when the table
 * uses `kCRC32c` (TiKV's setting), plus RocksDB's mask: a CRC stored next to data that itself contains CRCs is
 * rotated and offset so that the CRC of a string with embedded CRCs is not degenerate (util/crc32c.h).
 */

const POLY = 0x82f63b78;
/** Slicing-by-8 table: T[k*256 + b] is the CRC of byte b followed by k zero bytes. */
const T = new Uint32Array(8 * 256);

(function buildTable(): void {
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let i = 0; i < 8; i++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    T[b] = c >>> 0;
  }
  for (let k = 1; k < 8; k++) {
    for (let b = 0; b < 256; b++) {
      const prev = T[(k - 1) * 256 + b] as number;
      T[k * 256 + b] = ((prev >>> 8) ^ (T[prev & 0xff] as number)) >>> 0;
    }
  }
})();

/** CRC-32C of `data`; `seed` continues a previous result (crc32c(b, crc32c(a)) === crc32c(a ‖ b)). */
export function crc32c(data: Uint8Array, seed = 0, start = 0, end = data.length): number {
  let c = ~seed >>> 0;
  let i = start;
  while (end - i >= 8) {
    const a = (c ^ ((data[i] as number) | ((data[i + 1] as number) << 8) | ((data[i + 2] as number) << 16) | ((data[i + 3] as number) << 24))) >>> 0;
    const b = (data[i + 4] as number) | ((data[i + 5] as number) << 8) | ((data[i + 6] as number) << 16) | ((data[i + 7] as number) << 24);
    c =
      (T[7 * 256 + (a & 0xff)] as number) ^
      (T[6 * 256 + ((a >>> 8) & 0xff)] as number) ^
      (T[5 * 256 + ((a >>> 16) & 0xff)] as number) ^
      (T[4 * 256 + (a >>> 24)] as number) ^
      (T[3 * 256 + (b & 0xff)] as number) ^
      (T[2 * 256 + ((b >>> 8) & 0xff)] as number) ^
      (T[256 + ((b >>> 16) & 0xff)] as number) ^
      (T[(b >>> 24) & 0xff] as number);
    i += 8;
  }
  for (; i < end; i++) c = (c >>> 8) ^ (T[(c ^ (data[i] as number)) & 0xff] as number);
  return ~c >>> 0;
}

const MASK_DELTA = 0xa282ead8;

/** RocksDB `crc32c::Mask`: rotate right by 15 bits and add a constant (mod 2^32). */
export function maskCrc32c(crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + MASK_DELTA) >>> 0;
}

/** Inverse of {@link maskCrc32c}. */
export function unmaskCrc32c(masked: number): number {
  const rot = (masked - MASK_DELTA) >>> 0;
  return ((rot >>> 17) | (rot << 15)) >>> 0;
}
