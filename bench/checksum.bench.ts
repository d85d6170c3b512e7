import { createPrng } from '../src/backup/generator/prng';
import { crc32c } from '../src/backup/crc32c';
import { crc64, KvChecksum } from '../src/backup/crc64';
import { backupFileChecksum } from '../src/backup/file-checksum';
import { sha256Hex } from '../src/backup/sha256-hex';
import { initSstCodecs, writeSst } from '../src/backup/sst';
import { decodeMvccKey } from '../src/plan/keys';
import type { Benchmark } from './benchmark';
import { measure, memorySample, summarize } from './measure';
import { caseResult, type CaseResult, type Target } from './result-file';
import { syntheticWriteCfKvs } from './synthetic-kvs';

export interface ChecksumParams {
  /** Bytes of the buffer crc64 / crc32c / sha256 run over. */
  bufferBytes: number;
  /** Raw key+value bytes of the backup file (write-CF SST, zstd). */
  fileRawBytes: number;
  iterations: number;
}

export const CHECKSUM_FULL: ChecksumParams = { bufferBytes: 64 * 1024 * 1024, fileRawBytes: 16 * 1024 * 1024, iterations: 3 };
export const CHECKSUM_QUICK: ChecksumParams = { bufferBytes: 1024 * 1024, fileRawBytes: 512 * 1024, iterations: 2 };

/**
 * Floors that keep checksumming off the critical path of tests, the simulator (coprocessor checksum over every
 * restored KV) and verify-backup (every data file): 100 MB in about a second for the raw CRCs, a few seconds
 * for the per-KV and per-file work, which decodes keys and MVCC records too.
 */
const RAW_CRC_TARGET: Target = { metric: 'mbPerSec', op: '>=', limit: 100, why: '100 MB checksummed in at most 1 s' };
const KV_TARGET: Target = { metric: 'mbPerSec', op: '>=', limit: 30, why: 'the simulator checksums a 100 MB table in at most ~3 s' };
const FILE_TARGET: Target = { metric: 'mbPerSec', op: '>=', limit: 15, why: 'verify-backup recomputes a 100 MB backup\'s file checksums in at most ~7 s' };

function randomBuffer(bytes: number): Uint8Array {
  const rng = createPrng(7);
  const b = new Uint8Array(bytes);
  const words = new Uint32Array(b.buffer, 0, bytes >>> 2);
  for (let i = 0; i < words.length; i++) words[i] = rng.nextU32();
  return b;
}

export async function runChecksum(p: ChecksumParams): Promise<CaseResult[]> {
  await initSstCodecs();
  const buf = randomBuffer(p.bufferBytes);
  const out: CaseResult[] = [];
  const raw = async (name: string, fn: () => unknown, targets: readonly Target[]): Promise<void> => {
    const samples = await measure(fn, { iterations: p.iterations, warmup: 1 });
    out.push(caseResult({ name, params: { bytes: p.bufferBytes }, timing: summarize(samples), memory: memorySample(), bytesPerIteration: p.bufferBytes, targets }));
  };
  await raw('crc64', () => crc64(buf), [RAW_CRC_TARGET]);
  await raw('crc32c', () => crc32c(buf), [RAW_CRC_TARGET]);
  await raw('sha256', () => sha256Hex(buf), [RAW_CRC_TARGET]);

  // Per-KV: what TiKV's checksum does for each key/value (raw TiDB key, row value), 100–200-byte KVs.
  const kvs = syntheticWriteCfKvs(p.fileRawBytes);
  const pairs = kvs.entries.map((e) => ({ key: decodeMvccKey(e.key, true).rawKey, value: e.value }));
  const pairBytes = pairs.reduce((n, x) => n + x.key.length + x.value.length, 0);
  const kvSamples = await measure(() => {
    const acc = new KvChecksum();
    for (const x of pairs) acc.update(x.key, x.value);
    return acc.crc64xor;
  }, { iterations: p.iterations, warmup: 1 });
  out.push(caseResult({
    name: 'kv-checksum', params: { kvs: pairs.length, bytes: pairBytes }, timing: summarize(kvSamples), memory: memorySample(),
    opsPerIteration: pairs.length, bytesPerIteration: pairBytes, targets: [KV_TARGET],
  }));

  // A whole backup file: open the SST, decode every key and MVCC record, checksum as TiKV's backup writer did.
  const sst = writeSst(kvs.entries, { compression: 'zstd' });
  let totalKvs = '';
  const fileSamples = await measure(() => {
    totalKvs = backupFileChecksum(sst, 'write').totalKvs;
  }, { iterations: p.iterations, warmup: 1 });
  if (totalKvs !== String(kvs.entries.length)) throw new Error(`backupFileChecksum counted ${totalKvs} KVs, the file has ${kvs.entries.length}`);
  out.push(caseResult({
    name: 'backup-file-checksum', params: { compression: 'zstd', cf: 'write', kvs: kvs.entries.length, rawBytes: kvs.rawBytes, sstBytes: sst.length },
    timing: summarize(fileSamples), memory: memorySample(), bytesPerIteration: kvs.rawBytes, targets: [FILE_TARGET],
  }));
  return out;
}

export const checksumBench: Benchmark = {
  name: 'checksum',
  description: 'crc64 / crc32c / sha256 over 64 MiB, KvChecksum per KV, backupFileChecksum of a 16 MiB (raw) zstd write-CF SST; MB/s over the bytes hashed (raw KV bytes for the file)',
  run: (ctx) => runChecksum(ctx.quick ? CHECKSUM_QUICK : CHECKSUM_FULL),
};
