import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brflow, buildOnce, listFiles } from './make-backup-cli';

/** The built CLI as an operator runs it: BR's flag spellings, exit codes, and the key never printed. */
let root: string;
beforeAll(async () => {
  buildOnce();
  root = await mkdtemp(join(tmpdir(), 'brflow-encrypted-cli-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

test('make-backup --encrypt → verify-backup/plan with --crypter.method/--crypter.key-file; without the key they fail EncryptedNoKey', async () => {
  const out = join(root, 'b');
  const keyFile = join(root, 'b.key');
  const made = await brflow('make-backup', '--out', out, '--rows', '20', '--encrypt', 'aes192-ctr', '--key-file', keyFile);
  expect(made.code).toBe(0);
  expect(made.stdout).toContain(', encrypted) to ');
  const key = (await readFile(keyFile, 'utf8')).trim();
  expect(key).toMatch(/^[0-9a-f]{48}$/);
  expect(made.stdout + made.stderr).not.toContain(key);
  expect(await listFiles(out)).toContain('backupmeta');

  const crypter = ['--crypter.method', 'aes192-ctr', '--crypter.key-file', keyFile];
  const verified = await brflow('verify-backup', out, ...crypter, '--json');
  expect(verified.code).toBe(0);
  expect((JSON.parse(verified.stdout) as { ok: boolean; tables: unknown[] }).tables).toHaveLength(8);
  const planned = await brflow('plan', out, ...crypter, '--json');
  expect(planned.code).toBe(0);
  expect((JSON.parse(planned.stdout) as { summary: { tables: number } }).summary.tables).toBe(8);

  for (const cmd of ['verify-backup', 'plan']) {
    const bare = await brflow(cmd, out);
    expect(bare.code).not.toBe(0);
    expect(bare.stderr).toMatch(/is encrypted \(BR --crypter\.\*\).*--crypter\.method with --crypter\.key-file/);
    expect(bare.stderr).not.toMatch(/\n\s+at /);
  }
  const wrong = await brflow('plan', out, '--crypter.method', 'aes192-ctr', '--crypter.key', 'ab'.repeat(24));
  expect(wrong.code).not.toBe(0);
  expect(wrong.stderr).toContain('does not decrypt to a BackupMeta with --crypter.key (aes192-ctr)');
  expect(wrong.stderr).not.toContain('ab'.repeat(24));
});
