import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { runMakeBackup } from '../../../src/cli/commands/make-backup';
import { register as registerPlan } from '../../../src/cli/commands/plan';
import { runVerifyBackup } from '../../../src/cli/commands/verify-backup';
import { ErrorType } from '../../../src/plan/error-types';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'brflow-cli-crypter-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const flags = { tables: 8, rows: 10, metaVersion: 2, compression: 'zstd', seed: 3, incremental: false, withSysTables: false, metaTwoLevel: false, json: true };

test('make-backup --encrypt with a missing --key-file generates the key (hex, owner-only); verify-backup and plan read the backup with --crypter.*', async () => {
  const keyFile = join(dir, 'gen.key');
  const notes: string[] = [];
  const summary = await runMakeBackup({ ...flags, out: join(dir, 'b1'), encrypt: 'aes256-ctr', keyFile }, () => undefined, (s) => notes.push(s));
  expect(summary.encrypted).toBe(true);
  const text = await readFile(keyFile, 'utf8');
  expect(text).toMatch(/^[0-9a-f]{64}\n$/);
  expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
  expect(notes.join('')).toContain(`generated a aes256-ctr key into ${keyFile}`);
  expect(notes.join('')).not.toContain(text.trim());

  const out: string[] = [];
  const report = await runVerifyBackup(join(dir, 'b1'), { json: true, 'crypter.method': 'aes256-ctr', 'crypter.keyFile': keyFile }, (s) => out.push(s));
  expect(report).toMatchObject({ ok: true, problems: [] });
  await expect(runVerifyBackup(join(dir, 'b1'), { json: true }, () => undefined)).rejects.toMatchObject({ type: ErrorType.BackupEncrypted });
  const byHex = await runVerifyBackup(join(dir, 'b1'), { json: true, 'crypter.method': 'aes256-ctr', 'crypter.key': text.trim() }, () => undefined);
  expect(byHex.ok).toBe(true);
  await expect(runVerifyBackup(join(dir, 'b1'), { json: true, 'crypter.method': 'aes128-ctr', 'crypter.keyFile': keyFile }, () => undefined))
    .rejects.toMatchObject({ type: ErrorType.BackupWrongKey, message: expect.stringContaining('holds a 32-byte key; aes128-ctr takes 16 bytes') });

  // The plan command as the CLI parses it: BR's dotted flag names.
  const program = new Command().exitOverride();
  registerPlan(program);
  const printed: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    printed.push(String(s));
    return true;
  });
  try {
    await program.parseAsync(['node', 'brflow', 'plan', join(dir, 'b1'), '--crypter.method', 'aes256-ctr', '--crypter.key-file', keyFile, '--json']);
  } finally {
    spy.mockRestore();
  }
  expect((JSON.parse(printed.join('')) as { summary: { tables: number } }).summary.tables).toBe(8);
});

test('make-backup --encrypt with an existing key file uses that key: the same options write the same bytes', async () => {
  const keyFile = join(dir, 'given.key');
  await writeFile(keyFile, `${'5a'.repeat(16)}\n`);
  await runMakeBackup({ ...flags, out: join(dir, 'c1'), encrypt: 'aes128-ctr', keyFile }, () => undefined, () => undefined);
  await runMakeBackup({ ...flags, out: join(dir, 'c2'), encrypt: 'AES128-CTR', keyFile }, () => undefined, () => undefined);
  expect((await readFile(join(dir, 'c1', 'backupmeta'))).equals(await readFile(join(dir, 'c2', 'backupmeta')))).toBe(true);
  await expect(runMakeBackup({ ...flags, out: join(dir, 'c3'), encrypt: 'aes256-ctr', keyFile }, () => undefined, () => undefined))
    .rejects.toMatchObject({ type: ErrorType.BackupWrongKey, message: expect.stringContaining('aes256-ctr takes 32 bytes') });
  await expect(runMakeBackup({ ...flags, out: join(dir, 'c4'), keyFile }, () => undefined)).rejects.toThrow(/--key-file: give --encrypt/);
});
