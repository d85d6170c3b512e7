import { BinaryWriter } from '@bufbuild/protobuf/wire';
import type { BackupFile } from '../../../src/backup/manifest';
import { toBackupFile } from '../../../src/backup/meta-decode';
import { hasMetaFileEntries, scanLeafDataFiles, scanLeafDdls, scanLeafSchemas, type LeafSchema } from '../../../src/backup/meta-leaf-scan';
import { ErrorType } from '../../../src/plan/error-types';
import { File, MetaFile, Schema } from '../../../src/proto/brpb';
import { readRealBr as read } from './meta-fixtures';

const WHERE = 'metafile test.meta';
const U64_MAX = (1n << 64n) - 1n;

function file(over: Partial<File>): File {
  return File.fromPartial({ name: 'a.sst', cf: 'write', startKey: Buffer.from('7480000000000000ff5f72', 'hex'), ...over });
}

function scanFiles(bytes: Uint8Array): { files: BackupFile[]; startKeys: string[] } {
  const files: BackupFile[] = [];
  const startKeys: string[] = [];
  scanLeafDataFiles(bytes, WHERE, (f, k) => {
    files.push(f);
    startKeys.push(Buffer.from(k).toString('hex'));
  });
  return { files, startKeys };
}

describe('scanLeafDataFiles', () => {
  it('gives what toBackupFile gives for the decoded message: 64-bit edges, IVs, empty fields, in order', () => {
    const files = [
      file({ name: 'edge.sst', startVersion: 0n, endVersion: U64_MAX, crc64xor: (1n << 63n) + 5n, totalKvs: (1n << 53n) - 1n, totalBytes: 1n << 53n, size: (1n << 53n) + 1n }),
      file({ name: '中文/ä.sst', cf: 'default', sha256: Buffer.alloc(32, 0xab), endKey: Buffer.from([0x74, 0xff, 0]), cipherIv: Buffer.alloc(16, 7), startVersion: 440691270926467074n }),
      file({ name: '', startKey: Buffer.alloc(0), crc64xor: 1n << 32n, totalKvs: (1n << 32n) - 1n }),
    ];
    const bytes = MetaFile.encode(MetaFile.fromPartial({ dataFiles: files, schemas: [Schema.fromPartial({ db: Buffer.from('{}') })] })).finish();
    const { files: got, startKeys } = scanFiles(bytes);
    expect(got).toEqual(files.map((f) => toBackupFile(f, WHERE)));
    expect(got.map((f) => Object.keys(f))).toEqual(files.map((f) => Object.keys(toBackupFile(f, WHERE))));
    expect(startKeys).toEqual(files.map((f) => f.startKey.toString('hex')));
  });

  it('writes every 64-bit value exactly (random values of every varint length)', () => {
    let x = 0x9e3779b97f4a7c15n;
    const values: bigint[] = [];
    for (let i = 0; i < 640; i++) {
      x = (x * 6364136223846793005n + 1442695040888963407n) & U64_MAX;
      values.push(x >> BigInt(i % 64)); // shifted so that short varints come up too
    }
    const files = values.map((v, i) => file({ name: `${i}.sst`, crc64xor: v, endVersion: U64_MAX - v }));
    const got = scanFiles(MetaFile.encode(MetaFile.fromPartial({ dataFiles: files })).finish()).files;
    expect(got.map((f) => [f.crc64xor, f.endVersion])).toEqual(values.map((v) => [v.toString(), (U64_MAX - v).toString()]));
  });

  it('skips unknown fields and known fields of another wire type, as the generated decoder does', () => {
    const w = new BinaryWriter();
    const inner = new BinaryWriter();
    inner.uint32((1 << 3) | 2).string('x.sst');
    inner.uint32((5 << 3) | 2).bytes(Buffer.from('not a varint')); // start_version as bytes: skipped
    inner.uint32((40 << 3) | 0).uint64(123n); // unknown varint
    inner.uint32((41 << 3) | 1).fixed64(9n); // unknown fixed64
    inner.uint32((42 << 3) | 5).fixed32(9); // unknown fixed32
    inner.uint32((10 << 3) | 2).string('write');
    inner.uint32((6 << 3) | 0).uint64(77n);
    w.uint32((2 << 3) | 2).bytes(inner.finish());
    w.uint32((99 << 3) | 2).bytes(Buffer.from('unknown top-level field'));
    const bytes = w.finish();
    const decoded = MetaFile.decode(bytes);
    expect(scanFiles(bytes).files).toEqual(decoded.dataFiles.map((f) => toBackupFile(f, WHERE)));
    expect(scanFiles(bytes).files[0]).toMatchObject({ name: 'x.sst', startVersion: '0', endVersion: '77' });
  });

  it('refuses a column family other than write/default and truncated bytes, as BackupMetaCorrupt naming the metafile', () => {
    const bad = MetaFile.encode(MetaFile.fromPartial({ dataFiles: [file({ name: 'lock.sst', cf: 'lock' })] })).finish();
    expect(() => scanFiles(bad)).toThrow(expect.objectContaining({ type: ErrorType.BackupMetaCorrupt, message: expect.stringContaining('"lock"') }));
    const good = MetaFile.encode(MetaFile.fromPartial({ dataFiles: [file({}), file({ name: 'b.sst' })] })).finish();
    for (const cut of [good.length - 1, good.length - 20, 3]) {
      expect(() => scanFiles(good.subarray(0, cut))).toThrow(expect.objectContaining({ type: ErrorType.BackupMetaCorrupt, message: expect.stringContaining(`${WHERE} is not a MetaFile protobuf`) }));
    }
  });
});

describe('scanLeafSchemas, scanLeafDdls, hasMetaFileEntries', () => {
  it('reads every schema of a real BR v2 schema leaf as the decoded messages hold them', () => {
    const bytes = read('v2-500tables/backupmeta.schema.000000001');
    const decoded = MetaFile.decode(bytes);
    const got: LeafSchema[] = [];
    scanLeafSchemas(bytes, WHERE, (s) => got.push({ ...s, db: Buffer.from(s.db), table: Buffer.from(s.table) }));
    expect(got).toHaveLength(500);
    expect(got).toEqual(decoded.schemas.map((s) => ({
      db: s.db, table: s.table, crc64xor: s.crc64xor.toString(), totalKvs: s.totalKvs.toString(), totalBytes: s.totalBytes.toString(), tiflashReplicas: s.tiflashReplicas,
    })));
    expect(hasMetaFileEntries(bytes, WHERE)).toBe(false);
  });

  it('reads DDL entries in order and tells an index node from a leaf', () => {
    const leaf = MetaFile.encode(MetaFile.fromPartial({ ddls: [Buffer.from('{"id":1}'), Buffer.from('{"id":2}')] })).finish();
    const jobs: string[] = [];
    scanLeafDdls(leaf, WHERE, (j) => jobs.push(Buffer.from(j).toString()));
    expect(jobs).toEqual(['{"id":1}', '{"id":2}']);
    expect(hasMetaFileEntries(leaf, WHERE)).toBe(false);
    const index = MetaFile.encode(MetaFile.fromPartial({ metaFiles: [file({ name: 'child' })], ddls: [Buffer.from('{}')] })).finish();
    expect(hasMetaFileEntries(index, WHERE)).toBe(true);
  });
});
