import { MysqlFlag, MysqlType, type ColumnInfo, type IndexInfo, type TableInfo } from '../../plan/table-info';
import { defaultCollation, isIntegerType } from './field-type';
import { addForeignKey, dropForeignKey } from './foreign-key';
import type { AlterSpec, ColumnDef, ColumnPosition, TableName, TableOptions } from './sql-ast';
import { originDefaultOnAdd, storedDefault } from './column-default';
import { ErrNo, SqlError } from './sql-error';
import { alterPartitions } from './partition-alter';
import { applyTtlAndPlacement } from './table-ttl';
import { addColumnInfo, addIndex, ciStr, columnInfoOf, findColumn, isPrimaryIndex, renumberOffsets, type ClusteredIndexMode } from './table-builder';

/**
 * Applies one ALTER TABLE spec (other than RENAME, which the catalog handles) to a TableInfo in place,
 * the way TiDB's DDL does for what brflow replays: ADD COLUMN takes max_col_id + 1 (IDs are never reused,
 * so a dropped column leaves a gap), DROP COLUMN leaves max_col_id alone, MODIFY keeps the ID unless the
 * type change rewrites the data (then TiDB builds a new column with a new ID), indexes take max_idx_id + 1.
 */
export function applyAlterSpec(
  t: TableInfo,
  spec: Exclude<AlterSpec, { kind: 'rename' }>,
  clusteredDefault: ClusteredIndexMode,
  genId: () => number = noGlobalIds,
  refTable: (n: TableName) => { db: string; table: TableInfo | undefined; checks?: boolean } = () => ({ db: '', table: undefined }),
): void {
  switch (spec.kind) {
    case 'add-foreign-key':
      return addForeignKey(t, spec.foreignKey, refTable(spec.foreignKey.refTable), clusteredDefault, false);
    case 'drop-foreign-key':
      return dropForeignKey(t, spec.name);
    case 'add-partitions':
    case 'drop-partitions':
    case 'truncate-partitions':
    case 'coalesce-partitions':
    case 'reorganize-partitions':
    case 'remove-partitioning':
      return alterPartitions(t, spec, genId);
    case 'add-column': {
      if (spec.column.primaryKey) throw SqlError.unsupported('ADD COLUMN … PRIMARY KEY');
      if (spec.column.autoIncrement) throw SqlError.unsupported('ADD COLUMN … AUTO_INCREMENT');
      const col = addColumnInfo(t, spec.column);
      // Rows written before the ALTER lack the column; TiDB reads them with this origin default.
      const origin = originDefaultOnAdd({ value: col.default as string | null, bit: (col.default_bit as string | null) ?? null, isExpr: col.default_is_expr ?? false }, col.type, (col.type.Flag & MysqlFlag.NotNull) !== 0, new Date());
      col.origin_default = origin.value;
      col.origin_default_bit = origin.bit;
      // A NOT NULL YEAR added without a default also gets its zero value as default (v8.5.3 does; no other type).
      if (col.type.Tp === MysqlType.Year && col.default === null && (col.type.Flag & MysqlFlag.NotNull) !== 0) col.default = origin.value;
      move(t, col, spec.position);
      if (spec.column.unique) addIndex(t, { kind: 'unique', columns: [{ name: col.name.O }], invisible: false }, clusteredDefault, false);
      return;
    }
    case 'drop-column':
      return dropColumn(t, spec.name);
    case 'modify-column':
      return modifyColumn(t, spec.oldName, spec.column, spec.position);
    case 'add-index':
      return addIndex(t, spec.index, clusteredDefault, false);
    case 'drop-index': {
      const idx = (t.index_info ?? []).findIndex((i) => i.idx_name.L === spec.name.toLowerCase());
      if (idx < 0) throw SqlError.cannotDrop(spec.name);
      const removed = (t.index_info ?? []).splice(idx, 1)[0];
      if (removed && isPrimaryIndex(removed) && t.is_common_handle) {
        t.index_info?.splice(idx, 0, removed);
        throw new SqlError(ErrNo.UnsupportedDDL, 'Unsupported drop primary key when the table is using clustered index');
      }
      if (removed) dropIndexColumnFlag(t, removed);
      return;
    }
    case 'drop-primary-key': {
      if (t.pk_is_handle || t.is_common_handle) {
        throw new SqlError(ErrNo.UnsupportedDDL, 'Unsupported drop primary key when the table is using clustered index');
      }
      const idx = (t.index_info ?? []).findIndex(isPrimaryIndex);
      if (idx < 0) throw SqlError.cannotDrop('PRIMARY');
      t.index_info?.splice(idx, 1);
      // Its columns are no longer key columns (they stay NOT NULL).
      for (const c of t.cols) c.type.Flag &= ~MysqlFlag.PriKey;
      return;
    }
    case 'rename-index': {
      const idx = (t.index_info ?? []).find((i) => i.idx_name.L === spec.from.toLowerCase());
      if (!idx) throw new SqlError(ErrNo.KeyColumnDoesNotExist, `Key '${spec.from}' doesn't exist in table '${t.name.O}'`);
      if ((t.index_info ?? []).some((i) => i !== idx && i.idx_name.L === spec.to.toLowerCase())) throw SqlError.duplicateKey(spec.to);
      idx.idx_name = ciStr(spec.to);
      return;
    }
    case 'options':
      return applyOptions(t, spec.options);
    case 'alter-column-default':
      return alterColumnDefault(t, spec.column, spec.default);
    case 'rename-column':
      return renameColumn(t, spec.from, spec.to);
    case 'remove-ttl':
      t.ttl_info = null;
      return;
    case 'cache':
      t.cache_table_status = spec.cached ? 1 : 0;
      return;
    case 'index-visibility': {
      const idx = (t.index_info ?? []).find((i) => i.idx_name.L === spec.name.toLowerCase());
      if (!idx) throw new SqlError(ErrNo.KeyColumnDoesNotExist, `Key '${spec.name}' doesn't exist in table '${t.name.O}'`);
      idx['is_invisible'] = spec.invisible;
      return;
    }
    case 'convert-charset':
      return convertCharset(t, spec.charset, spec.collate ?? defaultCollation(spec.charset));
    case 'set-tiflash-replica':
      // TiDB keeps the request in TableInfo; Available turns true once TiFlash caught up (never, here: no TiFlash data).
      t.tiflash_replica = spec.count > 0 ? { Count: spec.count, LocationLabels: [...spec.locationLabels], Available: false } : null;
      return;
  }
}

function noGlobalIds(): number {
  throw new Error('this ALTER needs global IDs; pass the catalog allocator to applyAlterSpec');
}

function applyOptions(t: TableInfo, o: TableOptions): void {
  if (o.autoIncrement !== undefined) {
    // Without FORCE TiDB only moves the allocator forward; a smaller value is ignored.
    t.auto_inc_id = Math.max(t.auto_inc_id, Number(o.autoIncrement));
  }
  if (o.autoRandomBase !== undefined) {
    if (!t.auto_random_bits) throw SqlError.invalidAutoRandom(`table ${t.name.O} has no auto_random column, so AUTO_RANDOM_BASE cannot be set`);
    t.auto_rand_id = Math.max(t.auto_rand_id ?? 0, Number(o.autoRandomBase));
  }
  if (o.comment !== undefined) t.comment = o.comment;
  if (o.charset !== undefined) t.charset = o.charset;
  if (o.collate !== undefined) t.collate = o.collate;
  if (o.autoIdCache !== undefined) t.auto_id_cache = Number(o.autoIdCache);
  if (o.shardRowIdBits !== undefined) t.ShardRowIDBits = o.shardRowIdBits;
  applyTtlAndPlacement(t, o);
}

function move(t: TableInfo, col: ColumnInfo, pos: ColumnPosition): void {
  if (pos.kind === 'none') return;
  const rest = t.cols.filter((c) => c !== col);
  let at = 0;
  if (pos.kind === 'after') {
    const anchor = rest.findIndex((c) => c.name.L === pos.column.toLowerCase());
    if (anchor < 0) throw SqlError.unknownColumn(pos.column, t.name.O);
    at = anchor + 1;
  }
  rest.splice(at, 0, col);
  t.cols = rest;
  renumberOffsets(t);
}

function dropColumn(t: TableInfo, name: string): void {
  const col = findColumn(t, name);
  if (!col) throw SqlError.cannotDrop(name);
  if (t.cols.length === 1) {
    throw new SqlError(1090, "You can't delete all columns with ALTER TABLE; use DROP TABLE instead");
  }
  if ((t.pk_is_handle || t.is_common_handle) && (col.type.Flag & MysqlFlag.PriKey) !== 0) {
    throw new SqlError(ErrNo.UnsupportedDDL, `Unsupported drop integer primary key: column ${col.name.O} is the clustered primary key`);
  }
  const covering = (t.index_info ?? []).filter((i) => i.idx_cols.some((c) => c.name.L === col.name.L));
  if (covering.some((i) => i.idx_cols.length > 1)) {
    throw new SqlError(ErrNo.UnsupportedDDL, `can't drop column ${col.name.O} with composite index covered or Primary Key covered now`);
  }
  // Like TiDB ≥ 6.2: single-column indexes on the dropped column go with it.
  if (t.index_info) t.index_info = t.index_info.filter((i) => !covering.includes(i));
  t.cols = t.cols.filter((c) => c !== col);
  renumberOffsets(t);
}

/** Types whose values TiDB rewrites on change (a "reorg" column type change gets a new column ID). */
function needsReorg(from: ColumnInfo, to: ColumnInfo): boolean {
  const a = from.type;
  const b = to.type;
  const unsignedA = (a.Flag & MysqlFlag.Unsigned) !== 0;
  const unsignedB = (b.Flag & MysqlFlag.Unsigned) !== 0;
  if (isIntegerType(a.Tp) && isIntegerType(b.Tp)) return unsignedA !== unsignedB || b.Flen < a.Flen;
  const stringy = (tp: number): boolean => [MysqlType.Varchar, MysqlType.String, MysqlType.VarString].includes(tp as 15);
  if (stringy(a.Tp) && stringy(b.Tp)) return a.Tp !== b.Tp || b.Flen < a.Flen || a.Charset !== b.Charset;
  if (a.Tp !== b.Tp) return true;
  return b.Flen < a.Flen || b.Decimal !== a.Decimal || unsignedA !== unsignedB;
}

function modifyColumn(t: TableInfo, oldName: string, def: ColumnDef, pos: ColumnPosition): void {
  const old = findColumn(t, oldName);
  if (!old) throw SqlError.unknownColumn(oldName, t.name.O);
  const clash = findColumn(t, def.name);
  if (clash && clash !== old) throw SqlError.duplicateColumn(def.name);
  if (def.primaryKey) throw SqlError.unsupported('MODIFY COLUMN … PRIMARY KEY');
  const keyFlags = old.type.Flag & (MysqlFlag.PriKey | MysqlFlag.UniqueKey | MysqlFlag.MultipleKey);
  let next = columnInfoOf(t, def, old.id);
  // The origin default belongs to the column's history (ADD COLUMN), not to its new definition.
  next.origin_default = old.origin_default ?? null;
  next.origin_default_bit = old['origin_default_bit'] ?? null;
  next.type.Flag |= keyFlags;
  if (keyFlags & MysqlFlag.PriKey) next.type.Flag |= MysqlFlag.NotNull;
  if (needsReorg(old, next)) {
    if ((keyFlags & MysqlFlag.PriKey) !== 0 && (t.pk_is_handle || t.is_common_handle)) {
      throw new SqlError(ErrNo.UnsupportedDDL, `Unsupported modify column: column ${old.name.O} is the clustered primary key and its data would change`);
    }
    t.max_col_id += 1;
    next = { ...next, id: t.max_col_id };
  }
  const at = t.cols.indexOf(old);
  t.cols[at] = next;
  for (const idx of t.index_info ?? []) for (const ic of idx.idx_cols) if (ic.name.L === old.name.L) ic.name = ciStr(next.name.O);
  renumberOffsets(t);
  move(t, next, pos);
}

/**
 * `ALTER COLUMN … SET DEFAULT v` stores v and clears NoDefaultValue; `… DROP DEFAULT` removes the default and
 * sets NoDefaultValue (v8.5.3 does so whether or not the column is NOT NULL). The origin default stays.
 */
function alterColumnDefault(t: TableInfo, name: string, dflt: ColumnDef['default']): void {
  const col = findColumn(t, name);
  if (!col) throw SqlError.unknownColumn(name, t.name.O);
  if (dflt === undefined) {
    // v8.5.3 leaves default_bit as it was (a BIT column keeps the bytes of its dropped default there).
    col.default = null;
    col.default_is_expr = false;
    col.type.Flag |= MysqlFlag.NoDefaultValue;
    return;
  }
  const d = storedDefault(dflt, col.type);
  col.default = d.value;
  col.default_bit = d.bit;
  col.default_is_expr = d.isExpr;
  col.type.Flag &= ~MysqlFlag.NoDefaultValue;
}

/** RENAME COLUMN keeps the column (and its ID); indexes follow the new name. */
function renameColumn(t: TableInfo, from: string, to: string): void {
  const col = findColumn(t, from);
  if (!col) throw SqlError.unknownColumn(from, t.name.O);
  const clash = findColumn(t, to);
  if (clash && clash !== col) throw SqlError.duplicateColumn(to);
  for (const idx of t.index_info ?? []) for (const ic of idx.idx_cols) if (ic.name.L === col.name.L) ic.name = ciStr(to);
  col.name = ciStr(to);
}

/** CONVERT TO CHARACTER SET: the table's charset and that of every column that has one (text, enum, set). */
function convertCharset(t: TableInfo, charset: string, collate: string): void {
  t.charset = charset;
  t.collate = collate;
  for (const c of t.cols) {
    if (c.type.Charset !== 'binary') {
      c.type.Charset = charset;
      c.type.Collate = collate;
    }
  }
}

/** The key flag an index puts on its first column (all its columns for a primary key), as TiDB sets it. */
function indexKeyFlag(i: IndexInfo): number {
  if (isPrimaryIndex(i)) return MysqlFlag.PriKey;
  return i.is_unique && i.idx_cols.length === 1 ? MysqlFlag.UniqueKey : MysqlFlag.MultipleKey;
}

/**
 * What TiDB v8.5.3 does to column flags when an index goes (ddl dropIndexColumnFlag): the flag the index gave
 * its first column (every column of a primary key) is cleared, then set again by each remaining index that
 * starts with that column. Without it a PRIMARY KEY column that a placeholder index covered kept MultipleKey
 * (conformance: "placeholder drops merged into one ALTER").
 */
function dropIndexColumnFlag(t: TableInfo, removed: IndexInfo): void {
  const flag = indexKeyFlag(removed);
  const covered = isPrimaryIndex(removed) ? removed.idx_cols : removed.idx_cols.slice(0, 1);
  for (const ic of covered) {
    const c = findColumn(t, ic.name.L);
    if (c) c.type.Flag &= ~flag;
  }
  const first = removed.idx_cols[0]?.name.L;
  for (const other of t.index_info ?? []) {
    if (other.idx_cols[0]?.name.L !== first) continue;
    const c = findColumn(t, first ?? '');
    if (c) c.type.Flag |= indexKeyFlag(other);
  }
}
