/**
 * SST and checksum throughput: what a 100k-file restore leans on (write for the generator/simulator, read +
 * checksum for verification). Run: `npx tsx bench/sst.bench.ts` (prints JSON; writes bench/results/sst.json).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32c } from '../src/backup/crc32c';
import { crc64 } from '../src/backup/crc64';
import { backupFileChecksum } from '../src/backup/file-checksum';
import { encodeMvccWrite } from '../src/backup/mvcc-write';
import { initSstCodecs, readSst, writeSst, type SstCompression, type SstEntryInput } from '../src/backup/sst';
import { appendTs, concatBytes, encodeBytes, recordKey } from '../src/plan/keys';

function time<T>(f: () => T, minMs = 300): { ms: number; result: T } {
  let runs = 0;
  let result = f();
  const t0 = performance.now();
  let elapsed = 0;
  do {
    result = f();
    runs++;
    elapsed = performance.now() - t0;
  } while (elapsed < minMs);
  return { ms: elapsed / runs, result };
}

/** A write-CF file like TiKV's: ~20k rows of 100-byte short values. */
function writeCfEntries(rows: number): SstEntryInput[] {
  const out: SstEntryInput[] = [];
  for (let h = 1; h <= rows; h++) {
    const key = appendTs(concatBytes(Uint8Array.of(0x7a), encodeBytes(recordKey(42, h))), 2000n + BigInt(h));
    const shortValue = Uint8Array.from({ length: 100 }, (_, i) => (h + i * 7) & 0xff);
    out.push({ key, value: encodeMvccWrite({ type: 'put', startTs: 1000n + BigInt(h), shortValue }) });
  }
  return out;
}

export async function runSstBench(): Promise<Record<string, number>> {
  await initSstCodecs();
  const results: Record<string, number> = {};
  const buf = Uint8Array.from({ length: 8 << 20 }, (_, i) => (i * 131) & 0xff);
  results['crc64 MB/s'] = Math.round(8 / (time(() => crc64(buf)).ms / 1000));
  results['crc32c MB/s'] = Math.round(8 / (time(() => crc32c(buf)).ms / 1000));
  const entries = writeCfEntries(20_000);
  // Warm the JIT on every path first so the first codec measured is not penalised.
  for (const c of ['none', 'lz4', 'snappy', 'zstd'] as SstCompression[]) backupFileChecksum(writeSst(entries, { compression: c }), 'write');
  const rawMb = entries.reduce((s, e) => s + e.key.length + e.value.length, 0) / (1 << 20);
  for (const c of ['none', 'lz4', 'snappy', 'zstd'] as SstCompression[]) {
    const w = time(() => writeSst(entries, { compression: c }));
    results[`write ${c} MB/s`] = Math.round(rawMb / (w.ms / 1000));
    results[`read ${c} MB/s`] = Math.round(rawMb / (time(() => readSst(w.result)).ms / 1000));
    results[`file checksum ${c} files/s (20k KVs each)`] = Math.round(1000 / time(() => backupFileChecksum(w.result, 'write')).ms);
  }
  return results;
}

if (require.main === module) {
  void runSstBench().then((r) => {
    const text = JSON.stringify(r, null, 2);
    console.log(text);
    const dir = join(__dirname, 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'sst.json'), text + '\n');
  });
}
