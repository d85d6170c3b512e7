import { initSstCodecs, readSst, writeSst, type SstCompression } from '../src/backup/sst';
import type { Benchmark } from './benchmark';
import { measure, memorySample, summarize } from './measure';
import { caseResult, type CaseResult, type Target } from './result-file';
import { syntheticWriteCfKvs } from './synthetic-kvs';

export interface SstParams {
  /** Raw key+value bytes per SST. */
  rawBytes: number;
  iterations: number;
  compressions: SstCompression[];
}

const ALL: SstCompression[] = ['none', 'snappy', 'lz4', 'zlib', 'zstd'];
export const SST_FULL: SstParams = { rawBytes: 8 * 1024 * 1024, iterations: 3, compressions: ALL };
export const SST_QUICK: SstParams = { rawBytes: 512 * 1024, iterations: 2, compressions: ALL };

/**
 * Floors, not ambitions: the simulator decodes every SST a Download fetches, and the backup generator and
 * verify-backup go through the same code. At these rates a 100 MB test or demo backup is written or read in
 * a few seconds; a per-byte slow path (BigInt, copying per entry) would fall well below them.
 */
export const SST_WRITE_TARGETS: readonly Target[] = [
  { metric: 'mbPerSec', op: '>=', limit: 20, why: 'writing a 100 MB test backup takes at most 5 s per compression' },
];
export const SST_READ_TARGETS: readonly Target[] = [
  { metric: 'mbPerSec', op: '>=', limit: 40, why: 'the simulator decodes a 100 MB restore\'s SSTs in at most 2.5 s' },
];

/** writeSst then readSst of one write-CF SST per compression; MB/s over raw key+value bytes. */
export async function runSst(p: SstParams): Promise<CaseResult[]> {
  await initSstCodecs();
  const kvs = syntheticWriteCfKvs(p.rawBytes);
  const out: CaseResult[] = [];
  for (const compression of p.compressions) {
    let sst: Uint8Array = new Uint8Array(0);
    const writeSamples = await measure(() => {
      sst = writeSst(kvs.entries, { compression });
    }, { iterations: p.iterations, warmup: 1 });
    const params = { compression, entries: kvs.entries.length, rawBytes: kvs.rawBytes, sstBytes: sst.length };
    out.push(caseResult({
      name: `write-${compression}`, params, timing: summarize(writeSamples), memory: memorySample(), bytesPerIteration: kvs.rawBytes, targets: SST_WRITE_TARGETS,
    }));
    let read = 0;
    const readSamples = await measure(() => {
      read = readSst(sst).entries.length;
    }, { iterations: p.iterations, warmup: 1 });
    if (read !== kvs.entries.length) throw new Error(`${compression}: read ${read} entries back, wrote ${kvs.entries.length}`);
    out.push(caseResult({
      name: `read-${compression}`, params, timing: summarize(readSamples), memory: memorySample(), bytesPerIteration: kvs.rawBytes, targets: SST_READ_TARGETS,
    }));
  }
  return out;
}

export const sstBench: Benchmark = {
  name: 'sst',
  description: 'writeSst / readSst (src/backup/sst) of an 8 MiB (raw) write-CF SST per compression; MB/s over raw key+value bytes',
  run: (ctx) => runSst(ctx.quick ? SST_QUICK : SST_FULL),
};
