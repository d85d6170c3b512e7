import type { ColumnInfo, TableInfo } from '../../plan/table-info';
import type { ViewDef } from './sql-ast';
import { SqlError } from './sql-error';
import { ciStr, findColumn, STATE_PUBLIC } from './table-builder';

/** Who runs a statement, as a view records its definer, and the session's charset/collation a view takes. */
export interface SessionContext {
  user: string;
  host: string;
  charset: string;
  collation: string;
  /** `@@foreign_key_checks`: off, a foreign key may name a table that does not exist (yet). @default true */
  foreignKeyChecks?: boolean;
}

const q = (name: string): string => `\`${name.replace(/`/g, '``')}\``;

/**
 * The TableInfo of CREATE VIEW as v8.5.3 stores it: columns without types (a view has no storage), the session's
 * charset and collation, the definer, and the SELECT in TiDB's restored form — `SELECT `a` AS `a`,… FROM
 * `db`.`t``, `*` expanded to qualified columns. Column names come from the column list, else aliases, else the
 * selected names. The base table must exist (1146) and have the columns (1054).
 */
export function buildViewInfo(id: number, db: string, v: ViewDef, base: TableInfo | undefined, baseDb: string, session: SessionContext): TableInfo {
  if (!base) throw SqlError.noSuchTable(baseDb, v.from.name);
  const baseRef = `${q(baseDb)}.${q(base.name.O)}`;
  const selected = v.items === 'star'
    ? base.cols.filter((c) => !c.hidden).map((c) => ({ expr: `${baseRef}.${q(c.name.O)}`, name: c.name.O }))
    : v.items.map((i) => {
      const col = findColumn(base, i.name);
      if (!col) throw SqlError.unknownColumn(i.name, 'field list');
      return { expr: [...(i.qualifiers ?? []), i.name].map(q).join('.'), name: i.alias ?? i.name };
    });
  if (v.columns && v.columns.length !== selected.length) throw new SqlError(1353, "In definition of view, derived table or common table expression, SELECT list and column names list have different column counts");
  const names = v.columns ?? selected.map((s) => s.name);
  const cols: ColumnInfo[] = names.map((n, i) => ({
    id: i + 1, name: ciStr(n), offset: i, origin_default: null, origin_default_bit: null, default: null, default_bit: null, default_is_expr: false,
    generated_expr_string: '', generated_stored: false, dependences: null,
    type: { Tp: 0, Flag: 0, Flen: 0, Decimal: 0, Charset: '', Collate: '', Elems: null, ElemsIsBinaryLit: null, Array: false },
    state: STATE_PUBLIC, comment: '', hidden: false, change_state_info: null, version: 0,
  }));
  return {
    id, name: ciStr(v.name.name), charset: session.charset, collate: session.collation, cols, index_info: null, constraint_info: null, fk_info: null,
    state: STATE_PUBLIC, pk_is_handle: false, is_common_handle: false, common_handle_version: 0, comment: '', auto_inc_id: 0, auto_id_cache: 0,
    auto_rand_id: 0, max_col_id: cols.length, max_idx_id: 0, max_fk_id: 0, max_cst_id: 0, ShardRowIDBits: 0, max_shard_row_id_bits: 0,
    auto_random_bits: 0, auto_random_range_bits: 0, pre_split_regions: 0, partition: null, compression: '',
    view: {
      view_algorithm: v.algorithm,
      // A DEFINER clause is recorded as written, with no authenticated identity (v8.5.3 leaves Auth* empty).
      view_definer: v.definer
        ? { Username: v.definer.user, Hostname: v.definer.host, CurrentUser: false, AuthUsername: '', AuthHostname: '', AuthPlugin: '' }
        : { Username: session.user, Hostname: session.host, CurrentUser: false, AuthUsername: session.user, AuthHostname: '%', AuthPlugin: 'mysql_native_password' },
      view_security: v.security,
      view_select: `SELECT ${selected.map((s) => `${s.expr} AS ${q(s.name)}`).join(',')} FROM ${baseRef}`,
      view_checkoption: v.checkOption,
      view_cols: null,
    },
    sequence: null, Lock: null, version: 5, tiflash_replica: null, is_columnar: false, temp_table_type: 0, cache_table_status: 0,
    policy_ref_info: null, stats_options: null, exchange_partition_info: null, ttl_info: null,
  };
}
