import type { TableInfo } from '../../plan/table-info';
import type { ForeignKeyDef } from './sql-ast';
import { ErrNo, SqlError } from './sql-error';
import { addIndex, ciStr, findColumn, STATE_PUBLIC, type ClusteredIndexMode } from './table-builder';

/** TiDB's ErrFkNoReferencedTable / ErrFkNoColumnParent / ErrCantDropFieldOrKey numbers. */
const ER_FK_NO_REFERENCED_TABLE = 1824;
const ER_FK_NO_COLUMN_PARENT = 3734;

/** ForeignKeyInfo.Version of v8.5 (FKVersion1: foreign keys are enforced). */
const FK_VERSION = 1;

/**
 * Adds a foreign key as TiDB v8.5.3 records it in `fk_info` (named `fk_<n>` when unnamed, n = max_fk_id + 1),
 * with the index TiDB creates for its columns when no index starts with them (named after the key; in CREATE TABLE,
 * unlike other indexes, without a key flag on its first column — ALTER TABLE … ADD sets it). The referenced
 * table must exist (1824) and have the referenced columns (3734), unless `@@foreign_key_checks` is off
 * (`ref.checks` false): then a missing referenced table is recorded by the names the statement gives.
 */
export function addForeignKey(t: TableInfo, def: ForeignKeyDef, ref: { db: string; table: TableInfo | undefined; checks?: boolean }, clusteredDefault: ClusteredIndexMode, creating: boolean): void {
  const refTable = ref.table;
  if (!refTable && ref.checks !== false) throw new SqlError(ER_FK_NO_REFERENCED_TABLE, `Failed to open the referenced table '${def.refTable.name}'`);
  const id = (t.max_fk_id as number | undefined ?? 0) + 1;
  const name = def.name ?? `fk_${id}`;
  const cols = def.columns.map((c) => {
    const col = findColumn(t, c);
    if (!col) throw SqlError.keyColumnMissing(c);
    return col;
  });
  const refCols = def.refColumns.map((c) => {
    if (!refTable) return { name: ciStr(c) };
    const col = findColumn(refTable, c);
    if (!col) throw new SqlError(ER_FK_NO_COLUMN_PARENT, `Failed to add the foreign key constraint. Missing column '${c}' for constraint '${name}' in the referenced table '${refTable.name.O}'`);
    return col;
  });
  const covered = (t.index_info ?? []).some((i) => cols.every((c, k) => i.idx_cols[k]?.name.L === c.name.L));
  if (!covered) {
    const flags = cols.map((c) => c.type.Flag);
    addIndex(t, { kind: 'key', name, columns: cols.map((c) => ({ name: c.name.O })), invisible: false }, clusteredDefault, false);
    if (creating) cols.forEach((c, k) => (c.type.Flag = flags[k] as number));
  }
  t.max_fk_id = id;
  const list = Array.isArray(t.fk_info) ? (t.fk_info as unknown[]) : [];
  list.push({
    id, fk_name: ciStr(name), ref_schema: ciStr(ref.db), ref_table: ciStr(refTable ? refTable.name.O : def.refTable.name), ref_cols: refCols.map((c) => ciStr(c.name.O)),
    cols: cols.map((c) => ciStr(c.name.O)), on_delete: def.onDelete, on_update: def.onUpdate, state: STATE_PUBLIC, version: FK_VERSION,
  });
  t.fk_info = list;
}

/** DROP FOREIGN KEY removes the key; the index it created stays, as in MySQL. */
export function dropForeignKey(t: TableInfo, name: string): void {
  const list = Array.isArray(t.fk_info) ? (t.fk_info as { fk_name: { L: string } }[]) : [];
  const at = list.findIndex((f) => f.fk_name.L === name.toLowerCase());
  if (at < 0) throw new SqlError(ErrNo.CantDropFieldOrKey, `Can't DROP '${name}'; check that column/key exists`);
  list.splice(at, 1);
  t.fk_info = list;
}
