/**
 * The error catalog. Each failure that leaves brflow carries one of these `type`s: activities throw
 * ApplicationFailure with it, workflows match on it, the CLI prints it. Types listed in
 * NON_RETRYABLE_ERROR_TYPES are permanent: retrying cannot help, an operator has to act.
 */
export const ErrorType = {
  InvalidInput: 'Brflow:Input:Invalid',
  InvalidStorageUrl: 'Brflow:Storage:InvalidUrl',
  StorageNotFound: 'Brflow:Storage:NotFound',
  StorageUnavailable: 'Brflow:Storage:Unavailable',
  BackupMetaMissing: 'Brflow:Backup:MetaMissing',
  BackupMetaCorrupt: 'Brflow:Backup:MetaCorrupt',
  BackupEncrypted: 'Brflow:Backup:EncryptedNoKey',
  /** The key given does not open the backup, or its key file cannot be read or is not a key of the method. */
  BackupWrongKey: 'Brflow:Backup:WrongKey',
  SstCorrupt: 'Brflow:Backup:SstCorrupt',
  FilterTargetMissing: 'Brflow:Plan:FilterTargetMissing',
  UnsupportedTable: 'Brflow:Plan:UnsupportedTable',
  /** A selected table has a schema object brflow cannot recreate (placement) and the input does not skip its kind, or TiDB did not keep one brflow added. */
  UnsupportedObject: 'Brflow:Plan:UnsupportedObject',
  ColumnIdMismatch: 'Brflow:Restore:ColumnIdMismatch',
  TableExists: 'Brflow:Restore:TableExists',
  /** An existing table's clustered-index layout differs from the backup's (BR ErrRestoreModeMismatch). */
  RestoreModeMismatch: 'Brflow:Restore:ModeMismatch',
  ChecksumMismatch: 'Brflow:Restore:ChecksumMismatch',
  /** The backup's new_collations_enabled differs from the target's new_collation_enabled (BR CheckNewCollationEnable). */
  CollationMismatch: 'Brflow:Restore:CollationMismatch',
  /** A table a no-schema restore expects to exist is not in the target, or a table a restored view reads. */
  TableMissing: 'Brflow:Restore:TableMissing',
  /** A table the restore would write into exists downstream with the backup's layout and holds rows already. */
  TableNotEmpty: 'Brflow:Restore:TableNotEmpty',
  /** `resumeFrom` names a restore this one cannot continue (other backup, plan or cluster; still running). */
  ResumeRefused: 'Brflow:Resume:Refused',
  ClusterUnavailable: 'Brflow:Cluster:Unavailable',
  ClusterRejected: 'Brflow:Cluster:Rejected',
  RegionError: 'Brflow:Cluster:RegionError',
  /** Another restore holds the target cluster and the input asked to fail rather than wait (onClusterBusy: "fail"). */
  ClusterBusy: 'Brflow:Cluster:Busy',
  Internal: 'Brflow:Internal',
} as const;

export type ErrorTypeName = (typeof ErrorType)[keyof typeof ErrorType];

export const NON_RETRYABLE_ERROR_TYPES: readonly ErrorTypeName[] = [
  ErrorType.InvalidInput,
  ErrorType.InvalidStorageUrl,
  ErrorType.StorageNotFound,
  ErrorType.BackupMetaMissing,
  ErrorType.BackupMetaCorrupt,
  ErrorType.BackupEncrypted,
  ErrorType.BackupWrongKey,
  ErrorType.SstCorrupt,
  ErrorType.FilterTargetMissing,
  ErrorType.UnsupportedTable,
  ErrorType.UnsupportedObject,
  ErrorType.ColumnIdMismatch,
  ErrorType.TableExists,
  ErrorType.RestoreModeMismatch,
  ErrorType.CollationMismatch,
  ErrorType.ChecksumMismatch,
  ErrorType.TableMissing,
  ErrorType.TableNotEmpty,
  ErrorType.ResumeRefused,
  ErrorType.ClusterBusy,
  ErrorType.Internal,
];

/**
 * An error with a catalog type and a message that names what is wrong and what to do.
 * Plain class (no Node APIs) so plan code and workflows can raise it too.
 */
export class BrflowError extends Error {
  constructor(readonly type: ErrorTypeName, message: string) {
    super(message);
    this.name = 'BrflowError';
  }
}

/** True for BrflowError across module realms (instanceof fails between the workflow VM and Node). */
export function isBrflowError(e: unknown): e is BrflowError {
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'BrflowError' && typeof (e as { type?: unknown }).type === 'string';
}
