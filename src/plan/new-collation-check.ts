import { BrflowError, ErrorType } from './error-types';

/**
 * BR's CheckNewCollationEnable: a backup taken with new collations on (backupmeta `new_collations_enabled`
 * "True", TiDB's default since v6.0) stores index keys and checksums under those collations; a target
 * bootstrapped the other way (mysql.tidb `new_collation_enabled`) would read them wrongly. Compared ignoring
 * case, as BR does. Returns the error to throw, or undefined when they agree or a side does not say: a backup
 * from before the field existed (BR refuses it unless --check-requirements=false; brflow has no such switch, so
 * the caller warns and goes on) or a target without the row.
 */
export function newCollationMismatch(backup: string, target: string | undefined): BrflowError | undefined {
  if (backup === '' || target === undefined) return undefined;
  if (backup.toLowerCase() === target.toLowerCase()) return undefined;
  return new BrflowError(
    ErrorType.CollationMismatch,
    `the backup was taken with new_collations_enabled = ${backup} but the target TiDB has new_collation_enabled = ${target} (mysql.tidb); the cluster was not changed. ` +
      'Restore into a cluster bootstrapped with the same new_collations_enabled_on_first_bootstrap as the backup\'s (it cannot be changed after bootstrap)',
  );
}
