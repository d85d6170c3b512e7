import { BrflowError, ErrorType } from '../plan/error-types';
import { toHex } from '../plan/keys';
import type { DBInfo, TableInfo } from '../plan/table-info';
import type { PolicyInfo } from '../plan/placement-sql';
import { BackupMeta, MetaFile, type File, type PlacementPolicy } from '../proto/brpb';
import { parseTableInfoJson } from '../plan/table-info-json';
import type { BackupFile, DdlJob } from './manifest';

/**
 * Pure decoding of backup metadata: protobuf bytes → messages, messages → Manifest parts.
 * No storage access here; meta-reader.ts fetches the bytes and read-manifest.ts assembles.
 */

/** Name of the root metadata object in every BR backup. */
export const BACKUP_META_NAME = 'backupmeta';

/** BackupMeta.version values (BR's MetaV1/MetaV2). */
export const META_V1 = 0;
export const META_V2 = 1;

/** @throws BrflowError(BackupMetaCorrupt) naming `where` when the bytes are not a BackupMeta. */
export function decodeBackupMeta(bytes: Uint8Array, where: string): BackupMeta {
  try {
    return BackupMeta.decode(bytes);
  } catch (e) {
    throw corrupt(`${where} is not a BackupMeta protobuf (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** @throws BrflowError(BackupMetaCorrupt) naming `where` when the bytes are not a MetaFile. */
export function decodeMetaFile(bytes: Uint8Array, where: string): MetaFile {
  try {
    return MetaFile.decode(bytes);
  } catch (e) {
    throw corrupt(`${where} is not a MetaFile protobuf (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** v2 stores one JSON job per entry; BR's reader joins them into one JSON array. */
export function joinDdlEntries(entries: readonly Uint8Array[]): string {
  const dec = new TextDecoder();
  return `[${entries.map((e) => dec.decode(e)).join(',')}]`;
}

/** Parses the DDL job array (v1 `ddls` bytes or joined v2 entries). Empty input means no jobs. */
export function parseDdlJobs(json: string, where: string): DdlJob[] {
  if (json.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (e) {
    throw corrupt(`DDL jobs in ${where} are not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (parsed === null) return [];
  if (!Array.isArray(parsed)) throw corrupt(`DDL jobs in ${where} are not a JSON array`);
  return parsed.map((job: unknown, i) => {
    if (typeof job !== 'object' || job === null || typeof (job as DdlJob).id !== 'number' || typeof (job as DdlJob).type !== 'number') {
      throw corrupt(`DDL job #${i} in ${where} has no numeric id/type`);
    }
    return job as DdlJob;
  });
}

/** A Schema entry's JSON, parsed. `table` is absent for a database BR recorded without tables. */
export interface DecodedSchema {
  db: DBInfo;
  table?: TableInfo;
}

/**
 * Parses a Schema entry's JSON. With `dbCache`, a DBInfo text met before is not parsed again: BR repeats the
 * database's JSON in every table's entry, and 10,000 tables would otherwise parse it 10,000 times.
 */
export function decodeSchema(schema: { db: Uint8Array; table: Uint8Array }, where: string, dbCache?: Map<string, DBInfo>): DecodedSchema {
  const dbText = UTF8.decode(schema.db);
  let db = dbCache?.get(dbText);
  if (!db) {
    db = parseJson<DBInfo>(dbText, `database JSON of a schema in ${where}`);
    if (typeof db.id !== 'number' || typeof db.db_name?.O !== 'string') throw corrupt(`a schema in ${where} has a DBInfo without id/db_name`);
    dbCache?.set(dbText, db);
  }
  if (schema.table.length === 0) return { db };
  const table = parseJson<TableInfo>(UTF8.decode(schema.table), `table JSON of a schema of database ${db.db_name.O} in ${where}`, parseTableInfoJson);
  if (typeof table.id !== 'number' || typeof table.name?.O !== 'string') {
    throw corrupt(`a schema of database ${db.db_name.O} in ${where} has a TableInfo without id/name`);
  }
  return { db, table };
}

/** backupmeta `policies` (root meta in v1 and v2 alike): each `info` is a JSON model.PolicyInfo. */
export function decodePolicies(policies: readonly PlacementPolicy[], where: string): PolicyInfo[] {
  return policies.map((p, i) => {
    const info = parseJson<PolicyInfo>(UTF8.decode(p.info), `placement policy #${i} in ${where}`);
    if (typeof info.id !== 'number' || typeof info.name?.O !== 'string') throw corrupt(`placement policy #${i} in ${where} has no id/name`);
    return info;
  });
}

/** A data File message as plain Manifest data: hex keys and digests, decimal 64-bit numbers. */
export function toBackupFile(file: File, where: string): BackupFile {
  if (file.cf !== 'default' && file.cf !== 'write') {
    throw corrupt(`data file ${JSON.stringify(file.name)} in ${where} has column family ${JSON.stringify(file.cf)}; expected "default" or "write"`);
  }
  const out: BackupFile = {
    name: file.name,
    sha256: toHex(file.sha256),
    startKey: toHex(file.startKey),
    endKey: toHex(file.endKey),
    startVersion: file.startVersion.toString(),
    endVersion: file.endVersion.toString(),
    crc64xor: file.crc64xor.toString(),
    totalKvs: file.totalKvs.toString(),
    totalBytes: file.totalBytes.toString(),
    cf: file.cf,
    size: file.size.toString(),
  };
  if (file.cipherIv.length > 0) out.cipherIv = toHex(file.cipherIv);
  return out;
}

const UTF8 = new TextDecoder();

function parseJson<T>(text: string, what: string, parse: (text: string) => unknown = JSON.parse): T {
  try {
    return parse(text) as T;
  } catch (e) {
    throw corrupt(`${what} is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
}

function corrupt(message: string): BrflowError {
  return new BrflowError(ErrorType.BackupMetaCorrupt, message);
}
