import type { Command } from 'commander';
import { makeBackup, MAKE_BACKUP_DEFAULTS, type MakeBackupOptions, type MakeBackupSummary } from '../../backup/generator/make-backup';
import { openStorage } from '../../backup/open-storage';
import type { BackupStorage } from '../../backup/storage';
import type { SstCompression } from '../../backup/sst';
import { CRYPTER_METHODS } from '../../plan/crypter-method';
import { BrflowError, ErrorType } from '../../plan/error-types';
import { makeBackupCipher } from '../crypter-flags';

interface MakeBackupFlags {
  out: string;
  tables: number;
  rows: number;
  metaVersion: number;
  compression: string;
  seed: number;
  incremental: boolean;
  withSysTables: boolean;
  /** Add a sequence and two views (one over the other) to `shop`. */
  viewsAndSequences?: boolean;
  metaLeafEntries?: number;
  metaTwoLevel: boolean;
  json: boolean;
  /** BR --crypter.method of the backup to write; with keyFile. */
  encrypt?: string;
  keyFile?: string;
}

/** Strict integer flags: "12abc" is an error (NaN reaches validation), not 12. */
const int = (v: string): number => (/^-?\d+$/.test(v.trim()) ? Number(v) : Number.NaN);

// East Asian wide characters and emoji take two terminal columns (approximation of Unicode's East_Asian_Width).
const WIDE = /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|[\u{1f300}-\u{1faff}]/u;

/** Terminal columns a string takes. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += WIDE.test(ch) ? 2 : 1;
  return w;
}

/** Pads to `width` terminal columns, right-aligned for numbers. */
export function padCell(s: string, width: number, right: boolean): string {
  const pad = ' '.repeat(Math.max(0, width - displayWidth(s)));
  return right ? pad + s : s + pad;
}

export function renderMakeBackupSummary(s: MakeBackupSummary): string {
  const kind = s.startVersion === '0' ? `full backup at ${s.endVersion}` : `incremental backup ${s.startVersion}..${s.endVersion}`;
  const header = ['DATABASE', 'TABLE', 'ROWS', 'FILES', 'KVS', 'BYTES'];
  const rows = s.tables.map((t) => [t.db, t.table, String(t.rows), String(t.files), t.totalKvs, t.totalBytes]);
  rows.push(['TOTAL', `${s.tables.length} tables`, '', String(s.dataFiles), s.totalKvs, s.totalBytes]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => displayWidth(r[i]!))));
  const line = (c: string[]) => c.map((x, i) => padCell(x, widths[i]!, i >= 2)).join('  ').trimEnd();
  return [
    `wrote ${kind} (seed ${s.seed}, meta v${s.metaVersion}, ${s.compression}${s.encrypted ? ', encrypted' : ''}) to ${s.storage}`,
    `${s.databases.length} databases, ${s.tables.length} tables, ${s.dataFiles} SST files (${s.sstBytes} bytes), ${s.metaFiles.length} metadata objects${s.ddlJobs ? `, ${s.ddlJobs} DDL jobs` : ''}`,
    '',
    line(header),
    ...rows.map(line),
  ].join('\n') + '\n';
}

/** Generates a backup into `flags.out` and prints its summary. */
export async function runMakeBackup(flags: MakeBackupFlags, write: (s: string) => void, note: (s: string) => void = (s) => process.stderr.write(s)): Promise<MakeBackupSummary> {
  if (flags.keyFile !== undefined && flags.encrypt === undefined) throw new BrflowError(ErrorType.InvalidInput, `--key-file: give --encrypt ${CRYPTER_METHODS.join('|')} with it`);
  const key = flags.encrypt !== undefined ? await makeBackupCipher(flags.encrypt, flags.keyFile) : undefined;
  if (key?.generated) note(`generated a ${flags.encrypt} key into ${key.keyFile} (keep it: the backup cannot be read without it)\n`);
  const storage: BackupStorage = openStorage(flags.out);
  try {
    const opts: MakeBackupOptions = {
      seed: flags.seed, tables: flags.tables, rows: flags.rows, metaVersion: flags.metaVersion as 1 | 2,
      compression: flags.compression as SstCompression, incremental: flags.incremental, withSysTables: flags.withSysTables,
      ...(flags.metaLeafEntries !== undefined ? { metaLeafEntries: flags.metaLeafEntries } : {}), metaTwoLevel: flags.metaTwoLevel,
      ...(key ? { cipher: key.cipher } : {}),
      ...(flags.viewsAndSequences ? { viewsAndSequences: true } : {}),
    };
    const summary = await makeBackup(storage, opts);
    write(flags.json ? `${JSON.stringify(summary, null, 2)}\n` : renderMakeBackupSummary(summary));
    return summary;
  } finally {
    (storage as { close?: () => void }).close?.();
  }
}

export function register(program: Command): void {
  const d = MAKE_BACKUP_DEFAULTS;
  program
    .command('make-backup')
    .description('write a deterministic BR-format backup (schemas, SSTs, backupmeta) for demos and tests')
    .requiredOption('--out <storage>', 'where to write: path, local:///abs/path or s3://bucket/prefix?endpoint=…')
    .option('--tables <n>', 'tables to generate (the first 8 cover every feature)', int, d.tables)
    .option('--rows <n>', 'rows per table', int, d.rows)
    .option('--meta-version <1|2>', 'backupmeta layout: 1 (inline, BR v5.3 default) or 2 (metafiles)', int, d.metaVersion)
    .option('--compression <kind>', 'SST compression: zstd, lz4, snappy or none', d.compression)
    .option('--seed <n>', 'PRNG seed; the same seed writes the same bytes', int, d.seed)
    .option('--incremental', 'write the incremental backup that follows the full backup of the same seed', false)
    .option('--with-sys-tables', 'also back up mysql.user, mysql.global_priv and mysql.stats_meta', false)
    .option('--views-and-sequences', 'also back up a sequence (with its current value) and two views, one over the other, in shop', false)
    .option('--meta-leaf-entries <n>', 'meta v2: entries per leaf metafile (default: one leaf per kind)', int)
    .option('--meta-two-level', 'meta v2: add an intermediate metafile level', false)
    .option('--encrypt <method>', `encrypt as BR --crypter.method does: ${CRYPTER_METHODS.join(', ')} (with --key-file)`)
    .option('--key-file <path>', 'the key as hex text (BR --crypter.key-file); a missing file gets a fresh random key')
    .option('--json', 'print the summary as JSON', false)
    .action(async (flags: MakeBackupFlags) => {
      await runMakeBackup(flags, (s) => process.stdout.write(s));
    });
}
