import type { GenTable } from './catalog';
import { intDatum, stringDatum, uintDatum } from './datum';
import { ColumnTypes } from './schema-builder';

/**
 * A few `mysql.*` system tables, backed up the way BR stores them: schema `mysql` with its real name (restore
 * creates it as `__TiDB_BR_Temporary_mysql` and swaps the tables in). Column sets are subsets of TiDB's.
 * Password hashes are random hex: nothing here is a real secret.
 */
export const MYSQL_DB = 'mysql';
const HEX = '0123456789ABCDEF';

export const SYS_TABLES: GenTable[] = [
  {
    db: MYSQL_DB, rowCount: () => 3, features: ['mysql.user'],
    spec: {
      name: 'user', handle: 'rowid',
      columns: [
        { name: 'Host', type: ColumnTypes.varchar(255), notNull: true, gen: (_r, n) => stringDatum(n === 0 ? '%' : `10.0.0.${n}`) },
        { name: 'User', type: ColumnTypes.varchar(32), notNull: true, gen: (_r, n) => stringDatum(n === 0 ? 'root' : `app${n}`) },
        { name: 'authentication_string', type: ColumnTypes.text(), gen: (r) => stringDatum(`*${r.string(40, HEX)}`) },
        { name: 'plugin', type: ColumnTypes.varchar(64), gen: () => stringDatum('mysql_native_password') },
      ],
      indexes: [{ name: 'PRIMARY', columns: ['Host', 'User'], primary: true }],
    },
  },
  {
    db: MYSQL_DB, rowCount: () => 2, features: ['mysql.global_priv'],
    spec: {
      name: 'global_priv', handle: 'rowid',
      columns: [
        { name: 'Host', type: ColumnTypes.varchar(255), notNull: true, gen: (_r, n) => stringDatum(n === 0 ? '%' : `10.0.0.${n}`) },
        { name: 'User', type: ColumnTypes.varchar(80), notNull: true, gen: (_r, n) => stringDatum(n === 0 ? 'root' : `app${n}`) },
        { name: 'Priv', type: ColumnTypes.text(), gen: () => stringDatum('{}') },
      ],
      indexes: [{ name: 'PRIMARY', columns: ['Host', 'User'], primary: true }],
    },
  },
  {
    db: MYSQL_DB, rowCount: () => 4, features: ['mysql.stats_meta'],
    spec: {
      name: 'stats_meta', handle: 'rowid',
      columns: [
        { name: 'version', type: ColumnTypes.bigint(true), notNull: true, gen: (_r, n) => uintDatum(440_000_000_000_000_000n + BigInt(n)) },
        { name: 'table_id', type: ColumnTypes.bigint(), notNull: true, gen: (_r, n) => intDatum(100 + n) },
        { name: 'modify_count', type: ColumnTypes.bigint(), notNull: true, gen: (r) => intDatum(r.int(0, 1000)) },
        { name: 'count', type: ColumnTypes.bigint(true), notNull: true, gen: (r) => uintDatum(r.int(0, 100000)) },
      ],
      indexes: [{ name: 'idx_ver', columns: ['version'] }, { name: 'tbl', columns: ['table_id'], unique: true }],
    },
  },
];
