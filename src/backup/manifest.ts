import type { PolicyInfo } from '../plan/placement-sql';
import type { DBInfo, TableInfo } from '../plan/table-info';

/**
 * What a backup holds, decoded from backupmeta (v1 or v2) into plain JSON-safe data:
 * keys are lower-case hex of the raw TiDB key, 64-bit integers are decimal strings.
 * The plan (src/plan) works on this type only, never on protobuf objects.
 */
export interface Manifest {
  /** 1 = BR MetaV1 (backupmeta `version` absent/0), 2 = MetaV2 (`version` = 1). */
  metaVersion: 1 | 2;
  clusterId: string;
  /** Raw PD HTTP body as BR stored it, e.g. `"\"7.1.0-alpha\"\n"`. */
  clusterVersion: string;
  brVersion: string;
  /** 0 for a full backup; > 0 for an incremental one. */
  startVersion: string;
  endVersion: string;
  isRawKv: boolean;
  apiVersion: number;
  newCollationsEnabled: string;
  /** Whether metadata files were stored encrypted (cipher_iv set on their index entries). */
  encrypted: boolean;
  databases: ManifestDatabase[];
  tables: ManifestTable[];
  /** Data files not attributed to any backed-up table (e.g. of dropped tables in an incremental backup). */
  orphanFiles: BackupFile[];
  /** DDL jobs (TiDB model.Job JSON) of an incremental backup, in backup order. */
  ddlJobs: DdlJob[];
  /** The source cluster's placement policies (backupmeta `policies`); absent or empty = none. */
  placementPolicies?: PolicyInfo[];
}

export interface ManifestDatabase {
  id: number;
  name: string;
  info: DBInfo;
}

export interface ManifestTable {
  /** Database name as stored (DBInfo.db_name.O). */
  db: string;
  dbId: number;
  id: number;
  name: string;
  info: TableInfo;
  /** Checksum of the whole table (its partitions included) as BR recorded it in Schema. Decimal string of the u64. */
  crc64xor: string;
  totalKvs: string;
  totalBytes: string;
  tiflashReplicas: number;
  /** The table ID and every partition ID: the physical tables whose keys belong to it. */
  physicalIds: number[];
  files: BackupFile[];
  /** True for the `mysql` system schema and other system databases BR restores specially. */
  isSystem: boolean;
}

export interface BackupFile {
  /** Object name relative to the backup root. */
  name: string;
  /** Hex SHA-256 of the stored bytes. */
  sha256: string;
  /** Raw TiDB keys (no 'z', not memcomparable), hex. End is exclusive; empty = unbounded. */
  startKey: string;
  endKey: string;
  startVersion: string;
  endVersion: string;
  crc64xor: string;
  totalKvs: string;
  totalBytes: string;
  cf: 'default' | 'write';
  size: string;
  /** Hex IV when the file is encrypted (AES-CTR); absent otherwise. */
  cipherIv?: string;
}

/** DDL job JSON as TiDB stores it; brflow reads query, type, schema/table names and ids. */
export interface DdlJob {
  id: number;
  type: number;
  schema_id: number;
  table_id: number;
  schema_name?: string;
  table_name?: string;
  query: string;
  binlog?: { SchemaVersion?: number; DBInfo?: unknown; TableInfo?: unknown; FinishedTS?: number };
  [k: string]: unknown;
}
