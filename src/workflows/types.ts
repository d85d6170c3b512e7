import type { SchemaObjectKind, SkippedCounts } from '../plan/schema-objects';
import type { PdSchedulingSnapshot } from '../cluster/pd-config';
import type { CrypterRef } from '../plan/crypter-method';

export type { CrypterRef } from '../plan/crypter-method';

/**
 * Plain data crossing the workflow ↔ activity boundary. Everything here is JSON-safe and small: history
 * holds references and counts, never file or table lists (STYLE.md rule 3).
 */

/** Durations and TTLs the restore uses; each is an input so tests run in seconds (no time skipping, temporal.md §0.4). */
export interface RestoreTimings {
  /** How often the keeper renews the GC safepoint, import mode and scheduler pauses. @default 100000 (BR: TTL/3) */
  keeperIntervalMs: number;
  /** Service GC safepoint TTL. @default 300 (BR DefaultBRGCSafePointTTL) */
  gcTtlSec: number;
  /** Scheduler-pause and schedule-config override TTL. @default 300 (BR pauseTimeout) */
  pauseTtlSec: number;
  /**
   * Heartbeat timeout of the keeper and of the data activities (DDL, split, ingest, checksum): how long an activity
   * lost with a killed worker waits before it is retried elsewhere (with the server's ~1 s timer slack, a kill is
   * recovered from within 10 s by default). Activities beat every third of it. @default 8000
   */
  heartbeatTimeoutMs: number;
  /** Cap on the backoff between compensation retries. @default 60000 */
  compensationMaxIntervalMs: number;
  /**
   * Deadline of one control call (PD round trips, cluster mode, compensation): also how long a call lost with a crashed
   * worker blocks before it is retried elsewhere. @default 60000 (newer BR's PD client timeout)
   */
  controlCallTimeoutMs: number;
  /**
   * Budget of each named activity retry policy (src/workflows/activity-options.ts): how often a failing step is
   * tried before the restore fails and compensates. Each policy and field is optional in the input.
   * @default BR's values (src/workflows/retry-timings.ts DEFAULT_RETRIES)
   */
  retries: RestoreRetries;
}

/**
 * The target cluster named by the restore input: addresses only. Secrets (TiDB password, TLS keys) stay on the
 * worker: its environment, or a file on the worker's host named here by path.
 */
export interface ClusterRef {
  /** PD endpoints, host:port (http(s):// accepted). */
  pd: string[];
  /** TiDB SQL host:port. */
  tidb: string;
  /** TiDB status API host:port. @default <tidb host>:10080 */
  tidbStatus?: string;
  /** @default the worker's BRFLOW_TIDB_USER, else root */
  tidbUser?: string;
  /** Path, on the worker's host, of a file holding the TiDB password. @default the worker's BRFLOW_TIDB_PASSWORD */
  tidbPasswordFile?: string;
  /**
   * TLS towards PD, TiKV and TiDB (BR's --ca/--cert/--key): absolute PEM paths on the worker's host, never the
   * certificates themselves. @default the worker's BRFLOW_CLUSTER_CA/CERT/KEY (plain text when unset)
   */
  tls?: ClusterTlsPaths;
  /**
   * With `tls`: whether TiDB's SQL port uses it too. False for a cluster with TLS between components but a
   * plain SQL port (the status port keeps TLS). @default true (BRFLOW_TIDB_TLS's `cluster`)
   */
  tidbTls?: boolean;
}

/** PEM file paths on the worker's host; CA alone = server-verified TLS, with cert+key = mutual TLS. */
export interface ClusterTlsPaths {
  ca: string;
  cert?: string;
  key?: string;
}

/**
 * Carried by every activity input that touches the cluster, so a worker can serve restores into several
 * clusters; absent = the worker's own cluster (its environment).
 */
export interface ClusterScope {
  cluster?: ClusterRef;
}

/** The activity retry policies a restore input can tune, named after BR's backoff constants. */
export type RetryPolicyName = 'pdRequest' | 'resetTs' | 'split' | 'importSst' | 'download' | 'checksum';

/** One retry policy's budget. */
export interface RetryTiming {
  /** Tries in all, the first included. */
  maximumAttempts: number;
  /** Wait before the second try, in ms. */
  initialIntervalMs: number;
  /** Cap on the (growing) wait between tries, in ms; at least initialIntervalMs. */
  maximumIntervalMs: number;
}

export type RestoreRetries = Record<RetryPolicyName, RetryTiming>;

/** The validated, defaulted restore request. */
export interface RestoreRequest {
  /** Backup location URL (`local:///path`, `s3://bucket/prefix?endpoint=…`); never carries credentials. */
  storage: string;
  /** Where to restore; absent = the cluster of the worker's environment (BRFLOW_PD_ADDRESSES, BRFLOW_TIDB_*). */
  cluster?: ClusterRef;
  /**
   * Key of an encrypted backup (BR --crypter.method/--crypter.key-file): the method and a key file on the
   * workers' host, never the key. Absent = the workers' BRFLOW_CRYPTER_* default, or a plaintext backup.
   */
  crypter?: CrypterRef;
  /** BR table-filter rules; empty = BR's default (everything but system schemas). */
  filters: string[];
  /** Skip import mode and scheduler pauses (BR --online). */
  online: boolean;
  /**
   * Create and change no schema object (BR --no-schema): no DDL replay, no CREATE DATABASE/TABLE; every
   * restored table must already exist with the backup's layout. @default false
   */
  noSchema: boolean;
  /** Verify every table's checksum against the backup. @default true */
  checksum: boolean;
  /** Ingest batches in flight at once. @default 4 */
  concurrency: number;
  /** Ranges of one batch downloaded and ingested at once (BR imports a batch's files concurrently). @default 4 */
  rangesInFlight: number;
  /** Per-store download rate limit in bytes/s; 0 = unlimited. @default 0 */
  rateLimitBytesPerSec: number;
  /** BR --case-sensitive for the filter. @default false */
  caseSensitive: boolean;
  /** A filter selecting nothing is expected; otherwise planning fails FilterTargetMissing. @default false */
  allowEmpty: boolean;
  /**
   * Object kinds to restore tables without ("foreignKeys", "checkConstraints", "ttl", "placement"); a selected
   * table with an object brflow cannot recreate fails planning (Brflow:Plan:UnsupportedObject) unless its kind is
   * here. Absent = none skipped.
   */
  skip?: SchemaObjectKind[];
  /**
   * BR --with-tidb-placement-mode: 'strict' recreates the backup's placement policies and every reference to them
   * (the default), 'ignore' restores databases, tables and partitions without placement and counts them as skipped
   * (the normalizer adds "placement" to `skip`). Absent = strict.
   */
  placementMode?: 'strict' | 'ignore';
  /** Most files in one ingest batch. @default 256 (BR's batch threshold: 128 ranges × 2 CFs) */
  batchFiles: number;
  /** BR --merge-region-size-bytes. @default 100663296 */
  mergeRegionSizeBytes: number;
  /** BR --merge-region-key-count. @default 960000 */
  mergeRegionKeyCount: number;
  /** Tables per create-tables activity (BR --ddl-batch-size). @default 128 */
  tableGroupSize: number;
  /** Create-tables activities in flight (BR defaultDDLConcurrency 16 sessions). @default 4 */
  ddlConcurrency: number;
  /** Ingest batches one run dispatches before it continues as new. @default 200 */
  maxBatchesPerRun: number;
  timings: RestoreTimings;
  /**
   * Workflow ID of a failed, cancelled or terminated restore of the same backup into the same cluster to
   * continue: its tables are adopted, its done batches skipped, its passed checksums not run again.
   */
  resumeFrom?: string;
  /**
   * Another restore holds the target cluster (one restore per cluster at a time): 'wait' in line, 'fail' at
   * once (Brflow:Cluster:Busy), or 'ignore' the lock (the operator accepts two restores fighting over import
   * mode, schedulers and PD config). @default 'wait'
   */
  onClusterBusy?: 'wait' | 'fail' | 'ignore';
}

/** Names the plan every worker can rebuild (or load) and checks it by hash. */
export interface PlanRef {
  storage: string;
  filters: string[];
  caseSensitive: boolean;
  batchFiles: number;
  mergeRegionSizeBytes: number;
  mergeRegionKeyCount: number;
  tableGroupSize: number;
  /** Plan without CREATE statements (tables exist already); absent = false. */
  noSchema?: boolean;
  /** An empty selection is accepted; absent = it fails planning. */
  allowEmpty?: boolean;
  /** Object kinds the tables are restored without; absent = none (such objects fail planning). */
  skip?: SchemaObjectKind[];
  /**
   * Foreign keys, CHECK constraints and TTL are recreated, placement refused unless skipped. Absent = a ref recorded
   * before: planned as then (those objects left out with a warning), so its plan hash still matches on resume.
   */
  schemaObjects?: boolean;
  /**
   * Every placement policy of the backup is created, referenced or not, as BR's full restore does; absent = only those
   * the selected objects reference (refs recorded before placement was recreated: their plans and hashes stay).
   */
  allPolicies?: boolean;
  /**
   * Partition expressions are written so that TiDB stores the backup's text again (and `KEY ()` stays empty).
   * Absent = a ref recorded before: partitioning written as then, so its plan hash still matches on resume.
   */
  partitionTextAsStored?: boolean;
  /**
   * Gaps dropped indexes left in the index IDs are taken by placeholder indexes, so every index keeps its ID.
   * Absent = a ref recorded before: planned without them, so its plan hash still matches on resume.
   */
  pinIndexIds?: boolean;
  /**
   * A vector index is a schema object of kind `vectorIndexes`: refused (UnsupportedObject) unless skipped, and
   * skipped, its table is created without it. Absent = a ref recorded before: such a table is refused as then
   * (UnsupportedTable), so its plan hash still matches on resume.
   */
  vectorIndexObjects?: boolean;
  /**
   * The CREATE TABLEs set the auto ID bases (AUTO_INCREMENT, AUTO_RANDOM_BASE) instead of one ALTER TABLE job per
   * table after them. Absent = a ref recorded before: its CREATEs as then, so its plan hash still matches on resume.
   */
  autoIdsInCreate?: boolean;
  /** A batch may hold ranges of several tables of one create-tables group (BR's batcher); absent = one table per batch. */
  batchAcrossTables?: boolean;
  /**
   * Where each worker reads the backup's key (method + key file path, never the key); absent = the worker's
   * BRFLOW_CRYPTER_* default, else a plaintext backup (every ref recorded before encryption support).
   */
  crypter?: CrypterRef;
  /** The plan's content hash (src/plan/content-hash.ts: FNV-1a 64 over canonical JSON), computed once by planRestore. */
  hash: string;
}

/** What planning returns to the workflow: counts and small per-group indexes, never lists of files. */
export interface PlanSummary {
  planRef: PlanRef;
  backup: {
    clusterId: string;
    clusterVersion: string;
    brVersion: string;
    startVersion: string;
    endVersion: string;
    incremental: boolean;
    isRawKv: boolean;
  };
  databases: number;
  tables: number;
  systemTables: number;
  files: number;
  bytes: number;
  kvs: number;
  ddlJobs: number;
  tableGroups: number;
  batches: number;
  /** readyBatches[g]: ingest batches 0..n-1 can run once table groups 0..g exist (monotone). */
  readyBatches: number[];
  /** groupBatchEnd[g]: table group g is fully ingested once batches 0..n-1 are done (monotone). */
  groupBatchEnd: number[];
  /** Objects restored without, per kind, because the input skips the kind (absent when none): counts, never names. */
  skipped?: SkippedCounts;
  /** Views the plan recreates once every table exists (absent when none). */
  views?: number;
  /** Sequences the plan recreates with the databases (absent when none). */
  sequences?: number;
  /** Placement policies the plan creates from the backup (absent when none). */
  placementPolicies?: number;
}

/** Schedulers paused and schedule-config values changed, with the originals to put back (BR ClusterConfig). */
export type ScheduleSnapshot = PdSchedulingSnapshot;

/** What the keeper activity keeps alive; each part is optional. */
export interface KeeperSpec extends ClusterScope {
  safepoint?: { serviceId: string; safePoint: string; ttlSec: number };
  schedules?: ScheduleSnapshot;
  importMode: boolean;
  intervalMs: number;
  /**
   * Renew once and return (a keeper tick, src/workflows/keeper-control.ts) instead of renewing every
   * `intervalMs` until cancelled. Absent in every keeper scheduled before ticks existed.
   */
  once?: boolean;
}

export interface ChecksumMismatch {
  table: string;
  expected: { crc64xor: string; totalKvs: string; totalBytes: string };
  actual: { crc64xor: string; totalKvs: string; totalBytes: string };
}

export interface ChecksumGroupResult {
  passed: number;
  mismatches: ChecksumMismatch[];
  /** Tables the backup recorded no checksum for (BR NoChecksum, e.g. every table of an incremental backup). */
  skipped?: number;
  /** Tables left out by `only` (a resumed restore): their checksum passed in the earlier restore. */
  earlierPassed?: number;
}

export interface IngestResult {
  files: number;
  bytes: number;
  /** Files skipped because an earlier attempt had finished them (heartbeat resume). */
  resumedFrom: number;
}

export type RestorePhase =
  | 'validate'
  | 'queued'
  | 'plan'
  | 'prepare'
  | 'schema'
  | 'ingest'
  | 'paused'
  | 'system-tables'
  | 'finalize'
  | 'compensating'
  | 'done'
  | 'failed'
  | 'cancelled';

/** The `progress` query's answer. */
export interface RestoreProgress {
  phase: RestorePhase;
  paused: boolean;
  tables: { created: number; total: number };
  files: { ingested: number; total: number };
  bytes: { ingested: number; total: number };
  batches: { done: number; total: number };
  checksum: { passed: number; failed: number; enabled: boolean; mismatches: ChecksumMismatch[] };
  concurrency: number;
  rateLimitBytesPerSec: number;
  /** Bytes/s since ingest started in this workflow (across continue-as-new). */
  rateBytesPerSec: number;
  /** Seconds left at the current rate; undefined until a rate is known. */
  etaSeconds?: number;
  runsSoFar: number;
  /** Phase 'queued': the restore holding the target cluster, which this one waits for. */
  waitingFor?: string;
  /** Objects the tables are restored without (the input's `skip`), per kind; absent when none. */
  skipped?: SkippedCounts;
  /** Views the restore recreates once every table exists (absent when none, or before the plan). */
  views?: number;
  /** Sequences the restore recreates (absent when none, or before the plan). */
  sequences?: number;
  /** Placement policies the restore creates from the backup (absent when none, or before the plan). */
  placementPolicies?: number;
  /** Scheduler pauses or import mode the cluster dropped (a PD leader change, a restarted store), re-applied at once. */
  holdsReapplied?: HoldsReapplied;
}

/** How often, in this run, the keeper found holds gone and renewed at once; the last time and what it found. */
export interface HoldsReapplied {
  count: number;
  lastAtMs: number;
  lost: string[];
}

/** Counters and controls a run keeps and hands to the next one across continue-as-new, as they are. */
export interface CarriedRunCounters {
  filesIngested: number;
  bytesIngested: number;
  checksumPassed: number;
  checksumMismatches: ChecksumMismatch[];
  concurrency: number;
  rateLimitBytesPerSec: number;
  paused: boolean;
}

/** Carried across continue-as-new: a cursor, never lists of files. */
export interface RestoreContinuation extends CarriedRunCounters {
  summary: PlanSummary;
  restoreTs: string;
  /** Undo records still owed (saga), oldest first. */
  undo: UndoRecord[];
  safepoint: { serviceId: string; safePoint: string };
  prepared: boolean;
  groupsCreated: number;
  tablesCreated: number;
  groupsChecksummed: number;
  /** Groups checksummed above `groupsChecksummed` (own-group checksums; absent when none). */
  checksummedAbove?: number[];
  doneLow: number;
  doneAbove: number[];
  ingestStartedAtMs?: number;
  bytesAtIngestStart?: number;
  runs: number;
  /** Absent in continuations written before it was carried. */
  tiflashReplicasDropped?: number;
  /** Resumed restores: the group whose earlier checksum mismatched, and the tables to check again in it. */
  recheck?: { group: number; tables: string[] };
  /** The cluster lock this restore holds (src/workflows/cluster-lock.ts), released when it ends. */
  clusterLock?: string;
  /** Resumed restores: the earlier run's table IDs of groups not created yet, by group (range text). */
  expectTableIds?: Record<string, string>;
}

/** Undo as data (saga.ts), so it survives crashes and continue-as-new. */
export type UndoRecord =
  | { kind: 'removeGcSafepoint'; serviceId: string }
  | { kind: 'restoreSchedules'; snapshot: ScheduleSnapshot }
  | { kind: 'normalMode' }
  | { kind: 'clearRateLimit' };
