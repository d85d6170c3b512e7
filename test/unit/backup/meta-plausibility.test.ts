import { createHash } from 'node:crypto';
import { syntheticBackupMeta } from '../../../bench/synthetic-backupmeta';
import { syntheticManifest } from '../../../bench/synthetic-manifest';
import { cipherFromKey, encryptCtr, type BackupCipher } from '../../../src/backup/cipher';
import { makeBackup, type MakeBackupOptions } from '../../../src/backup/generator/make-backup';
import { readRootMeta } from '../../../src/backup/meta-reader';
import { decodePlausibleBackupMeta } from '../../../src/backup/meta-plausibility';
import { initSstCodecs } from '../../../src/backup/sst';
import type { BackupStorage } from '../../../src/backup/storage';
import { ErrorType } from '../../../src/plan/error-types';
import { BackupMeta } from '../../../src/proto/brpb';
import { readRealBr } from './meta-fixtures';

/** Deterministic pseudo-random bytes of any length: the same on every run, so a failure always reproduces. */
const bytesOf = (label: string, n: number): Buffer => createHash('shake256', { outputLength: n }).update(label).digest();

/** A backup folder in memory: readRootMeta and makeBackup need no more than this. */
class MemoryStorage implements BackupStorage {
  readonly objects = new Map<string, Uint8Array>();
  constructor(readonly description: string) {}
  async read(name: string): Promise<Uint8Array> {
    const b = this.objects.get(name);
    if (!b) throw new Error(`${name} not in ${this.description}`);
    return b;
  }
  async readRange(name: string, start: number, end: number): Promise<Uint8Array> {
    return (await this.read(name)).subarray(start, end);
  }
  async write(name: string, data: Uint8Array): Promise<void> {
    this.objects.set(name, data);
  }
  async exists(name: string): Promise<boolean> {
    return this.objects.has(name);
  }
  async list(prefix = ''): Promise<string[]> {
    return [...this.objects.keys()].filter((n) => n.startsWith(prefix)).sort();
  }
  async size(name: string): Promise<number> {
    return (await this.read(name)).length;
  }
}

const withMeta = (bytes: Uint8Array): MemoryStorage => {
  const s = new MemoryStorage('mem://backup');
  s.objects.set('backupmeta', bytes);
  return s;
};
const isPlain = (bytes: Uint8Array): boolean => 'meta' in decodePlausibleBackupMeta(bytes);
const notMeta = (bytes: Uint8Array): string => {
  const r = decodePlausibleBackupMeta(bytes);
  return 'notMeta' in r ? r.notMeta : '(plausible)';
};

/** The small real BR backupmeta (v2 root: header and one schema_index entry, 329 bytes). */
const SMALL = readRealBr('v2-500tables/backupmeta');
const SMALL_META = BackupMeta.decode(SMALL);
const encode = (m: BackupMeta): Uint8Array => BackupMeta.encode(m).finish();

describe('backupmeta plausibility: an encrypted backupmeta is never taken for a plain one', () => {
  test('2,100 keys and IVs (700 per AES size): the ciphertext of the small fixture is never plain; its key decrypts it, another key is BackupWrongKey', async () => {
    // Outcomes are collected, not asserted one by one, so a failure lists every key that went wrong.
    const outcome = (p: Promise<unknown>): Promise<string> => p.then(() => 'read as a backup', (e: { type?: string }) => e.type ?? String(e));
    const takenAsPlain: number[] = [];
    const readWithoutKey = new Map<number, string>();
    const readWithWrongKey = new Map<number, string>();
    for (let i = 0; i < 2100; i++) {
      const cipher = cipherFromKey(bytesOf(`key-${i}`, [16, 24, 32][i % 3]!));
      const { iv, data } = encryptCtr(cipher, SMALL, bytesOf(`iv-${i}`, 16));
      const stored = Buffer.concat([iv, data]);
      if (isPlain(stored)) takenAsPlain.push(i);
      const storage = withMeta(stored);
      const noKey = await outcome(readRootMeta(storage));
      if (noKey !== ErrorType.BackupEncrypted) readWithoutKey.set(i, noKey);
      expect(await readRootMeta(storage, { cipher })).toEqual({ meta: SMALL_META, encrypted: true });
      const wrong: BackupCipher = { ...cipherFromKey(bytesOf(`wrong-${i}`, cipher.key.length)), source: 'key file /k' };
      const wrongKey = await outcome(readRootMeta(storage, { cipher: wrong }));
      if (wrongKey !== ErrorType.BackupWrongKey) readWithWrongKey.set(i, wrongKey);
    }
    expect(takenAsPlain).toEqual([]);
    expect(readWithoutKey).toEqual(new Map());
    expect(readWithWrongKey).toEqual(new Map());
  });

  test.each([1, 2, 3, 5, 8, 13, 16, 21, 34, 64, 100, 345, 1000, 4096])('random byte strings of %i bytes are never plausible (1,000 of them)', (len) => {
    const plausible: number[] = [];
    for (let i = 0; i < 1000; i++) if (isPlain(bytesOf(`random-${len}-${i}`, len))) plausible.push(i);
    expect(plausible).toEqual([]);
  });
});

describe('backupmeta plausibility: every real and generated backupmeta passes', () => {
  beforeAll(() => initSstCodecs());

  test.each(['v1-tpcc', 'v2-500tables'])('real BR fixture %s', async (dir) => {
    const bytes = readRealBr(`${dir}/backupmeta`);
    expect(notMeta(bytes)).toBe('(plausible)');
    expect(await readRootMeta(withMeta(bytes))).toEqual({ meta: BackupMeta.decode(bytes), encrypted: false });
  });

  const base: MakeBackupOptions = { seed: 3, tables: 8, rows: 5, metaVersion: 2, compression: 'none', incremental: false, withSysTables: false };
  test.each<[string, Partial<MakeBackupOptions>]>([
    ['meta v1', { metaVersion: 1 }],
    ['meta v2', {}],
    ['incremental', { incremental: true }],
    ['with system tables and a two-level index', { withSysTables: true, metaLeafEntries: 2, metaTwoLevel: true }],
  ])('make-backup output: %s', async (_, opts) => {
    const storage = new MemoryStorage('mem://generated');
    await makeBackup(storage, { ...base, ...opts });
    const bytes = await storage.read('backupmeta');
    expect(notMeta(bytes)).toBe('(plausible)');
    expect((await readRootMeta(storage)).encrypted).toBe(false);
  });

  test.each([16, 24, 32])('make-backup output encrypted with a %i-byte key: ciphertext is not plain, decrypted it is', async (len) => {
    const storage = new MemoryStorage('mem://generated-encrypted');
    const cipher = cipherFromKey(bytesOf(`generator key ${len}`, len));
    await makeBackup(storage, { ...base, cipher });
    const bytes = await storage.read('backupmeta');
    expect(isPlain(bytes)).toBe(false);
    const root = await readRootMeta(storage, { cipher });
    expect(root.encrypted).toBe(true);
    expect(root.meta.clusterId).toBeGreaterThan(0n);
  });

  test('the bench\'s synthetic backupmeta', () => {
    const objects = syntheticBackupMeta(syntheticManifest({ tables: 20, files: 60 }));
    expect(notMeta(objects.find((o) => o.name === 'backupmeta')!.bytes)).toBe('(plausible)');
  });
});

describe('backupmeta plausibility: what each rule refuses and lets through', () => {
  const field = (n: number, wire: number, payload: number[]): Buffer => Buffer.from([(n << 3) | wire, ...payload]);
  test.each<[string, Uint8Array, RegExp | 'plausible']>([
    ['no cluster_id', encode({ ...SMALL_META, clusterId: 0n }), /no cluster_id/],
    ['no end_version', encode({ ...SMALL_META, endVersion: 0n }), /no end_version/],
    ['start_version after end_version', encode({ ...SMALL_META, startVersion: SMALL_META.endVersion + 1n }), /start_version \d+ is after its end_version/],
    ['an incremental backup (start < end)', encode({ ...SMALL_META, startVersion: SMALL_META.endVersion - 1000n }), 'plausible'],
    ['a layout version far beyond any BR', encode({ ...SMALL_META, version: 1234 }), /version 1234 is no backupmeta layout version/],
    // A newer BR's layout must reach checkVersion's "brflow reads versions 0 and 1", not be called encrypted.
    ['a next layout version', encode({ ...SMALL_META, version: 2 }), 'plausible'],
    ['cluster_version with a control byte', encode({ ...SMALL_META, clusterVersion: '"7.1\u0001.0"\n' }), /cluster_version is not text/],
    ['cluster_version that is not UTF-8', Buffer.concat([field(1, 0, [7]), field(2, 2, [3, 0xff, 0xfe, 0x31]), field(6, 0, [9])]), /cluster_version is not text/],
    ['cluster_version with no version number', encode({ ...SMALL_META, clusterVersion: 'banana' }), /cluster_version "banana" does not look like one/],
    ['new_collations_enabled not true/false', encode({ ...SMALL_META, newCollationsEnabled: 'Tru' }), /new_collations_enabled "Tru"/],
    ['ddls that is not a JSON array', encode({ ...SMALL_META, ddls: Buffer.from('x[]') }), /ddls is not a JSON array/],
    ['ddls `null` (a nil job list)', encode({ ...SMALL_META, ddls: Buffer.from('null') }), 'plausible'],
    // What BR flushes when its filter matches nothing: header fields only.
    ['a header-only backupmeta', encode(BackupMeta.fromPartial({ clusterId: 5n, endVersion: 9n })), 'plausible'],
    ['no cluster_version or br_version (early BR)', encode({ ...SMALL_META, clusterVersion: '', brVersion: '' }), 'plausible'],
    ['a trailing zero byte (the decoder stops there silently)', Buffer.concat([SMALL, Buffer.from([0])]), /byte 329 holds field 0 with wire type 0/],
    ['a known field with the wrong wire type', Buffer.concat([SMALL, field(6, 2, [1, 0x41])]), /field 6 with wire type 2, which is no BackupMeta field/],
    ['a proto2 group (start-group tag)', Buffer.concat([SMALL, field(11, 3, [])]), /field 11 with wire type 3/],
    ['a field number no BackupMeta has', Buffer.concat([SMALL, Buffer.from([0xa0, 0x06, 1])]), /field 100 with wire type 0/],
    ['truncated', SMALL.subarray(0, 300), /runs past the end \(300 bytes\)/],
    ['a tag cut off', Buffer.concat([SMALL, Buffer.from([0x80])]), /breaks off at byte 329 of 330/],
    // Newer BR may add fields after 26, and early BR wrote `path` (3, now reserved).
    ['a newer field (27, varint)', Buffer.concat([SMALL, Buffer.from([0xd8, 0x01, 1])]), 'plausible'],
    ['the old path field (3)', Buffer.concat([field(1, 0, [7]), field(3, 2, [2, 0x2f, 0x62]), field(6, 0, [9])]), 'plausible'],
  ])('%s', (_, bytes, expected) => {
    if (expected === 'plausible') expect(notMeta(bytes)).toBe('(plausible)');
    else expect(notMeta(bytes)).toMatch(expected);
  });

  test('a plain backupmeta that fails the check, read without a key, is BackupMetaCorrupt naming the file, the reason and the fix', async () => {
    await expect(readRootMeta(withMeta(encode({ ...SMALL_META, clusterId: 0n })))).rejects.toMatchObject({
      type: ErrorType.BackupMetaCorrupt,
      message: expect.stringMatching(
        /^backupmeta at mem:\/\/backup is damaged: it decodes as protobuf \(\d+ fields\) but not as a BackupMeta BR writes \(it has no cluster_id .*\); re-copy the backup or take it again/),
    });
  });
});
