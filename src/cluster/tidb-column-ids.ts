import { BrflowError, ErrorType } from '../plan/error-types';
import type { TableInfo } from '../plan/table-info';

/** One way a downstream table's columns differ from the backup's. */
export interface ColumnIdProblem {
  column: string;
  backupId?: number;
  newId?: number;
}

/**
 * Columns whose IDs differ between the backup's TableInfo and the table TiDB holds, matched by name:
 * a backup column missing downstream, an ID that differs, or a downstream column the backup lacks.
 * Empty = the layouts agree.
 */
export function columnIdProblems(backupTable: TableInfo, newTable: TableInfo): ColumnIdProblem[] {
  const problems: ColumnIdProblem[] = [];
  const downstream = new Map(newTable.cols.map((c) => [c.name.L, c]));
  const upstream = new Set(backupTable.cols.map((c) => c.name.L));
  for (const c of backupTable.cols) {
    const d = downstream.get(c.name.L);
    if (!d) problems.push({ column: c.name.O, backupId: c.id });
    else if (d.id !== c.id) problems.push({ column: c.name.O, backupId: c.id, newId: d.id });
  }
  for (const d of newTable.cols) if (!upstream.has(d.name.L)) problems.push({ column: d.name.O, newId: d.id });
  return problems;
}

/**
 * Refuses a table whose column IDs differ from the backup's. Restored rows are TiKV key-values in row format
 * v2, which stores column IDs, and TiKV rewrites only key prefixes (research §8.1): rows written under other
 * IDs would read back as defaults or as the wrong columns. Throws BrflowError ColumnIdMismatch naming the
 * table and every differing column.
 */
export function checkColumnIds(backupTable: TableInfo, newTable: TableInfo, db?: string): void {
  const problems = columnIdProblems(backupTable, newTable);
  if (problems.length === 0) return;
  const name = `${db !== undefined ? `${db}.` : ''}${newTable.name.O}`;
  const list = problems
    .map((p) =>
      p.newId === undefined ? `${p.column} (backup id ${p.backupId}, missing downstream)` : p.backupId === undefined ? `${p.column} (id ${p.newId} downstream, not in the backup)` : `${p.column} (backup id ${p.backupId}, downstream id ${p.newId})`,
    )
    .join(', ');
  throw new BrflowError(
    ErrorType.ColumnIdMismatch,
    `table ${name}: column IDs differ from the backup: ${list}. Restored rows store column IDs, so they would decode wrongly; drop ${name} downstream and let brflow create it, or exclude it with a table filter`,
  );
}

/** Whether two TableInfos agree on the row handle (integer handle, clustered common handle, or _tidb_rowid). */
export function handleLayout(t: TableInfo): 'int-handle' | 'clustered' | 'rowid' {
  return t.pk_is_handle ? 'int-handle' : t.is_common_handle ? 'clustered' : 'rowid';
}
