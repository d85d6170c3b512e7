import { ErrorType, type ErrorTypeName } from './error-types';

/**
 * What each failure type means and what the operator does about it: `brflow status` prints it for a failed
 * restore, and the README's 'When a restore fails' table is this table (a unit test keeps them equal).
 */
export const ERROR_GUIDE: Readonly<Record<ErrorTypeName, { meaning: string; action: string }>> = {
  [ErrorType.InvalidInput]: { meaning: 'the input has problems (all of them are listed)', action: 'fix the input and start again' },
  [ErrorType.InvalidStorageUrl]: { meaning: 'the storage URL cannot be used (scheme, missing bucket, a credential in the URL)', action: `pass credentials through the worker's environment; fix the URL` },
  [ErrorType.StorageNotFound]: { meaning: 'nothing at the storage location', action: 'check the path/prefix and the bucket' },
  [ErrorType.StorageUnavailable]: { meaning: 'storage did not answer within its retries', action: 'check the endpoint and the network, then continue it: `brflow restore --resume ID`' },
  [ErrorType.BackupMetaMissing]: { meaning: 'no `backupmeta` there: not a BR backup, or not finished', action: 'point at a finished BR backup' },
  [ErrorType.BackupMetaCorrupt]: { meaning: 'a metafile fails its size/sha256 or does not decode', action: '`brflow verify-backup URL`; re-copy or re-take the backup' },
  [ErrorType.BackupEncrypted]: { meaning: 'the backup is encrypted (BR `--crypter.*`) and no key was given', action: 'give the input `crypter: {"method": "aes256-ctr", "keyFile": "/path/on/worker"}` (or set BRFLOW_CRYPTER_METHOD and BRFLOW_CRYPTER_KEY_FILE on the workers)' },
  [ErrorType.BackupWrongKey]: { meaning: 'the key does not open the backup, or its key file is missing, unreadable or not a key of the method (file and method named)', action: 'put the key the backup was taken with in that file on every worker, as hex text, and give its method' },
  [ErrorType.SstCorrupt]: { meaning: 'a data file is missing or damaged', action: '`brflow verify-backup URL` names it; re-copy it and continue: `brflow restore --resume ID`, or re-take the backup' },
  [ErrorType.FilterTargetMissing]: { meaning: `a filter names no table in the backup, or the filters select nothing (the message lists the backup's databases)`, action: 'fix the filter (`brflow plan URL -f …` shows what it selects)' },
  [ErrorType.UnsupportedTable]: { meaning: 'a table brflow cannot restore with its column IDs (the message says why), e.g. one whose AUTO_INCREMENT or stored generated column was added after the table was created (expression, multi-valued and global indexes, generated columns and every partitioning kind are recreated: `test/integration/real-parts/indexes-partitions-real-tidb.test.ts`; a vector index is a schema object: `UnsupportedObject`)', action: 'exclude it with a filter, or create it yourself and restore with `noSchema`' },
  [ErrorType.UnsupportedObject]: { meaning: 'a table has a vector index (TiDB v8.5 builds one only on a table with a TiFlash replica, which a table brflow creates does not have yet), a table or database references a placement policy neither the backup nor the target holds, or the target TiDB did not keep a foreign key, CHECK constraint, TTL or placement policy brflow added (each table and object named)', action: 'restore without them with `"skip": ["vectorIndexes", "placement", …]` (or `"placementMode": "ignore"`) in the input, or exclude the tables with a filter; add a vector index back after the restore (`ALTER TABLE … SET TIFLASH REPLICA`, then `ADD VECTOR INDEX`); for CHECK constraints, `SET GLOBAL tidb_enable_check_constraint = ON` on the target' },
  [ErrorType.TableExists]: { meaning: 'a table to create exists downstream with other content', action: 'drop or rename it, or restore into another database' },
  [ErrorType.ColumnIdMismatch]: { meaning: `an existing table's column IDs differ from the backup's`, action: 'recreate the table from the backup (without `noSchema`)' },
  [ErrorType.RestoreModeMismatch]: { meaning: `an existing table's clustered index differs from the backup's`, action: 'set `@@tidb_enable_clustered_index` as named and recreate the table' },
  [ErrorType.CollationMismatch]: { meaning: `the backup's cluster and the target differ in new collations (backupmeta \`new_collations_enabled\` vs the target's \`mysql.tidb\` \`new_collation_enabled\`, both named); refused before the cluster changed`, action: 'restore into a cluster bootstrapped with the same `new_collations_enabled_on_first_bootstrap` as the backup\'s (it cannot be changed after bootstrap)' },
  [ErrorType.TableMissing]: { meaning: '`noSchema`: a table is not in the target; or a view reads a table or view that the restore does not create and the target does not have (refused by the pre-check, before anything changes)', action: `create it with the backup's schema first; for a view, restore what it reads too (widen the filters) or exclude the view` },
  [ErrorType.TableNotEmpty]: { meaning: `a table to restore exists downstream with the backup's layout and already holds rows (tables named); refused before the cluster changed`, action: 'empty or drop those tables, exclude them with a filter, or restore into another cluster' },
  [ErrorType.ChecksumMismatch]: { meaning: 'restored data differs from the backup (tables and both checksums listed)', action: '`brflow verify-backup URL`; check nothing wrote to the tables during the restore; restore them again' },
  [ErrorType.ResumeRefused]: { meaning: '`resumeFrom` names a restore this one cannot continue: still running, completed, or another backup, plan or cluster (each difference listed)', action: 'resume with the earlier input into the same cluster, or start a new restore' },
  [ErrorType.ClusterUnavailable]: { meaning: 'PD, TiKV or TiDB did not answer within its deadline and retries (address named)', action: 'bring the component back, then continue it: `brflow restore --resume ID` keeps its tables, finished batches and passed checksums' },
  [ErrorType.ClusterRejected]: { meaning: `the cluster refused a step (e.g. GC passed the restore's safepoint, version too old)`, action: 'act on the message; a GC overrun needs a fresh restore' },
  [ErrorType.RegionError]: { meaning: `region errors outlasted BR's retry budget`, action: 'check PD scheduling and store health, then continue it: `brflow restore --resume ID`' },
  [ErrorType.ClusterBusy]: { meaning: 'another restore holds the target cluster (named) and the input said `onClusterBusy: "fail"`', action: 'wait for it (`brflow status ID`), or start with `onClusterBusy: "wait"` to queue' },
  [ErrorType.Internal]: { meaning: 'a brflow bug', action: 'report it with the workflow history (`temporal workflow show -w ID --output json`)' },
};

/**
 * Failures after which the same restore can be continued (`brflow restore --resume ID`) once the cause is
 * fixed: the cluster, storage or a data file was the problem, not the input or the target's schema. A new restore
 * of the same backup would instead be refused (the tables it finished hold rows: TableNotEmpty).
 */
export const RESUMABLE_FAILURES: ReadonlySet<ErrorTypeName> = new Set<ErrorTypeName>([
  ErrorType.StorageUnavailable, ErrorType.SstCorrupt, ErrorType.ClusterUnavailable, ErrorType.RegionError,
]);
