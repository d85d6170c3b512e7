import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decryptCtr } from '../../../../src/backup/cipher';
import { initSstCodecs, readSst } from '../../../../src/backup/sst';
import { cipherFromHex } from '../../../../src/backup/crypter-key';
import { makeBackup, type MakeBackupOptions } from '../../../../src/backup/generator/make-backup';
import { LocalStorage } from '../../../../src/backup/local-storage';
import { readManifest } from '../../../../src/backup/read-manifest';
import { verifyBackup } from '../../../../src/backup/verify-backup';
import type { CrypterMethod } from '../../../../src/plan/crypter-method';
import { ErrorType } from '../../../../src/plan/error-types';

const base: MakeBackupOptions = { seed: 5, tables: 8, rows: 20, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false };
const dirs: string[] = [];
beforeAll(() => initSstCodecs());
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function make(opts: Partial<MakeBackupOptions>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'brflow-gen-enc-'));
  dirs.push(dir);
  await makeBackup(new LocalStorage(dir), { ...base, ...opts });
  return dir;
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe.each([
  ['aes128-ctr', 16],
  ['aes192-ctr', 24],
  ['aes256-ctr', 32],
] as const)('make-backup encrypted with %s', (method: CrypterMethod, bytes: number) => {
  const cipher = cipherFromHex(method, '3c'.repeat(bytes), 'test key');

  test.each([1, 2] as const)('meta v%i: the manifest read with the key equals the plaintext backup’s; stored bytes are ciphertext as BR/TiKV write them', async (metaVersion) => {
    const [plainDir, encDir] = [await make({ metaVersion }), await make({ metaVersion, cipher })];
    const plain = await readManifest(new LocalStorage(plainDir));
    const enc = await readManifest(new LocalStorage(encDir), { cipher });
    expect(enc.encrypted).toBe(true);
    const strip = (m: typeof plain) => ({ ...m, encrypted: false, tables: m.tables.map((t) => ({ ...t, files: t.files.map((f) => ({ ...f, sha256: '', cipherIv: undefined })) })) });
    expect(strip(enc)).toEqual(strip(plain));

    // backupmeta = 16-byte IV ‖ ciphertext; without the key it is EncryptedNoKey.
    const root = await readFile(join(encDir, 'backupmeta'));
    expect(root.equals(await readFile(join(plainDir, 'backupmeta')))).toBe(false);
    await expect(readManifest(new LocalStorage(encDir))).rejects.toMatchObject({ type: ErrorType.BackupEncrypted });

    // Data files: ciphertext with File.cipher_iv; size and sha256 of the stored (encrypted) bytes (TiKV writer.rs).
    const file = enc.tables.flatMap((t) => t.files)[0]!;
    const stored = await readFile(join(encDir, file.name));
    expect(file.cipherIv).toMatch(/^[0-9a-f]{32}$/);
    expect(file.sha256).toBe(sha(stored));
    expect(stored.length).toBe(Number(file.size));
    const clear = decryptCtr(cipher, Buffer.from(file.cipherIv!, 'hex'), stored);
    expect(Buffer.from(clear).equals(await readFile(join(plainDir, file.name)))).toBe(true);
    expect(readSst(clear).entries.length).toBeGreaterThan(0);
  });

  test('verify-backup with the key checks every file; without it says how to give one; the output is reproducible', async () => {
    const dir = await make({ cipher });
    const report = await verifyBackup(new LocalStorage(dir), { cipher });
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.tables.length).toBe(8);
    await expect(verifyBackup(new LocalStorage(dir))).rejects.toMatchObject({ type: ErrorType.BackupEncrypted, message: expect.stringContaining('--crypter.method with --crypter.key-file') });
    const again = await make({ cipher });
    expect((await readFile(join(again, 'backupmeta'))).equals(await readFile(join(dir, 'backupmeta')))).toBe(true);
  });
});

test('a wrong key of the right length is WrongKey at the backupmeta, naming where the key came from', async () => {
  const dir = await make({ cipher: cipherFromHex('aes256-ctr', '3c'.repeat(32), 'right') });
  const wrong = cipherFromHex('aes256-ctr', '3d'.repeat(32), 'key file /etc/wrong.key');
  await expect(readManifest(new LocalStorage(dir), { cipher: wrong })).rejects.toMatchObject({
    type: ErrorType.BackupWrongKey, message: expect.stringContaining('with key file /etc/wrong.key (aes256-ctr)'),
  });
  await expect(verifyBackup(new LocalStorage(dir), { cipher: wrong })).rejects.toMatchObject({ type: ErrorType.BackupWrongKey });
});
