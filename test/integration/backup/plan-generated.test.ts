import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openStorage } from '../../../src/backup/open-storage';
import { makeBackup, type MakeBackupSummary } from '../../../src/backup/generator/make-backup';

const run = promisify(execFile);
const brflow = join(__dirname, '..', '..', '..', 'bin', 'brflow');

interface PlanJson {
  summary: { tables: number; files: number; kvs: string; bytes: string };
  tables: { db: string; table: string; files: number; kvs: string; bytes: string }[];
}

/** `brflow plan --json` (the built CLI, as an operator runs it) must report exactly what the generator wrote. */
describe.each([1, 2] as const)('brflow plan --json on a generated meta v%i backup', (metaVersion) => {
  let dir: string;
  let written: MakeBackupSummary;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `brflow-plan-gen-${metaVersion}-`));
    written = await makeBackup(openStorage(dir), { seed: 7, tables: 8, rows: 40, metaVersion, compression: 'zstd', incremental: false, withSysTables: false });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('reports exactly the tables, files, kvs and bytes the generator wrote', async () => {
    const { stdout } = await run(process.execPath, [brflow, 'plan', dir, '--json']);
    const plan = JSON.parse(stdout) as PlanJson;
    const key = (db: string, t: string) => `${db}.${t}`;
    const got = new Map(plan.tables.map((t) => [key(t.db, t.table), { files: t.files, kvs: t.kvs, bytes: t.bytes }]));
    const want = new Map(written.tables.map((t) => [key(t.db, t.table), { files: t.files, kvs: t.totalKvs, bytes: t.totalBytes }]));
    expect(got).toEqual(want);
    expect(plan.summary.tables).toBe(written.tables.length);
    expect(plan.summary.files).toBe(written.dataFiles);
    expect(plan.summary.kvs).toBe(written.totalKvs);
    expect(plan.summary.bytes).toBe(written.totalBytes);
  });

  test('a filter naming a table the backup lacks fails with one line and no stack trace', async () => {
    const r = await run(process.execPath, [brflow, 'plan', dir, '--db', 'nosuchdb']).catch((e: { code: number; stderr: string }) => e);
    expect((r as { code: number }).code).toBe(2);
    const lines = (r as { stderr: string }).stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^brflow: .*nosuchdb.*has not been backup/);
  });
});
