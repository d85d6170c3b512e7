import type { Row, MemTable } from './info-schema';

/**
 * The rows of `mysql.tidb` the simulated TiDB answers a SELECT with: those brflow reads, as TiDB v8.5.3's
 * bootstrap writes them (checked in test/integration/conformance/tidb-conformance.test.ts). The simulator
 * otherwise keeps no rows; the other bootstrap rows (bootstrapped, tidb_server_version, GC settings…) are not
 * modelled and a SELECT never returns them.
 */
export const MYSQL_TIDB_COLUMNS: MemTable['columns'] = [
  { name: 'VARIABLE_NAME', type: 'string' },
  { name: 'VARIABLE_VALUE', type: 'string' },
  { name: 'COMMENT', type: 'string' },
];

/** `newCollationEnabled`: the cluster's new_collations_enabled_on_first_bootstrap (TiDB's default since v6.0: on). */
export function mysqlTidbRows(newCollationEnabled: boolean): Row[] {
  return [{ VARIABLE_NAME: 'new_collation_enabled', VARIABLE_VALUE: newCollationEnabled ? 'True' : 'False', COMMENT: 'If the new collations are enabled. Do not edit it.' }];
}
