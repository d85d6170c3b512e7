import { initSstCodecs, openSst, readSst, writeSst, type SstCompression } from '../../../../src/backup/sst';
import { crc32c, maskCrc32c } from '../../../../src/backup/crc32c';
import { ErrorType } from '../../../../src/plan/error-types';
import { mixedKvs } from './sst-fixtures';

beforeAll(async () => {
  await initSstCodecs();
});

const kvs = mixedKvs(600);

function build(compression: SstCompression): Uint8Array {
  return writeSst(kvs, { compression, blockSize: 2048 });
}

function flip(b: Uint8Array, i: number, mask: number): void {
  b[i] = (b[i] as number) ^ mask;
}

function sstError(f: () => unknown): { type: string; message: string } {
  try {
    f();
  } catch (e) {
    return e as { type: string; message: string };
  }
  throw new Error('expected the read to fail');
}

describe('SST corruption is reported naming the block and the failed check', () => {
  test.each(['none', 'zstd', 'lz4', 'snappy'] as SstCompression[])('%s: a flipped byte in data block 3 → crc32c mismatch at its offset', (compression) => {
    const sst = build(compression);
    const h = openSst(sst).dataBlocks[3];
    if (!h) throw new Error('test table has fewer than 4 blocks');
    const bad = sst.slice();
    flip(bad, h.offset + Math.floor(h.size / 2), 0x20);
    const e = sstError(() => readSst(bad, { name: '1/7_2_write.sst' }));
    expect(e.type).toBe(ErrorType.SstCorrupt);
    expect(e.message).toMatch(new RegExp(`^SST 1/7_2_write\\.sst is corrupt: data block 3 at offset ${h.offset}: crc32c mismatch \\(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\\)`));
    // Blocks before the damage are still delivered by the iterator before it fails.
    const t = openSst(bad);
    const it = t.entries();
    expect(it.next().done).toBe(false);
  });

  test('a flipped byte in the block trailer (stored checksum) is caught too', () => {
    const sst = build('zstd');
    const h = openSst(sst).dataBlocks[0] as { offset: number; size: number };
    const bad = sst.slice();
    flip(bad, h.offset + h.size + 2, 1);
    expect(() => readSst(bad)).toThrow(new RegExp(`data block 0 at offset ${h.offset}: crc32c mismatch`));
  });

  test('damaged compressed bytes with a recomputed checksum fail decompression, naming the block', () => {
    const sst = build('zstd');
    const t = openSst(sst);
    const i = t.dataBlocks.findIndex((h) => sst[h.offset + h.size] === 7);
    const h = t.dataBlocks[i] as { offset: number; size: number };
    const damage = (from: number, to: number) => {
      const bad = sst.slice();
      for (let k = from; k < to; k++) flip(bad, h.offset + k, 0xff);
      const crc = crc32c(bad, 0, h.offset, h.offset + h.size + 1);
      new DataView(bad.buffer).setUint32(h.offset + h.size + 1, maskCrc32c(crc), true);
      return sstError(() => readSst(bad));
    };
    // Inside the compressed body: zstd may reject it, or (damaged literals) yield bytes the block parser rejects.
    const body = damage(20, 36);
    expect(body.type).toBe(ErrorType.SstCorrupt);
    expect(body.message).toMatch(new RegExp(`data block ${i} at offset ${h.offset}: (zstd decompression failed|decompressed to \\d+ bytes|entry .* (is malformed|runs past|shares))`));
    // In the frame header: caught before the decoder sizes its buffer from it.
    expect(damage(2, 6).message).toMatch(new RegExp(`data block ${i} at offset ${h.offset}: zstd frame magic missing`));
    expect(damage(7, 9).message).toMatch(new RegExp(`data block ${i} at offset ${h.offset}: zstd frame declares \\d+ bytes, the block declares \\d+`));
  });

  test('index, metaindex and footer damage name their part', () => {
    const sst = build('none');
    const n = sst.length;
    const footerStart = n - 53;
    const metaOff = sst.length - 53 - 5 - 1; // inside the metaindex block, which ends right before the footer
    const bad1 = sst.slice();
    flip(bad1, metaOff, 1);
    expect(() => openSst(bad1)).toThrow(/metaindex block at offset \d+: crc32c mismatch/);

    const bad2 = sst.slice();
    flip(bad2, n - 1, 1);
    expect(() => openSst(bad2)).toThrow(/footer magic 0x[0-9a-f]{16} is not a block-based table/);

    expect(() => openSst(sst.subarray(0, 30))).toThrow(/shorter than an SST footer/);
    // Truncating the tail loses the footer; truncating the front makes the handles point past the data.
    expect(() => openSst(sst.subarray(0, n - 10))).toThrow(/footer magic/);
    const shifted = sst.subarray(4000);
    expect(() => openSst(shifted)).toThrow(expect.objectContaining({ type: ErrorType.SstCorrupt, message: expect.stringMatching(/block at offset \d+: .*runs past the end/) }));

    // An index handle pointing outside the file.
    const bad3 = sst.slice();
    bad3.fill(0, footerStart + 1, footerStart + 41);
    bad3.set([0x80, 0x80, 0x80, 0x80, 0x08, 0x10, 0x00, 0x10], footerStart + 1);
    expect(() => openSst(bad3)).toThrow(/metaindex block at offset 2147483648: 16-byte block runs past the end/);
  });

  test('checksum verification can be switched off for tables with unsupported checksum types only on request', () => {
    const sst = build('none');
    const xxh3 = sst.slice();
    xxh3[sst.length - 53] = 4;
    expect(() => openSst(xxh3)).toThrow(/XXH3 is not supported/);
    expect(readSst(xxh3, { verifyChecksums: false }).entries).toHaveLength(kvs.length);
  });
});
