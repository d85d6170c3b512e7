import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { openStorage } from '../../../src/backup/open-storage';
import { readManifest } from '../../../src/backup/read-manifest';
import { testS3Endpoint } from '../../support/env';
import { brflow, buildOnce, listFiles } from './make-backup-cli';

const SST_DUMP = '/usr/bin/sst_dump';
const ALGO = { zstd: 'ZSTD', lz4: 'LZ4', snappy: 'Snappy', none: 'NoCompression' } as const;
let root: string;

beforeAll(async () => {
  buildOnce();
  root = await mkdtemp(join(tmpdir(), 'brflow-make-backup-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Runs Debian's sst_dump over every store folder; returns per-file verdict counts. */
function sstDump(dir: string, sstNames: string[], extra: string[]): string {
  const folders = [...new Set(sstNames.map((n) => dirname(n)))];
  return folders.map((f) => {
    const r = spawnSync(SST_DUMP, [`--file=${join(dir, f)}`, ...extra], { encoding: 'utf8', timeout: 60_000 });
    return `${r.stdout}\n${r.stderr}`;
  }).join('\n');
}

describe('brflow make-backup → verify-backup → sst_dump', () => {
  for (const meta of ['1', '2'] as const) {
    for (const compression of ['zstd', 'lz4', 'snappy', 'none'] as const) {
      test(`meta v${meta}, ${compression}: verify-backup passes and every SST passes sst_dump verify`, async () => {
        const out = join(root, `full-v${meta}-${compression}`);
        const made = await brflow('make-backup', '--out', out, '--rows', '30', '--meta-version', meta, '--compression', compression, '--with-sys-tables', '--json');
        expect(made.stderr).toBe('');
        expect(made.code).toBe(0);
        const summary = JSON.parse(made.stdout) as { dataFiles: number; metaVersion: number; tables: { table: string }[] };
        expect(summary.metaVersion).toBe(Number(meta));
        expect(summary.tables.map((t) => t.table)).toEqual(expect.arrayContaining(['order', 'customer', 'metrics', 'sessions', '顧客_ñ', 'user']));

        const verified = await brflow('verify-backup', out);
        expect(verified.code).toBe(0);
        expect(verified.stdout).toMatch(/^TOTAL\s+12 tables\s+\d+\s+\d+\s+\d+\s+OK$/m);
        expect(verified.stdout).not.toMatch(/FAIL/);

        const ssts = (await listFiles(out)).filter((n) => n.endsWith('.sst'));
        expect(ssts).toHaveLength(summary.dataFiles);
        expect(ssts.some((n) => n.endsWith('_default.sst'))).toBe(true);
        const verifyOut = sstDump(out, ssts, ['--command=verify']);
        expect(verifyOut.match(/The file is ok/g)?.length).toBe(ssts.length);
        const props = sstDump(out, ssts, ['--show_properties']);
        expect(props.match(new RegExp(`SST file compression algo: ${ALGO[compression]}\\b`, 'g'))?.length).toBe(ssts.length);
      });
    }
  }

  test('the same seed writes the same bytes; the incremental backup of that seed verifies too', async () => {
    const a = join(root, 'det-a');
    const b = join(root, 'det-b');
    for (const d of [a, b]) expect((await brflow('make-backup', '--out', d, '--seed', '99', '--tables', '9', '--rows', '25')).code).toBe(0);
    const names = await listFiles(a);
    expect(await listFiles(b)).toEqual(names);
    for (const n of names) expect((await readFile(join(b, n))).equals(await readFile(join(a, n)))).toBe(true);

    const inc = join(root, 'det-inc');
    expect((await brflow('make-backup', '--out', inc, '--seed', '99', '--tables', '9', '--rows', '25', '--incremental')).code).toBe(0);
    const v = await brflow('verify-backup', inc);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/incremental \d+\.\.\d+/);
    const [full, incr] = await Promise.all([readManifest(openStorage(a)), readManifest(openStorage(inc))]);
    expect(incr.startVersion).toBe(full.endVersion);
    expect(incr.ddlJobs).toHaveLength(5);
  });

  test('writes to and verifies from S3', async () => {
    const endpoint = testS3Endpoint();
    const bucket = `brflow-make-backup-${Date.now().toString(36)}`;
    const admin = new S3Client({ endpoint, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
    try {
      await admin.send(new CreateBucketCommand({ Bucket: bucket }));
    } finally {
      admin.destroy();
    }
    const url = `s3://${bucket}/backups/full?endpoint=${endpoint}`;
    const made = await brflow('make-backup', '--out', url, '--rows', '20', '--meta-version', '2', '--json');
    expect(made.code).toBe(0);
    const summary = JSON.parse(made.stdout) as { dataFiles: number; totalKvs: string };
    const v = await brflow('verify-backup', url, '--json');
    expect(v.code).toBe(0);
    const report = JSON.parse(v.stdout) as { ok: boolean; dataFiles: number; totalKvs: string; problems: unknown[] };
    expect(report).toMatchObject({ ok: true, dataFiles: summary.dataFiles, totalKvs: summary.totalKvs, problems: [] });
    // Same seed to a folder: the objects in S3 are the same bytes.
    const local = join(root, 's3-twin');
    expect((await brflow('make-backup', '--out', local, '--rows', '20', '--meta-version', '2')).code).toBe(0);
    const s3 = openStorage(url) as ReturnType<typeof openStorage> & { close?: () => void };
    try {
      expect(Buffer.from(await s3.read('backupmeta')).equals(await readFile(join(local, 'backupmeta')))).toBe(true);
      expect(await s3.list()).toEqual(await listFiles(local));
    } finally {
      s3.close?.();
    }
  });

  test('bad options and an occupied target are one clear line and exit 2', async () => {
    const bad = await brflow('make-backup', '--out', join(root, 'bad'), '--meta-version', '3', '--compression', 'brotli', '--rows', '12x');
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/--rows .* must be an integer.*--meta-version 3 must be 1 or 2.*--compression brotli must be one of/);
    const again = await brflow('make-backup', '--out', join(root, 'full-v2-zstd'));
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^brflow: .* already holds a backup \(backupmeta exists\); choose an empty location\n$/);
  });
});
