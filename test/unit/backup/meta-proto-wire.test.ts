import { BackupMeta, MetaFile } from '../../../src/proto/brpb';
import { readRealBr as read } from './meta-fixtures';

// Real BR output (README there): re-encoding must reproduce it byte for byte, which proves our
// subset keeps BR's field numbers, wire types and gogo's number-ordered field layout.

describe('backup.BackupMeta wire compatibility with real BR files', () => {
  test('v1-tpcc backupmeta decodes to the README values and re-encodes identically', () => {
    const bytes = read('v1-tpcc/backupmeta');
    const meta = BackupMeta.decode(bytes);
    expect(meta.clusterId).toBe(7211076907329653533n);
    expect(meta.endVersion).toBe(440689413714870273n);
    expect(meta.startVersion).toBe(0n);
    expect(meta.version).toBe(0);
    expect(meta.clusterVersion).toBe('"7.1.0-alpha"\n');
    expect(meta.brVersion).toContain('v6.7.0-alpha-305-g4a9212a209-dirty');
    expect(meta.newCollationsEnabled).toBe('True');
    expect(Buffer.from(meta.ddls).toString()).toBe('[]');
    expect(meta.schemas).toHaveLength(9);
    expect(meta.files).toHaveLength(0);
    expect(Buffer.from(BackupMeta.encode(meta).finish()).equals(bytes)).toBe(true);
  });

  test('v2-500tables backupmeta and its schema metafile re-encode identically', () => {
    const bytes = read('v2-500tables/backupmeta');
    const meta = BackupMeta.decode(bytes);
    expect(meta.clusterId).toBe(7211076907329653533n);
    expect(meta.endVersion).toBe(440691270926467074n);
    expect(meta.version).toBe(1);
    expect(meta.schemas).toHaveLength(0);
    const entry = meta.schemaIndex?.metaFiles[0];
    expect(entry?.name).toBe('backupmeta.schema.000000001');
    expect(entry?.size).toBe(671354n);
    expect(Buffer.from(entry?.sha256 ?? []).toString('hex')).toBe('51a525bcbf13eead25cad32035fbf7c2f234493039dfb2f4c8a96be1b1668ee7');
    expect(Buffer.from(BackupMeta.encode(meta).finish()).equals(bytes)).toBe(true);

    const leafBytes = read('v2-500tables/backupmeta.schema.000000001');
    const leaf = MetaFile.decode(leafBytes);
    expect(leaf.schemas).toHaveLength(500);
    expect(Buffer.from(MetaFile.encode(leaf).finish()).equals(leafBytes)).toBe(true);
  });

  test('a field the subset does not know breaks the byte equality (the check has teeth)', () => {
    const bytes = read('v2-500tables/backupmeta');
    // Field 99, varint 1: unknown to the subset, so it is dropped on re-encode.
    const withUnknown = Buffer.concat([bytes, Buffer.from([0x98, 0x06, 0x01])]);
    const meta = BackupMeta.decode(withUnknown);
    expect(Buffer.from(BackupMeta.encode(meta).finish()).equals(withUnknown)).toBe(false);
  });
});
