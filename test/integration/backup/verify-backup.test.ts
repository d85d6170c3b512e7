import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { decodeMvccKey } from '../../../src/plan/keys';
import { readSst, writeSst } from '../../../src/backup/sst';
import { BackupMeta } from '../../../src/proto/brpb';
import { brflow, buildOnce, listFiles } from './make-backup-cli';

let root: string;
let fullV2: string;
let incV2: string;
let fullV1: string;
let n = 0;

async function copyOf(src: string): Promise<string> {
  const dst = join(root, `case-${n++}`);
  await cp(src, dst, { recursive: true });
  return dst;
}

async function flipByte(file: string, at: (len: number) => number): Promise<void> {
  const b = await readFile(file);
  const i = at(b.length);
  b[i] = b[i]! ^ 0x5a;
  await writeFile(file, b);
}

beforeAll(async () => {
  buildOnce();
  root = await mkdtemp(join(tmpdir(), 'brflow-verify-'));
  fullV2 = join(root, 'full-v2');
  incV2 = join(root, 'inc-v2');
  fullV1 = join(root, 'full-v1');
  for (const [dir, ...args] of [[fullV2], [incV2, '--incremental'], [fullV1, '--meta-version', '1', '--compression', 'none']] as string[][]) {
    const r = await brflow('make-backup', '--out', dir!, '--rows', '30', '--seed', '5', ...args);
    if (r.code !== 0) throw new Error(`make-backup failed: ${r.stderr}`);
  }
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('brflow verify-backup finds damage', () => {
  test('an intact backup passes with exit 0', async () => {
    for (const dir of [fullV2, incV2, fullV1]) {
      const r = await brflow('verify-backup', dir);
      expect(r.code).toBe(0);
      expect(r.stdout).not.toMatch(/FAIL/);
    }
  });

  test('flipping one byte anywhere in an SST: exit 1 naming the file and the sha256 check', async () => {
    const ssts = (await listFiles(fullV2)).filter((f) => f.endsWith('.sst'));
    const picks = [ssts[0]!, ssts.find((f) => f.endsWith('_default.sst'))!, ssts[ssts.length - 1]!];
    const positions: [string, (len: number) => number][] = [['first byte', () => 0], ['middle', (l) => l >> 1], ['footer magic', (l) => l - 1]];
    for (const name of picks) {
      for (const [where, at] of positions) {
        const dir = await copyOf(fullV2);
        await flipByte(join(dir, name), at);
        const r = await brflow('verify-backup', dir);
        expect([where, r.code]).toEqual([where, 1]);
        expect(r.stdout).toContain(`FAIL ${name}: sha256 mismatch: backupmeta records `);
        expect(r.stdout).toMatch(/^TOTAL .* FAIL$/m);
      }
    }
  });

  test('flipping one byte of each v2 metafile: exit 1 naming that metafile and the sha256 check', async () => {
    const metas = (await listFiles(incV2)).filter((f) => f.startsWith('backupmeta.'));
    expect(metas).toEqual(['backupmeta.datafile.000000001', 'backupmeta.ddl.000000003', 'backupmeta.schema.000000002']);
    for (const name of metas) {
      const dir = await copyOf(incV2);
      await flipByte(join(dir, name), (l) => l >> 1);
      const r = await brflow('verify-backup', dir);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(`FAIL ${name}: sha256 mismatch: backupmeta records `);
    }
  });

  test('an SST rewritten consistently (sha256 and size fixed up) but with a KV missing: crc64xor, total_kvs and the table sums fail', async () => {
    const dir = await copyOf(fullV1);
    const meta = BackupMeta.decode(await readFile(join(dir, 'backupmeta')));
    const victim = meta.files.find((f) => f.cf === 'write' && f.totalKvs > 2n)!;
    const entries = readSst(await readFile(join(dir, victim.name))).entries;
    const shorter = writeSst(entries.slice(0, -1).map((e) => ({ key: e.key, value: e.value })), { compression: 'none' });
    await writeFile(join(dir, victim.name), shorter);
    victim.sha256 = createHash('sha256').update(shorter).digest();
    victim.size = BigInt(shorter.length);
    await writeFile(join(dir, 'backupmeta'), BackupMeta.encode(meta).finish());
    const r = await brflow('verify-backup', dir);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain(`FAIL ${victim.name}: sha256`);
    expect(r.stdout).toContain(`FAIL ${victim.name}: total_kvs mismatch: backupmeta records ${victim.totalKvs}, found ${victim.totalKvs - 1n}`);
    expect(r.stdout).toContain(`FAIL ${victim.name}: crc64xor mismatch`);
    expect(r.stdout).toContain(`FAIL ${victim.name}: total_bytes mismatch`);
    expect(r.stdout).toMatch(/FAIL table shop\.\S+: total_kvs mismatch/);
    expect(decodeMvccKey(entries[0]!.key).rawKey.length).toBeGreaterThan(0);
  });

  test('a missing SST is named with the exists check', async () => {
    const dir = await copyOf(fullV2);
    const name = (await listFiles(dir)).find((f) => f.endsWith('_write.sst'))!;
    await rm(join(dir, name));
    const r = await brflow('verify-backup', dir, '--json');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { ok: boolean; problems: { object: string; check: string }[] };
    expect(report.ok).toBe(false);
    expect(report.problems).toContainEqual({ object: name, check: 'exists', expected: 'present', actual: 'missing' });
  });

  test('no backupmeta or a bad URL: one clear line and exit 2', async () => {
    const empty = join(root, 'empty');
    await mkdir(empty);
    const r = await brflow('verify-backup', empty);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^brflow: no backupmeta at .*empty: is this a BR backup folder\?\n$/);
    const bad = await brflow('verify-backup', 's3:/bucket');
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/^brflow: storage "s3:\/bucket" is not a URL/);
  });
});
