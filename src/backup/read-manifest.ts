import { decodeTableId } from '../plan/keys';
import type { DBInfo } from '../plan/table-info';
import type { File, Schema } from '../proto/brpb';
import type { BackupFile, Manifest, ManifestDatabase, ManifestTable } from './manifest';
import { decodePolicies, decodeSchema, joinDdlEntries, parseDdlJobs, toBackupFile, META_V2 } from './meta-decode';
import { scanLeafDataFiles, scanLeafDdls, scanLeafSchemas, type LeafSchema } from './meta-leaf-scan';
import { readRootMeta, storageMetaBytesLoader, walkMetaLeaves, type MetaBytesLoader, type MetaReadOptions } from './meta-reader';
import type { BackupStorage } from './storage';

export type ReadManifestOptions = MetaReadOptions;

/**
 * Databases BR treats as system schemas. BR backs up `mysql` under its own name and restores it
 * through a temporary database (`__TiDB_BR_Temporary_mysql`), so both spellings count.
 */
const SYSTEM_DB = /^(mysql|__tidb_br_temporary_mysql)$/i;

/**
 * Reads a BR backup's metadata (v1 or v2, plain or encrypted) into the Manifest the planner uses.
 * Data files are attributed to tables by the table ID in their start key, partitions included;
 * files of no backed-up table are kept as orphans.
 *
 * @throws BrflowError(BackupMetaMissing | BackupMetaCorrupt | BackupEncrypted | StorageNotFound | StorageUnavailable)
 */
export async function readManifest(storage: BackupStorage, opts: ReadManifestOptions = {}): Promise<Manifest> {
  const { meta, encrypted } = await readRootMeta(storage, opts);
  const where = `the backup at ${storage.description}`;
  const v2 = meta.version === META_V2;
  const load = storageMetaBytesLoader(storage, opts);
  let encryptedMetafiles = false;
  const tracked: MetaBytesLoader = (entry) => {
    if (entry.cipherIv.length > 0) encryptedMetafiles = true;
    return load(entry);
  };

  // Schemas first, so each data file goes straight to its owner as it is decoded: no list of all files waits
  // for the tables. Each leaf is streamed (meta-leaf-scan.ts) and is garbage before the next one is read.
  const databases = new Map<number, ManifestDatabase>();
  const tables: ManifestTable[] = [];
  const byPhysicalId = new Map<string, ManifestTable>();
  const dbCache = new Map<string, DBInfo>();
  const addSchema = (schema: LeafSchema): void => {
    const { db, table } = decodeSchema(schema, where, dbCache);
    if (!databases.has(db.id)) databases.set(db.id, { id: db.id, name: db.db_name.O, info: db });
    if (!table) return;
    const physicalIds = [table.id, ...(table.partition?.definitions ?? []).map((d) => d.id)];
    const entry: ManifestTable = {
      db: db.db_name.O,
      dbId: db.id,
      id: table.id,
      name: table.name.O,
      info: table,
      crc64xor: schema.crc64xor,
      totalKvs: schema.totalKvs,
      totalBytes: schema.totalBytes,
      tiflashReplicas: schema.tiflashReplicas,
      physicalIds,
      files: [],
      isSystem: SYSTEM_DB.test(db.db_name.O),
    };
    tables.push(entry);
    for (const id of physicalIds) byPhysicalId.set(String(id), entry);
  };
  if (v2) {
    await walkMetaLeaves(meta.schemaIndex, tracked, (leaf) => {
      if ('decoded' in leaf) for (const s of leaf.decoded.schemas) addSchema(leafSchemaOf(s));
      else scanLeafSchemas(leaf.bytes, leaf.where, addSchema);
    });
  } else {
    for (const s of meta.schemas) addSchema(leafSchemaOf(s));
  }

  const orphanFiles: BackupFile[] = [];
  let encryptedFiles = false;
  const addFile = (file: BackupFile, startKey: Uint8Array): void => {
    if (file.cipherIv !== undefined) encryptedFiles = true;
    const tableId = decodeTableId(startKey);
    const owner = tableId === undefined ? undefined : byPhysicalId.get(tableId.toString());
    (owner ? owner.files : orphanFiles).push(file);
  };
  const addDecodedFile = (f: File): void => addFile(toBackupFile(f, where), f.startKey);
  const ddls: Uint8Array[] = [];
  if (v2) {
    await walkMetaLeaves(meta.fileIndex, tracked, (leaf) => {
      if ('decoded' in leaf) leaf.decoded.dataFiles.forEach(addDecodedFile);
      else scanLeafDataFiles(leaf.bytes, leaf.where, addFile);
    });
    // Raw ranges are not restored by a transactional restore; their metafiles are still read and checked.
    await walkMetaLeaves(meta.rawRangeIndex, tracked, () => undefined);
    await walkMetaLeaves(meta.ddlIndexes, tracked, (leaf) => {
      if ('decoded' in leaf) ddls.push(...leaf.decoded.ddls);
      // Copied (Buffer slice would be a view keeping the whole leaf alive); small next to files and schemas.
      else scanLeafDdls(leaf.bytes, leaf.where, (job) => ddls.push(Uint8Array.from(job)));
    });
  } else {
    meta.files.forEach(addDecodedFile);
  }

  return {
    metaVersion: v2 ? 2 : 1,
    clusterId: meta.clusterId.toString(),
    clusterVersion: meta.clusterVersion,
    brVersion: meta.brVersion,
    startVersion: meta.startVersion.toString(),
    endVersion: meta.endVersion.toString(),
    isRawKv: meta.isRawKv,
    apiVersion: meta.apiVersion,
    newCollationsEnabled: meta.newCollationsEnabled,
    encrypted: encrypted || encryptedMetafiles || encryptedFiles,
    databases: [...databases.values()],
    tables,
    orphanFiles,
    ddlJobs: parseDdlJobs(v2 ? joinDdlEntries(ddls) : new TextDecoder().decode(meta.ddls), where),
    ...(meta.policies.length > 0 ? { placementPolicies: decodePolicies(meta.policies, where) } : {}),
  };
}

/** A decoded Schema message (v1, or a root that is its own leaf) in the streamed leaf's form. */
function leafSchemaOf(s: Schema): LeafSchema {
  return {
    db: s.db, table: s.table, crc64xor: s.crc64xor.toString(), totalKvs: s.totalKvs.toString(), totalBytes: s.totalBytes.toString(),
    tiflashReplicas: s.tiflashReplicas,
  };
}
