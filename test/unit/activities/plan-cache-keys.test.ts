import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PlanCache, type PlanInputs } from '../../../src/activities/plan-cache';
import { cipherFromHex, keyFileSource, type BackupKeySource } from '../../../src/backup/crypter-key';
import { makeBackup, type MakeBackupOptions } from '../../../src/backup/generator/make-backup';
import { LocalStorage } from '../../../src/backup/local-storage';
import { readManifest } from '../../../src/backup/read-manifest';
import type { CrypterRef } from '../../../src/plan/crypter-method';
import { ErrorType } from '../../../src/plan/error-types';

const KEY = '7e'.repeat(32);
const base: MakeBackupOptions = { seed: 9, tables: 3, rows: 10, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false };
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'brflow-plan-keys-'));
  await makeBackup(new LocalStorage(join(dir, 'plain')), base);
  await makeBackup(new LocalStorage(join(dir, 'enc')), { ...base, cipher: cipherFromHex('aes256-ctr', KEY, 'test') });
  await writeFile(join(dir, 'right.key'), KEY);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const inputs = (sub: string, crypter?: CrypterRef): PlanInputs => ({
  storage: `local://${join(dir, sub)}`, filters: [], caseSensitive: false, batchFiles: 256, mergeRegionSizeBytes: 96 << 20, mergeRegionKeyCount: 960_000,
  tableGroupSize: 128, batchAcrossTables: true, ...(crypter ? { crypter } : {}),
});
const reader = { readManifest: (url: string, o?: Parameters<typeof readManifest>[1]) => readManifest(new LocalStorage(url.replace(/^local:\/\//, '')), o) };

/** Counts how often the worker's default key was asked for. */
function counting(source: BackupKeySource): { keys: BackupKeySource; defaults: () => number } {
  let n = 0;
  return {
    keys: (ref) => {
      if (!ref) n++;
      return source(ref);
    },
    defaults: () => n,
  };
}

test('a worker default key is read only for an encrypted backup: a plaintext restore plans even when its file is missing', async () => {
  const broken = counting(keyFileSource({ method: 'aes256-ctr', keyFile: join(dir, 'missing.key') }));
  const plans = new PlanCache(reader, { keys: broken.keys });
  expect((await plans.build(inputs('plain'))).summary.tables).toBe(3);
  expect(broken.defaults()).toBe(0);
  await expect(plans.build(inputs('enc'))).rejects.toMatchObject({ type: ErrorType.BackupWrongKey, message: expect.stringContaining('missing.key (aes256-ctr) cannot be read') });

  const good = counting(keyFileSource({ method: 'aes256-ctr', keyFile: join(dir, 'right.key') }));
  expect((await new PlanCache(reader, { keys: good.keys }).build(inputs('enc'))).summary.tables).toBe(3);
  expect(good.defaults()).toBe(1);
});

test('without any key an encrypted backup is EncryptedNoKey saying both ways to give one; the input’s key file wins over the default', async () => {
  await expect(new PlanCache(reader).build(inputs('enc'))).rejects.toMatchObject({
    type: ErrorType.BackupEncrypted, message: expect.stringMatching(/neither the restore input nor this worker names its key; give the input crypter .* BRFLOW_CRYPTER_KEY_FILE/),
  });
  const wrongDefault = keyFileSource({ method: 'aes256-ctr', keyFile: join(dir, 'missing.key') });
  const view = await new PlanCache(reader, { keys: wrongDefault }).build(inputs('enc', { method: 'aes256-ctr', keyFile: join(dir, 'right.key') }));
  expect(view.summary.tables).toBe(3);
});
