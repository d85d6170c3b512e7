import { sniffUnreadableMeta } from '../../../src/backup/meta-sniff';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cipherFromKey, encryptCtr } from '../../../src/backup/cipher';
import { LocalStorage } from '../../../src/backup/local-storage';
import { walkMetaFile } from '../../../src/backup/meta-reader';
import { readManifest } from '../../../src/backup/read-manifest';
import { ErrorType } from '../../../src/plan/error-types';
import { concatBytes, indexPrefix, recordKey, recordPrefix, toHex } from '../../../src/plan/keys';
import { BackupMeta, File, MetaFile, Schema } from '../../../src/proto/brpb';
import { realBrFixtures } from './meta-fixtures';

// Generated messages type bytes as Buffer (ts-proto env=node).
const utf8 = (s: string) => Buffer.from(s);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest();
const SCHEMA_FILE = 'backupmeta.schema.000000001';

/** A metafile index entry as BR writes it: name, SHA-256 and size of the plaintext, IV when encrypted. */
function entry(name: string, plain: Uint8Array, cipherIv?: Uint8Array): File {
  return File.fromPartial({ name, sha256: sha(plain), size: BigInt(plain.length), cipherIv: cipherIv ? Buffer.from(cipherIv) : Buffer.alloc(0) });
}

const dbJson = (id: number, name: string) => utf8(JSON.stringify({ id, db_name: { O: name, L: name.toLowerCase() }, charset: 'utf8mb4', collate: 'utf8mb4_bin', state: 5 }));
const tableJson = (id: number, name: string, partitions: number[] = []) => utf8(JSON.stringify({
  id, name: { O: name, L: name.toLowerCase() }, cols: [], index_info: null, pk_is_handle: false, state: 5,
  partition: partitions.length === 0 ? null : {
    type: 1, expr: '`a`', columns: null, enable: true,
    definitions: partitions.map((p, i) => ({ id: p, name: { O: `p${i}`, L: `p${i}` }, less_than: [String((i + 1) * 10)] })),
  },
}));
function dataFile(name: string, start: Uint8Array, end: Uint8Array, cf = 'write'): File {
  return File.fromPartial({
    name, sha256: sha(utf8(name)), startKey: Buffer.from(start), endKey: Buffer.from(end), endVersion: 42n,
    crc64xor: 7n, totalKvs: 2n, totalBytes: 30n, cf, size: 100n,
  });
}

describe('meta reader', () => {
  let dir: string;
  let v2: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'brflow-meta-'));
    v2 = join(dir, 'v2');
    cpSync(join(realBrFixtures(), 'v2-500tables'), v2, { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const storage = (p: string) => new LocalStorage(p);
  const writeMeta = (folder: string, meta: BackupMeta) => writeFileSync(join(folder, 'backupmeta'), BackupMeta.encode(meta).finish());
  const fixtureMeta = () => BackupMeta.decode(readFileSync(join(v2, 'backupmeta')));
  const fixtureSchemas = () => MetaFile.decode(readFileSync(join(v2, SCHEMA_FILE))).schemas;

  test('a folder without backupmeta is BackupMetaMissing', async () => {
    await expect(readManifest(storage(dir))).rejects.toMatchObject({
      type: ErrorType.BackupMetaMissing,
      message: `no backupmeta at local://${dir}: is this a BR backup folder?`,
    });
  });

  test('a metafile whose SHA-256 differs from the index is BackupMetaCorrupt naming the file', async () => {
    const bytes = readFileSync(join(v2, SCHEMA_FILE));
    bytes[1000] = (bytes[1000] ?? 0) ^ 0x01;
    writeFileSync(join(v2, SCHEMA_FILE), bytes);
    await expect(readManifest(storage(v2))).rejects.toMatchObject({
      type: ErrorType.BackupMetaCorrupt,
      message: expect.stringMatching(/^metafile backupmeta\.schema\.000000001 at local:\/\/.* has SHA-256 [0-9a-f]{64} but backupmeta records 51a525bc/),
    });
  });

  test('a metafile with the wrong size is BackupMetaCorrupt naming the file and both sizes', async () => {
    writeFileSync(join(v2, SCHEMA_FILE), Buffer.concat([readFileSync(join(v2, SCHEMA_FILE)), Buffer.from([0])]));
    await expect(readManifest(storage(v2))).rejects.toMatchObject({
      type: ErrorType.BackupMetaCorrupt,
      message: expect.stringContaining(`${SCHEMA_FILE} at local://${v2} has 671355 bytes but backupmeta records 671354`),
    });
  });

  test('a metafile missing from storage is StorageNotFound naming it', async () => {
    unlinkSync(join(v2, SCHEMA_FILE));
    await expect(readManifest(storage(v2))).rejects.toMatchObject({
      type: ErrorType.StorageNotFound, message: `object ${SCHEMA_FILE} not found in local://${v2}`,
    });
  });

  test('multi-level index: an index metafile pointing at two leaves yields every schema in order', async () => {
    const schemas = fixtureSchemas();
    const leafA = MetaFile.encode(MetaFile.fromPartial({ schemas: schemas.slice(0, 200) })).finish();
    const leafB = MetaFile.encode(MetaFile.fromPartial({ schemas: schemas.slice(200) })).finish();
    writeFileSync(join(v2, 'backupmeta.schema.000000002'), leafA);
    writeFileSync(join(v2, 'backupmeta.schema.000000003'), leafB);
    const mid = MetaFile.encode(MetaFile.fromPartial({
      metaFiles: [entry('backupmeta.schema.000000002', leafA), entry('backupmeta.schema.000000003', leafB)],
    })).finish();
    writeFileSync(join(v2, SCHEMA_FILE), mid);
    writeMeta(v2, { ...fixtureMeta(), schemaIndex: MetaFile.fromPartial({ metaFiles: [entry(SCHEMA_FILE, mid)] }) });

    const m = await readManifest(storage(v2));
    const expected = schemas.map((s) => (JSON.parse(Buffer.from(s.table).toString()) as { name: { O: string } }).name.O);
    expect(m.tables.map((t) => t.name)).toEqual(expected);
    expect(m.tables).toHaveLength(500);
  });

  test('an index that references a metafile twice (a cycle) is BackupMetaCorrupt', async () => {
    const self = MetaFile.fromPartial({ metaFiles: [File.fromPartial({ name: SCHEMA_FILE })] });
    const bytes = MetaFile.encode(self).finish();
    const selfRef = MetaFile.encode(MetaFile.fromPartial({ metaFiles: [entry(SCHEMA_FILE, bytes)] })).finish();
    writeFileSync(join(v2, SCHEMA_FILE), selfRef);
    writeMeta(v2, { ...fixtureMeta(), schemaIndex: MetaFile.fromPartial({ metaFiles: [entry(SCHEMA_FILE, selfRef)] }) });
    await expect(readManifest(storage(v2))).rejects.toMatchObject({
      type: ErrorType.BackupMetaCorrupt, message: expect.stringContaining(`metafile ${SCHEMA_FILE} is referenced twice`),
    });
  });

  describe('encrypted backups (newer BR --crypter.method)', () => {
    /** Encrypts the v2 fixture as BR does: backupmeta = IV ‖ ciphertext, metafiles ciphertext with the IV in the index. */
    /** `iv` fixes the root's IV (a test whose outcome must not depend on chance); random otherwise. */
    function encryptFixture(key: Uint8Array, iv?: Uint8Array): void {
      const cipher = cipherFromKey(key);
      const plainLeaf = readFileSync(join(v2, SCHEMA_FILE));
      const leaf = encryptCtr(cipher, plainLeaf);
      writeFileSync(join(v2, SCHEMA_FILE), leaf.data);
      const meta = { ...fixtureMeta(), schemaIndex: MetaFile.fromPartial({ metaFiles: [entry(SCHEMA_FILE, plainLeaf, leaf.iv)] }) };
      const root = encryptCtr(cipher, BackupMeta.encode(meta).finish(), iv);
      writeFileSync(join(v2, 'backupmeta'), Buffer.concat([root.iv, root.data]));
    }

    /**
     * A fixed key and IV, so every run reads the same bytes. (Random ones once made this flaky: the old
     * plausibility check took about 1 ciphertext in 600 for plain; meta-plausibility.test.ts now proves over
     * thousands of keys that none is.)
     */
    const derived = (label: string, len: number): Buffer => createHash('sha256').update(label).digest().subarray(0, len);
    const FIXED_IV = derived('brflow meta-reader test iv', 16);

    test.each([16, 24, 32])('AES-CTR with a %i-byte key reads the same manifest as the plain backup', async (len) => {
      const plain = await readManifest(storage(v2));
      const key = derived(`brflow meta-reader test key ${len}`, len);
      encryptFixture(key, FIXED_IV);
      const m = await readManifest(storage(v2), { cipher: cipherFromKey(key) });
      expect(m.encrypted).toBe(true);
      expect({ ...m, encrypted: false }).toEqual(plain);
    });

    test('without a key it is BackupEncrypted saying what the operator can do', async () => {
      encryptFixture(derived('brflow meta-reader test key no-key', 32), FIXED_IV);
      await expect(readManifest(storage(v2))).rejects.toMatchObject({
        type: ErrorType.BackupEncrypted,
        message: expect.stringMatching(/encrypted \(BR --crypter\.\*\); give its key: the restore input's crypter \{"method": "aes256-ctr", "keyFile": .*--crypter\.key-file/),
      });
    });

    test('a damaged plain backupmeta (truncated, overwritten with text or zeros) is BackupMetaCorrupt, never "encrypted"', async () => {
      const full = BackupMeta.encode(fixtureMeta()).finish();
      const damaged: Array<[Uint8Array, RegExp]> = [
        [full.subarray(0, Math.floor(full.length / 2)), /breaks off at byte \d+ of \d+ \(truncated or overwritten\)/],
        [Buffer.from('<html><body>404 Not Found: the object was moved</body></html>\n'.repeat(4)), /neither protobuf nor ciphertext/],
        [new Uint8Array(4096), /neither protobuf nor ciphertext|breaks off/],
        [new Uint8Array(0), /it is empty/],
      ];
      for (const [bytes, reason] of damaged) {
        writeFileSync(join(v2, 'backupmeta'), bytes);
        await expect(readManifest(storage(v2))).rejects.toMatchObject({ type: ErrorType.BackupMetaCorrupt, message: expect.stringMatching(reason) });
      }
    });

    test('ciphertext is recognised as encrypted whatever the key (300 fixed keys and IVs, each AES size)', () => {
      const plain = BackupMeta.encode(fixtureMeta()).finish();
      // Derived, not random: the outcome is the same on every run.
      const bytes = (label: string, n: number) => createHash('sha512').update(label).digest().subarray(0, n);
      for (let i = 0; i < 300; i++) {
        const root = encryptCtr(cipherFromKey(bytes(`key-${i}`, [16, 24, 32][i % 3]!)), plain, bytes(`iv-${i}`, 16));
        expect(sniffUnreadableMeta(Buffer.concat([root.iv, root.data])).kind).toBe('encrypted');
      }
    });

    test('with the wrong key it is BackupWrongKey naming where the key came from, not a garbage manifest', async () => {
      // Derived keys and IV, so every run reads the same bytes (meta-plausibility.test.ts covers thousands of wrong keys).
      const derived = (label: string, n: number) => createHash('sha512').update(label).digest().subarray(0, n);
      encryptFixture(derived('right key', 32), derived('root iv', 16));
      const wrong = { ...cipherFromKey(derived('wrong key', 32)), source: 'key file /etc/k (aes256-ctr)' };
      await expect(readManifest(storage(v2), { cipher: wrong })).rejects.toMatchObject({
        type: ErrorType.BackupWrongKey, message: expect.stringContaining('does not decrypt to a BackupMeta with key file /etc/k (aes256-ctr)'),
      });
    });

    test('a plain backupmeta with encrypted metafiles and no key is BackupEncrypted naming the metafile', async () => {
      const cipher = cipherFromKey(randomBytes(16));
      const plainLeaf = readFileSync(join(v2, SCHEMA_FILE));
      const leaf = encryptCtr(cipher, plainLeaf);
      writeFileSync(join(v2, SCHEMA_FILE), leaf.data);
      writeMeta(v2, { ...fixtureMeta(), schemaIndex: MetaFile.fromPartial({ metaFiles: [entry(SCHEMA_FILE, plainLeaf, leaf.iv)] }) });
      await expect(readManifest(storage(v2))).rejects.toMatchObject({
        type: ErrorType.BackupEncrypted, message: expect.stringContaining(`metafile ${SCHEMA_FILE} at local://${v2} is encrypted`),
      });
    });

    test('a key of a length AES does not take is refused with the accepted lengths', () => {
      expect(() => cipherFromKey(randomBytes(20))).toThrow(expect.objectContaining({
        type: ErrorType.InvalidInput, message: expect.stringContaining('must be 16, 24 or 32 bytes'),
      }) as Error);
    });
  });

  test('v2 DDL jobs: one JSON job per ddl_indexes entry, joined in order', async () => {
    const job = (id: number, query: string) => utf8(JSON.stringify({ id, type: 3, schema_id: 2, table_id: id + 1, query, state: 6 }));
    const leaf1 = MetaFile.encode(MetaFile.fromPartial({ ddls: [job(10, 'create table a (x int)'), job(11, 'create table b (x int)')] })).finish();
    const leaf2 = MetaFile.encode(MetaFile.fromPartial({ ddls: [job(12, 'drop table a')] })).finish();
    writeFileSync(join(v2, 'backupmeta.ddl.000000002'), leaf1);
    writeFileSync(join(v2, 'backupmeta.ddl.000000003'), leaf2);
    writeMeta(v2, {
      ...fixtureMeta(),
      ddlIndexes: MetaFile.fromPartial({ metaFiles: [entry('backupmeta.ddl.000000002', leaf1), entry('backupmeta.ddl.000000003', leaf2)] }),
    });
    const m = await readManifest(storage(v2));
    expect(m.ddlJobs.map((j) => [j.id, j.type, j.query])).toEqual([
      [10, 3, 'create table a (x int)'], [11, 3, 'create table b (x int)'], [12, 3, 'drop table a'],
    ]);
  });

  describe('data files (v1 inline and v2 file_index)', () => {
    const schemas = [
      Schema.fromPartial({ db: dbJson(2, 'shop'), table: tableJson(100, 'orders', [101, 102]), crc64xor: 18446744073709551615n, totalKvs: 5n, totalBytes: 99n, tiflashReplicas: 1 }),
      Schema.fromPartial({ db: dbJson(1, 'mysql'), table: tableJson(200, 'user') }),
      Schema.fromPartial({ db: dbJson(3, 'empty_db') }),
    ];
    const files = [
      dataFile('1/a_write.sst', recordKey(100, 1), recordKey(100, 9)),
      dataFile('1/b_default.sst', recordKey(101, 1), recordKey(101, 5), 'default'),
      dataFile('1/b_write.sst', recordKey(101, 1), recordKey(101, 5)),
      dataFile('2/c_write.sst', indexPrefix(102, 1), concatBytes(indexPrefix(102, 1), new Uint8Array([0xff]))),
      dataFile('2/d_write.sst', recordPrefix(200), recordPrefix(201)),
      dataFile('3/dropped_write.sst', recordKey(999, 1), recordKey(999, 2)),
      dataFile('3/meta_write.sst', utf8('mDB:1'), utf8('mDB:2')),
    ];
    const header = { clusterId: 9n, clusterVersion: '"8.5.0"\n', brVersion: 'test', startVersion: 40n, endVersion: 42n, ddls: utf8('[]') };

    async function check(folder: string): Promise<void> {
      const m = await readManifest(storage(folder));
      expect(m.databases.map((d) => [d.id, d.name])).toEqual([[2, 'shop'], [1, 'mysql'], [3, 'empty_db']]);
      const [orders, user] = m.tables;
      expect(m.tables).toHaveLength(2);
      expect(orders).toMatchObject({
        db: 'shop', dbId: 2, name: 'orders', id: 100, physicalIds: [100, 101, 102], isSystem: false,
        crc64xor: '18446744073709551615', totalKvs: '5', totalBytes: '99', tiflashReplicas: 1,
      });
      expect(orders?.files.map((f) => f.name)).toEqual(['1/a_write.sst', '1/b_default.sst', '1/b_write.sst', '2/c_write.sst']);
      expect(user).toMatchObject({ db: 'mysql', name: 'user', isSystem: true });
      expect(user?.files.map((f) => f.name)).toEqual(['2/d_write.sst']);
      expect(m.orphanFiles.map((f) => f.name)).toEqual(['3/dropped_write.sst', '3/meta_write.sst']);
      expect(orders?.files[1]).toEqual({
        name: '1/b_default.sst', sha256: sha(utf8('1/b_default.sst')).toString('hex'),
        startKey: toHex(recordKey(101, 1)), endKey: toHex(recordKey(101, 5)), startVersion: '0', endVersion: '42',
        crc64xor: '7', totalKvs: '2', totalBytes: '30', cf: 'default', size: '100',
      });
      expect(m.startVersion).toBe('40');
    }

    test('v1: files and schemas inline', async () => {
      writeMeta(dir, BackupMeta.fromPartial({ ...header, files, schemas }));
      await check(dir);
    });

    test('v2: files and schemas in metafiles', async () => {
      const dataLeaf = MetaFile.encode(MetaFile.fromPartial({ dataFiles: files })).finish();
      const schemaLeaf = MetaFile.encode(MetaFile.fromPartial({ schemas })).finish();
      writeFileSync(join(dir, 'backupmeta.datafile.000000001'), dataLeaf);
      writeFileSync(join(dir, 'backupmeta.schema.000000002'), schemaLeaf);
      writeMeta(dir, BackupMeta.fromPartial({
        ...header, version: 1,
        fileIndex: { metaFiles: [entry('backupmeta.datafile.000000001', dataLeaf)] },
        schemaIndex: { metaFiles: [entry('backupmeta.schema.000000002', schemaLeaf)] },
      }));
      await check(dir);
    });

    test('a data file with an unknown column family is BackupMetaCorrupt naming the file', async () => {
      writeMeta(dir, BackupMeta.fromPartial({ ...header, files: [dataFile('x_lock.sst', recordKey(100, 1), recordKey(100, 2), 'lock')], schemas }));
      await expect(readManifest(storage(dir))).rejects.toMatchObject({
        type: ErrorType.BackupMetaCorrupt, message: expect.stringContaining('data file "x_lock.sst"'),
      });
    });

    test('a backupmeta version newer than v2 is refused', async () => {
      writeMeta(dir, BackupMeta.fromPartial({ ...header, version: 2 }));
      await expect(readManifest(storage(dir))).rejects.toMatchObject({
        type: ErrorType.BackupMetaCorrupt, message: expect.stringContaining('metadata version 2'),
      });
    });
  });

  test('walkMetaFile works on any loader (e.g. a writer\'s in-memory output)', async () => {
    const leaves = new Map<string, MetaFile>([
      ['l1', MetaFile.fromPartial({ ddls: [utf8('1')] })],
      ['l2', MetaFile.fromPartial({ ddls: [utf8('2')] })],
    ]);
    const root = MetaFile.fromPartial({ metaFiles: [File.fromPartial({ name: 'l1' }), File.fromPartial({ name: 'l2' })] });
    const seen: string[] = [];
    await walkMetaFile(root, async (e) => leaves.get(e.name) ?? MetaFile.fromPartial({}), (leaf) => {
      seen.push(...leaf.ddls.map((d) => Buffer.from(d).toString()));
    });
    expect(seen).toEqual(['1', '2']);
  });
});
