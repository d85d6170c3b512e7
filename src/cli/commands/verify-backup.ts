import type { Command } from 'commander';
import { openStorage } from '../../backup/open-storage';
import type { BackupStorage } from '../../backup/storage';
import { verifyBackup, type VerifyProblem, type VerifyReport } from '../../backup/verify-backup';
import { cipherFromFlags, withCrypterFlags, type CrypterFlags } from '../crypter-flags';
import { displayWidth, padCell } from './make-backup';

const COMPARISONS = new Set(['sha256', 'size', 'crc64xor', 'total_kvs', 'total_bytes']);

/** One line per problem: the object, the check, and both values. */
export function renderProblem(p: VerifyProblem): string {
  return COMPARISONS.has(p.check)
    ? `FAIL ${p.object}: ${p.check} mismatch: backupmeta records ${p.expected}, found ${p.actual}`
    : `FAIL ${p.object}: ${p.check} check failed: expected ${p.expected}, got: ${p.actual}`;
}

export function renderVerifyReport(r: VerifyReport): string {
  const header = ['DATABASE', 'TABLE', 'FILES', 'KVS', 'BYTES', 'STATUS'];
  const rows = r.tables.map((t) => [t.db, t.table, String(t.files), t.totalKvs, t.totalBytes, t.ok ? (t.checksumRecorded ? 'OK' : 'OK (files only)') : 'FAIL']);
  rows.push(['TOTAL', `${r.tables.length} tables`, String(r.dataFiles), r.totalKvs, r.totalBytes, r.ok ? 'OK' : 'FAIL']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((x) => displayWidth(x[i]!))));
  const line = (c: string[]) => c.map((x, i) => padCell(x, widths[i]!, i >= 2 && i <= 4)).join('  ').trimEnd();
  const out = [
    `backup ${r.storage}: meta v${r.metaVersion}, ${r.startVersion === '0' ? `full at ${r.endVersion}` : `incremental ${r.startVersion}..${r.endVersion}`}, ` +
      `${r.metaFiles} metadata objects, ${r.dataFiles} SST files (${r.sstBytes} bytes)`,
    '',
    line(header),
    ...rows.map(line),
  ];
  if (r.problems.length > 0) {
    out.push('', `${r.problems.length} problem(s):`);
    for (const p of r.problems) out.push(renderProblem(p));
  }
  return out.join('\n') + '\n';
}

/** Verifies the backup; returns the report. Exit code 1 when any check failed. */
export async function runVerifyBackup(url: string, opts: { json: boolean } & CrypterFlags, write: (s: string) => void): Promise<VerifyReport> {
  const cipher = await cipherFromFlags(opts);
  const storage: BackupStorage = openStorage(url);
  try {
    const report = await verifyBackup(storage, cipher ? { cipher } : {});
    write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : renderVerifyReport(report));
    return report;
  } finally {
    (storage as { close?: () => void }).close?.();
  }
}

export function register(program: Command): void {
  const cmd = program
    .command('verify-backup')
    .description('re-read every metafile and SST of a backup and check sha256, size, crc64xor, total_kvs and total_bytes against backupmeta')
    .argument('<storage>', 'backup location: path, local:///abs/path or s3://bucket/prefix?endpoint=…')
    .option('--json', 'print the report as JSON', false);
  withCrypterFlags(cmd, { keyOnCommandLine: true })
    .action(async (url: string, opts: { json: boolean } & CrypterFlags) => {
      const report = await runVerifyBackup(url, opts, (s) => process.stdout.write(s));
      if (!report.ok) process.exitCode = 1;
    });
}
