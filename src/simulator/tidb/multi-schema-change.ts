import type { TableInfo } from '../../plan/table-info';
import type { AlterSpec } from './sql-ast';
import { ErrNo, SqlError } from './sql-error';
import { findColumn } from './table-builder';

/**
 * TiDB v8.5.3 runs an ALTER TABLE with several specs as one multi-schema change in which every spec resolves
 * names against the table as it was: a column added by one spec does not exist for the others (an index on it
 * is 1072, dropping it 1091, changing it or placing a column after it 1054), and adding one name twice is 8200.
 * Checked before anything changes, as TiDB does.
 */
export function checkMultiSchemaChange(t: TableInfo, specs: readonly AlterSpec[]): void {
  if (specs.length < 2) return;
  const added = new Set<string>();
  for (const s of specs) {
    if (s.kind !== 'add-column') continue;
    const name = s.column.name.toLowerCase();
    if (added.has(name)) throw new SqlError(ErrNo.UnsupportedDDL, `Unsupported operate same column '${s.column.name}'`);
    if (!findColumn(t, name)) added.add(name);
  }
  if (added.size === 0) return;
  const isNew = (name: string) => added.has(name.toLowerCase());
  for (const s of specs) {
    switch (s.kind) {
      case 'add-index': {
        const missing = s.index.columns.find((c) => c.expr === undefined && isNew(c.name));
        if (missing) throw new SqlError(ErrNo.KeyColumnDoesNotExist, `column does not exist: ${missing.name}`);
        break;
      }
      case 'drop-column':
        if (isNew(s.name)) throw SqlError.cannotDrop(s.name);
        break;
      case 'modify-column':
        if (isNew(s.oldName)) throw SqlError.unknownColumn(s.oldName, t.name.O);
        break;
      case 'alter-column-default':
        if (isNew(s.column)) throw SqlError.unknownColumn(s.column, t.name.O);
        break;
      case 'add-column':
        if (s.position.kind === 'after' && isNew(s.position.column)) throw SqlError.unknownColumn(s.position.column, t.name.O);
        break;
      default:
        break;
    }
  }
}
