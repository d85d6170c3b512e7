import { decodeTableId } from '../plan/keys';
import type { BackupFile, Manifest, ManifestDatabase, ManifestTable } from './manifest';
import { decodePolicies, decodeSchema, parseDdlJobs, toBackupFile, META_V2 } from './meta-decode';
import { readMetaContents, readRootMeta, storageMetaFileLoader, type MetaReadOptions } from './meta-reader';
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
  // Each file becomes plain Manifest data (and its owner's table ID) as its metafile leaf is decoded.
  const contents = await readMetaContents(meta, storageMetaFileLoader(storage, opts), (file) => ({
    file: toBackupFile(file, where),
    tableId: decodeTableId(file.startKey),
  }));

  const databases = new Map<number, ManifestDatabase>();
  const tables: ManifestTable[] = [];
  const byPhysicalId = new Map<string, ManifestTable>();
  for (const schema of contents.schemas) {
    const { db, table } = decodeSchema(schema, where);
    if (!databases.has(db.id)) databases.set(db.id, { id: db.id, name: db.db_name.O, info: db });
    if (!table) continue;
    const physicalIds = [table.id, ...(table.partition?.definitions ?? []).map((d) => d.id)];
    const entry: ManifestTable = {
      db: db.db_name.O,
      dbId: db.id,
      id: table.id,
      name: table.name.O,
      info: table,
      crc64xor: schema.crc64xor.toString(),
      totalKvs: schema.totalKvs.toString(),
      totalBytes: schema.totalBytes.toString(),
      tiflashReplicas: schema.tiflashReplicas,
      physicalIds,
      files: [],
      isSystem: SYSTEM_DB.test(db.db_name.O),
    };
    tables.push(entry);
    for (const id of physicalIds) byPhysicalId.set(String(id), entry);
  }

  const orphanFiles: BackupFile[] = [];
  for (const { file: f, tableId } of contents.dataFiles) {
    const owner = tableId === undefined ? undefined : byPhysicalId.get(tableId.toString());
    (owner ? owner.files : orphanFiles).push(f);
  }

  return {
    metaVersion: meta.version === META_V2 ? 2 : 1,
    clusterId: meta.clusterId.toString(),
    clusterVersion: meta.clusterVersion,
    brVersion: meta.brVersion,
    startVersion: meta.startVersion.toString(),
    endVersion: meta.endVersion.toString(),
    isRawKv: meta.isRawKv,
    apiVersion: meta.apiVersion,
    newCollationsEnabled: meta.newCollationsEnabled,
    encrypted: encrypted || contents.encryptedMetafiles || contents.dataFiles.some((d) => d.file.cipherIv !== undefined),
    databases: [...databases.values()],
    tables,
    orphanFiles,
    ddlJobs: parseDdlJobs(contents.ddlsJson, where),
    ...(meta.policies.length > 0 ? { placementPolicies: decodePolicies(meta.policies, where) } : {}),
  };
}
