import type { BackupCipher } from '../backup/cipher';
import type { BackupFile, DdlJob, Manifest } from '../backup/manifest';
import type { PdSchedulingSnapshot } from '../cluster/pd-config';
import type { WaitingOn } from '../cluster/import-files';
import type { ExistingTable } from '../plan/clustered-index-check';
import type { RewriteRule } from '../plan/rewrite-rules';
import type { PlannedPolicy } from '../plan/placement-sql';
import type { PlanDatabase, PlanTable } from '../plan/restore-plan';
import type { TableInfo } from '../plan/table-info';
import type { PlanSequence, PlanView } from '../plan/views-and-sequences';
import type { WorkflowHistorySource } from './earlier-run';

/**
 * What the restore activities need from the outside world, one narrow interface per component
 * (STYLE.md rule 4). The worker builds them from real clients (src/cluster, src/backup); tests build them
 * over the cluster simulator or an in-memory cluster. Activities never reach past these.
 */

/** Reads and decodes a backup's metadata; `cipher` opens an encrypted one. */
export interface BackupReader {
  readManifest(storageUrl: string, opts?: { cipher?: BackupCipher }): Promise<Manifest>;
}

/** PD's gRPC side: timestamps, the service GC safepoint, stores (a subset of src/cluster/pd.ts PdClient). */
export interface TsoAndGc {
  /** PD's cluster ID (learned when the client connected): names the cluster whatever address reached it. */
  readonly clusterId: bigint;
  /** Serving TiKV stores (tombstones and TiFlash left out): only `version` and `address` are read. */
  getAllStores(): Promise<{ address: string; version: string }[]>;
  /** Serving TiFlash stores (label engine=tiflash, tombstones left out): the most TiFlash replicas a table can have. */
  countTiFlashStores(): Promise<number>;
  getTs(): Promise<bigint>;
  getGcSafePoint(): Promise<bigint>;
  /** ttlSeconds ≤ 0 removes the service safepoint. Returns PD's min service safepoint. */
  updateServiceGcSafePoint(serviceId: string, ttlSeconds: number, safePoint: bigint): Promise<bigint>;
}

/**
 * PD's HTTP side: schedulers, schedule config, reset-ts (BR pdutil). The snapshot is plain JSON holding the
 * original values, so undo is data (src/cluster/pd-config.ts PdSchedulingSnapshot).
 */
export interface ScheduleControl {
  /** Reads what would change (running schedulers, current config values) without changing anything. */
  plan(ttlSec: number): Promise<PdSchedulingSnapshot>;
  /** Pauses the schedulers and applies the config overrides for their TTL; repeating it renews them. */
  apply(snapshot: PdSchedulingSnapshot): Promise<void>;
  /**
   * Those of `names` that PD (its leader) runs now unpaused: present in GET /pd/api/v1/schedulers and missing from
   * its `?status=paused` list. A scheduler someone removed is not named: pausing it again would only fail.
   */
  running(names: readonly string[]): Promise<string[]>;
  /** Resumes the schedulers and puts the original config values back; idempotent. */
  restore(snapshot: PdSchedulingSnapshot): Promise<void>;
  /** POST /pd/api/v1/admin/reset-ts (PdHttp.resetTs): PD already past `ts` counts as success; a TS > 24 h ahead is forced as BR does. */
  resetTs(ts: bigint): Promise<void>;
}

export type StoreMode = 'import' | 'normal';

/** Per-store ImportSST admin calls, sent to every TiKV store. */
export interface StoreControl {
  switchMode(mode: StoreMode): Promise<void>;
  /** Each TiKV store's current mode, for checking compensation reached the cluster. */
  modes(): Promise<{ storeId: string; mode: StoreMode }[]>;
  /** ImportSST.SetDownloadSpeedLimit on every store; 0 = unlimited. */
  setDownloadSpeedLimit(bytesPerSec: number): Promise<void>;
}


/** Moving data: split/scatter regions and download+ingest backup files (src/cluster region-split, import-files). */
export interface DataImporter {
  /** Splits regions at these raw keys (hex) and scatters the new regions; idempotent. */
  splitAndScatter(rawKeys: readonly string[], opts?: { onWaiting?: (w: WaitingOn | undefined) => void }): Promise<void>;
  /**
   * Opens one ingest batch: its ranges (each the write and default CF files of one backup range, with the
   * table's rules), whose rule lookups, key encodings and region scan are shared by the whole batch.
   */
  openBatch(ranges: readonly { files: readonly BackupFile[]; rules: readonly RewriteRule[] }[], opts: ImportFilesOpts): Promise<BatchImporter>;
}

/** One batch opened by DataImporter.openBatch. */
export interface BatchImporter {
  /**
   * Downloads the files of range `index` into the stores holding the rewritten range and ingests them;
   * idempotent (ingesting the same files twice leaves the same data). `onWaiting` is told what the import
   * waits on while a store or PD does not answer (import-files.ts WaitingOn). `onProgress` is told a
   * checkpoint (opaque to the caller, small) each time more of the range reached the cluster; passing the last
   * one back as `resumeFrom` to a later call (a retry after a crash) skips what it covers.
   */
  importRange(index: number, opts?: { onWaiting?: (w: WaitingOn | undefined) => void; resumeFrom?: string; onProgress?: (checkpoint: string) => void }): Promise<void>;
}

export interface ImportFilesOpts {
  storageUrl: string;
  newTs: bigint;
  /** Key of encrypted files (those with a cipher IV): TiKV decrypts while downloading (DownloadRequest.cipher_info). */
  cipher?: BackupCipher;
}

/** TiDB's side: schema objects. All creation is "if not exists". */
export interface SchemaControl {
  /** Creates these placement policies unless they exist (`CREATE PLACEMENT POLICY IF NOT EXISTS`). */
  createPlacementPolicies(policies: readonly PlannedPolicy[]): Promise<void>;
  createDatabase(db: PlanDatabase): Promise<void>;
  /** Creates the table (if missing) with the backup's column IDs and returns its TableInfo as TiDB holds it (new ids). */
  createTable(t: PlanTable): Promise<TableInfo>;
  /**
   * createTable for every table of a group, in one go so the tables can be created side by side and read
   * back in bulk; returns each TableInfo, in order.
   */
  /** Once `signal` is aborted (the step cancelled) no new table is started; the ones started are finished, then it throws. */
  createTables(ts: readonly PlanTable[], signal?: AbortSignal): Promise<TableInfo[]>;
  getTable(db: string, name: string): Promise<TableInfo | undefined>;
  /** Creates a sequence (if missing) and moves it to the backup's value; safe to repeat. */
  createSequence(s: PlanSequence): Promise<void>;
  /** Creates a view (if missing) once the tables it reads exist; safe to repeat. */
  createView(v: PlanView): Promise<void>;
  /**
   * Replays one DDL job of an incremental backup; `later` are the jobs after it in replay order (a job whose
   * object a later job drops or renames away may meet it gone when it is replayed a second time).
   */
  execDdl(job: DdlJob, later?: readonly DdlJob[]): Promise<void>;
  /** Moves restored `__TiDB_BR_Temporary_mysql` tables into `mysql` (BR RestoreSystemSchemas). */
  restoreSystemTables(tables: readonly string[]): Promise<void>;
  /** How each existing table of these databases keys its rows (clustered-index pre-check); one bulk read, not one per table. */
  readHandleKinds(dbs: readonly string[]): Promise<ExistingTable[]>;
  /** The target's mysql.tidb `new_collation_enabled` ("True"/"False"; undefined = no such row); absent = not checked. */
  newCollationEnabled?(): Promise<string | undefined>;
  /** The names of the target's placement policies; absent = not checked before the restore. */
  placementPolicyNames?(): Promise<string[]>;
  /** Whether TiDB keeps CHECK constraints (`@@global.tidb_enable_check_constraint`); absent = not checked before the restore. */
  checkConstraintsEnabled?(): Promise<boolean>;
  /** TiDB's version (`SELECT VERSION()`): a worker reads it at start, so an unreachable TiDB fails the start. */
  serverVersion?(): Promise<string>;
  /** `ALTER TABLE … SET TIFLASH REPLICA count [LOCATION LABELS …]`; idempotent. */
  setTiFlashReplica(db: string, name: string, count: number, locationLabels: readonly string[]): Promise<void>;
}

export interface TableChecksum {
  crc64xor: string;
  totalKvs: string;
  totalBytes: string;
}

/**
 * Coprocessor checksum of one restored table (all its physical tables and indexes), computed with the
 * old→new rewrite so it compares with the checksum the backup recorded.
 */
export interface ChecksumControl {
  /** Once `signal` is aborted (the step cancelled) no further region is read; the reads in flight finish, then it throws. */
  checksumTable(oldInfo: TableInfo, newInfo: TableInfo, ts: bigint, signal?: AbortSignal): Promise<TableChecksum>;
}

export interface ActivityDeps {
  backup: BackupReader;
  pd: TsoAndGc;
  schedules: ScheduleControl;
  stores: StoreControl;
  importer: DataImporter;
  schema: SchemaControl;
  checksum: ChecksumControl;
  /** Temporal histories of earlier restores (resume); absent on workers built without a Temporal client. */
  history?: WorkflowHistorySource;
}
