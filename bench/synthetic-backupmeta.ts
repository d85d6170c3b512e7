import { createHash } from 'node:crypto';
import type { Manifest } from '../src/backup/manifest';
import { toGoJson } from '../src/backup/generator/json-text';
import { BackupMeta, File, MetaFile, Schema } from '../src/proto/brpb';

/**
 * Encodes a Manifest as the meta v2 objects BR writes (br/pkg/metautil/metafile.go): data files and schemas
 * in `backupmeta.{datafile|schema}.%09d` MetaFiles numbered by one shared counter, referenced from
 * `file_index` / `schema_index` by name, SHA-256 and size, and the root `backupmeta` last.
 *
 * Why not src/backup/generator/meta-writer.ts: it works on a generated Dataset and takes each file's size from
 * its SST bytes, which a Manifest does not have (and, when this was written, it summed checksums by scanning
 * every file per table: two minutes at 10,000 × 100,000). This encoder starts from the Manifest and lays the
 * objects out the same way; the smoke test reads its output back with readManifest.
 */
export interface SyntheticMetaOptions {
  /** Entries per leaf MetaFile. @default unlimited (BR flushes a leaf only at 128 MiB, more than 100k files need) */
  leafEntries?: number;
}

export interface SyntheticMetaObject {
  name: string;
  bytes: Uint8Array;
}

const BACKUP_META = 'backupmeta';
const META_V2 = 1;

export function syntheticBackupMeta(m: Manifest, opts: SyntheticMetaOptions = {}): SyntheticMetaObject[] {
  const objects: SyntheticMetaObject[] = [];
  let seq = 0;
  const put = (kind: string, mf: MetaFile): File => {
    seq += 1;
    const name = `${BACKUP_META}.${kind}.${String(seq).padStart(9, '0')}`;
    const bytes = MetaFile.encode(mf).finish();
    objects.push({ name, bytes });
    return File.fromPartial({ name, sha256: createHash('sha256').update(bytes).digest(), size: BigInt(bytes.length) });
  };
  const index = <T>(kind: string, items: T[], leaf: (chunk: T[]) => Partial<MetaFile>): MetaFile | undefined => {
    if (items.length === 0) return undefined;
    const size = opts.leafEntries ?? items.length;
    const leaves: File[] = [];
    for (let i = 0; i < items.length; i += size) leaves.push(put(kind, MetaFile.fromPartial(leaf(items.slice(i, i + size)))));
    return MetaFile.fromPartial({ metaFiles: leaves });
  };

  const dataFiles: File[] = [];
  let backupSize = 0n;
  for (const t of m.tables) {
    for (const f of t.files) {
      dataFiles.push(File.fromPartial({
        name: f.name, sha256: Buffer.from(f.sha256, 'hex'), startKey: Buffer.from(f.startKey, 'hex'), endKey: Buffer.from(f.endKey, 'hex'),
        startVersion: BigInt(f.startVersion), endVersion: BigInt(f.endVersion), crc64xor: BigInt(f.crc64xor),
        totalKvs: BigInt(f.totalKvs), totalBytes: BigInt(f.totalBytes), cf: f.cf, size: BigInt(f.size),
      }));
      backupSize += BigInt(f.size);
    }
  }
  const dbJson = new Map(m.databases.map((d) => [d.id, Buffer.from(toGoJson(d.info))]));
  const schemas = m.tables.map((t) => {
    const db = dbJson.get(t.dbId);
    if (!db) throw new Error(`table ${t.name} names database ID ${t.dbId}, which the manifest does not have`);
    return Schema.fromPartial({
      db, table: Buffer.from(toGoJson(t.info)), crc64xor: BigInt(t.crc64xor), totalKvs: BigInt(t.totalKvs), totalBytes: BigInt(t.totalBytes),
      tiflashReplicas: t.tiflashReplicas,
    });
  });
  // A database without tables is recorded as a schema with an empty table, as BR does.
  for (const d of m.databases) if (!m.tables.some((t) => t.dbId === d.id)) schemas.push(Schema.fromPartial({ db: dbJson.get(d.id)! }));

  const meta = BackupMeta.fromPartial({
    clusterId: BigInt(m.clusterId), clusterVersion: m.clusterVersion, brVersion: m.brVersion,
    startVersion: BigInt(m.startVersion), endVersion: BigInt(m.endVersion), newCollationsEnabled: m.newCollationsEnabled,
    version: META_V2, backupSize, ddls: Buffer.from('[]'),
  });
  // BR writes data files first, then schemas; the shared counter follows that order.
  meta.fileIndex = index('datafile', dataFiles, (c) => ({ dataFiles: c }));
  meta.schemaIndex = index('schema', schemas, (c) => ({ schemas: c }));
  objects.push({ name: BACKUP_META, bytes: BackupMeta.encode(meta).finish() });
  return objects;
}
