import { MysqlFlag, type TableInfo } from './table-info';

/** TiDB's TableInfo version from which AUTO_ID_CACHE=1 gives AUTO_INCREMENT an allocator of its own. */
const TABLE_INFO_VERSION_SEP_AUTO_INC = 5;

/** The table keys rows by `_tidb_rowid`: no integer handle, not clustered. */
export function hasRowId(t: TableInfo): boolean {
  return !t.pk_is_handle && !t.is_common_handle;
}

/** TiDB TableInfo.SepAutoInc: AUTO_ID_CACHE=1 on a table of version 5 or later. */
export function separateAutoInc(t: TableInfo): boolean {
  return Number(t['version'] ?? 0) >= TABLE_INFO_VERSION_SEP_AUTO_INC && Number(t.auto_id_cache ?? 0) === 1;
}

/** BR utils.NeedAutoID: the table has a _tidb_rowid (no integer or clustered handle) or an AUTO_INCREMENT column. */
export function needAutoId(t: TableInfo): boolean {
  const hasAutoInc = t.cols.some((c) => (c.type.Flag & MysqlFlag.AutoIncrement) !== 0);
  return hasRowId(t) || hasAutoInc;
}

/**
 * The auto ID bases a restored table must start from, as the table options of its CREATE TABLE:
 * `AUTO_INCREMENT = auto_inc_id` where BR rebases it (NeedAutoID, > 1) and `AUTO_RANDOM_BASE = auto_rand_id`
 * for an AUTO_RANDOM handle (> 1).
 *
 * Why in the CREATE rather than an ALTER after it: TiDB applies these options while it creates the table
 * (createTableWithInfoPost rebases the allocator the table uses, as it does for BR's BatchCreateTableWithInfo),
 * also inside a merged `create tables` job, whereas each `ALTER TABLE … AUTO_INCREMENT` is a DDL job of its own
 * that TiDB never merges: one more job per table, for nearly every table of a real backup (any table with rows
 * and a row ID or an AUTO_INCREMENT column). Measured on TiDB v8.5.3: both give the same next row ID.
 */
export function createAutoIdBases(t: TableInfo): { autoIncrement?: number; autoRandomBase?: number } {
  return {
    ...(needAutoId(t) && t.auto_inc_id > 1 ? { autoIncrement: t.auto_inc_id } : {}),
    ...(t.pk_is_handle && (t.auto_random_bits ?? 0) > 0 && (t.auto_rand_id ?? 0) > 1 ? { autoRandomBase: t.auto_rand_id } : {}),
  };
}
