import { planColumnLayout } from '../../../src/plan/column-ids';
import { createLikeSql, layoutCopies, type LayoutStatements } from '../../../src/plan/layout-copies';
import { col, tableInfo } from './manifest-builder';

/** A planned table named `name` in `db` whose column 3 was dropped (CREATE + the placeholder's DROP), or not. */
function planned(db: string, name: string, gap = true, extra = 'd'): LayoutStatements {
  const info = tableInfo(1, name, { pk_is_handle: false, cols: [col(1, 'a', 0), col(2, 'b', 1), col(gap ? 4 : 3, extra, 2)], max_col_id: gap ? 4 : 3 });
  const p = planColumnLayout(info);
  if (!p.reproducible) throw new Error(p.reason);
  return { db, table: name, statements: p.statements };
}

describe('layoutCopies', () => {
  it('makes later tables of one database sharing a layout with gaps copies of the first; plain CREATEs, other layouts and other databases are not', () => {
    const tables = [
      planned('s', 'plain', false), // CREATE only: nothing to save
      planned('s', 't0'),
      planned('s', 't1'),
      planned('s', 'other', true, 'e'), // another column name: another layout
      planned('s2', 't2'), // another database: its own template
      planned('s', 't3'),
      planned('s2', 't4'),
      planned('s', 'plain2', false),
    ];
    expect(tables[1]!.statements[1]).toBe('ALTER TABLE `t0` DROP COLUMN `__brflow_col_3`');
    expect([...layoutCopies(tables, tables.map((_, i) => i))]).toEqual([[2, 1], [5, 1], [6, 4]]);
    // Only the candidates (the tables to be created) count: an existing table is never a template.
    expect([...layoutCopies(tables, [2, 3, 5])]).toEqual([[5, 2]]);
  });

  it('leaves out a table whose statements do not all start with its own name (qualified, IF NOT EXISTS)', () => {
    const a = planned('s', 't0');
    const qualified = { ...planned('s', 't1'), statements: planned('s', 't1').statements.map((x) => x.replace('ALTER TABLE `t1`', 'ALTER TABLE `s`.`t1`')) };
    const ifNotExists = { ...planned('s', 't2'), statements: planned('s', 't2').statements.map((x) => x.replace('CREATE TABLE', 'CREATE TABLE IF NOT EXISTS')) };
    expect(layoutCopies([a, qualified, ifNotExists], [0, 1, 2]).size).toBe(0);
  });

  it('writes the copy unqualified, names quoted', () => {
    expect(createLikeSql('a`b', 't 0')).toBe('CREATE TABLE `a``b` LIKE `t 0`');
  });
});
