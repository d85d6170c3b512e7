import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SstEntry } from './sst-rewrite';

/** Deadline for one sst_dump run: a backup SST is at most ~144 MiB. */
const SST_DUMP_TIMEOUT_MS = 60_000;

/**
 * Decodes an SST with RocksDB's own `sst_dump` (Debian rocksdb-tools): verifies block checksums and
 * lists Put entries as hex. The simulator's default decoder until src/backup's TypeScript reader is
 * wired in; both return TiKV data keys and values.
 */
export async function readSstWithSstDump(bytes: Uint8Array, binary = 'sst_dump'): Promise<SstEntry[]> {
  const dir = await mkdtemp(join(tmpdir(), 'brflow-sim-sst-'));
  const file = join(dir, 'in.sst');
  try {
    await writeFile(file, bytes);
    const verify = await run(binary, [`--file=${file}`, '--command=verify']);
    if (!/The file is ok/.test(verify)) throw new Error(`sst_dump verify failed: ${verify.trim().split('\n').pop() ?? ''}`);
    const out = await run(binary, [`--file=${file}`, '--command=scan', '--output_hex']);
    const entries: SstEntry[] = [];
    for (const line of out.split('\n')) {
      const m = /^'([0-9A-Fa-f]*)' seq:\d+, type:(\d+) => ([0-9A-Fa-f]*)$/.exec(line.trim());
      if (!m) continue;
      if (m[2] !== '1') continue; // only Put entries carry backup data
      entries.push({ key: Buffer.from(m[1]!, 'hex'), value: Buffer.from(m[3]!, 'hex') });
    }
    return entries;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function run(binary: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { timeout: SST_DUMP_TIMEOUT_MS, maxBuffer: 1 << 30 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${binary} failed: ${stderr || err.message}`));
      else resolve(stdout + stderr);
    });
  });
}
