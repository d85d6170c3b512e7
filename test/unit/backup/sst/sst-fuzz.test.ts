/**
 * Any damage to an SST must surface as SstCorrupt (or, where RocksDB itself does not check the bytes — footer
 * padding, the checksum-type byte turned to "none" — leave the entries intact). Never a RangeError, a wasm trap,
 * wrong entries or a hang.
 */
import { initSstCodecs, readSst, writeSst, type SstCompression } from '../../../../src/backup/sst';
import { ErrorType, isBrflowError } from '../../../../src/plan/error-types';
import { hex, mixedKvs, xorshiftBytes } from './sst-fixtures';

beforeAll(async () => {
  await initSstCodecs();
});

const kvs = mixedKvs(300);
const expected = kvs.map((kv) => `${hex(kv.key)}:${hex(kv.value)}`);

function outcome(file: Uint8Array): 'ok' | 'corrupt' {
  try {
    const r = readSst(file);
    expect(r.entries.map((e) => `${hex(e.key)}:${hex(e.value)}`)).toEqual(expected);
    return 'ok';
  } catch (e) {
    if (isBrflowError(e) && e.type === ErrorType.SstCorrupt) return 'corrupt';
    throw e;
  }
}

describe('SST reader under random damage', () => {
  test.each(['none', 'snappy', 'lz4', 'zstd', 'zlib'] as SstCompression[])('%s: 400 single-byte flips and 60 truncations', (compression) => {
    const sst = writeSst(kvs, { compression, blockSize: 1024 });
    const rnd = xorshiftBytes(400 * 4, compression.length * 7919);
    let corrupt = 0;
    for (let i = 0; i < 400; i++) {
      const pos = (((rnd[i * 4] as number) << 16) | ((rnd[i * 4 + 1] as number) << 8) | (rnd[i * 4 + 2] as number)) % sst.length;
      const bad = sst.slice();
      bad[pos] = (bad[pos] as number) ^ (1 << ((rnd[i * 4 + 3] as number) & 7));
      if (outcome(bad) === 'corrupt') corrupt++;
    }
    // Almost every byte is covered by a block checksum or the footer magic.
    expect(corrupt).toBeGreaterThan(380);
    for (let i = 1; i <= 60; i++) {
      expect(outcome(sst.subarray(0, Math.floor((sst.length * i) / 61)))).toBe('corrupt');
    }
  });

  test.each(['snappy', 'lz4', 'zstd', 'zlib'] as SstCompression[])('%s: with checksums off, damaged compressed blocks still end in SstCorrupt or a result, never a crash', (compression) => {
    const sst = writeSst(kvs, { compression, blockSize: 1024 });
    const rnd = xorshiftBytes(300 * 4, compression.length * 104729);
    for (let i = 0; i < 300; i++) {
      const pos = (((rnd[i * 4] as number) << 16) | ((rnd[i * 4 + 1] as number) << 8) | (rnd[i * 4 + 2] as number)) % (sst.length - 200);
      const bad = sst.slice();
      bad[pos] = (bad[pos] as number) ^ (1 << ((rnd[i * 4 + 3] as number) & 7));
      try {
        readSst(bad, { verifyChecksums: false });
      } catch (e) {
        expect(isBrflowError(e) && e.type === ErrorType.SstCorrupt ? 'SstCorrupt' : e).toBe('SstCorrupt');
      }
    }
  });
});
