import { quoteIdent } from './create-sql';

/**
 * Tables of one createTables call that can be made as `CREATE TABLE copy LIKE template` instead of their own
 * CREATE + ALTERs.
 *
 * Why: a table whose column IDs have gaps needs ALTERs after its CREATE (column-ids.ts), and each ALTER is a DDL
 * job of four schema states: ~30–45 ms of TiDB CPU against ~8–10 ms for a CREATE (v8.5.3, unistore). TiDB's
 * CREATE TABLE … LIKE clones the template's TableInfo, column IDs, max_col_id and index IDs included, and gives
 * it new table/partition IDs (measured: a copy of a table whose column 5 was dropped has IDs 1–4 and 6, max 6, at
 * ~9–11 ms of TiDB CPU per copy, and the copies are merged like CREATEs). Backups of sharded schemas hold many
 * tables of one layout, so each layout's ALTERs run once.
 *
 * A copy must come out as its own statements would make it, so only tables whose statements are the same text
 * but for their own name (and only where that name heads each statement) share a template, and only within one
 * database (a table without its own charset or placement inherits the database's). The template is copied once
 * its statements all ran and before anything else touches it (auto ID rebases, constraints, placement, which
 * every table then gets on its own); the created table's column IDs are checked afterwards as for any other.
 */
export interface LayoutStatements {
  db: string;
  table: string;
  statements: readonly string[];
}

/**
 * For the tables at `candidates` (indexes into `tables`; those to be created): copy index → template index, for
 * every table with statements after its CREATE whose layout an earlier candidate of its database shares. The
 * template is the first such candidate; it is never a copy itself.
 */
export function layoutCopies(tables: readonly LayoutStatements[], candidates: readonly number[]): Map<number, number> {
  const templates = new Map<string, number>();
  const copies = new Map<number, number>();
  for (const i of candidates) {
    const key = layoutKey(tables[i]!);
    if (key === undefined) continue;
    const template = templates.get(key);
    if (template === undefined) templates.set(key, i);
    else copies.set(i, template);
  }
  return copies;
}

/** `CREATE TABLE copy LIKE template`, both unqualified: it runs with their database as the current one. */
export function createLikeSql(copy: string, template: string): string {
  return `CREATE TABLE ${quoteIdent(copy)} LIKE ${quoteIdent(template)}`;
}

/**
 * The database and the statements with the table's own name taken out, or undefined when the table is a plain
 * CREATE (nothing to save) or its name does not head every statement.
 */
function layoutKey(t: LayoutStatements): string | undefined {
  if (t.statements.length < 2) return undefined;
  const name = quoteIdent(t.table);
  const heads = [`CREATE TABLE ${name} `, `ALTER TABLE ${name} `];
  const rest: string[] = [];
  for (const [n, sql] of t.statements.entries()) {
    const head = heads[n === 0 ? 0 : 1]!;
    if (!sql.startsWith(head)) return undefined;
    rest.push(sql.slice(head.length));
  }
  return JSON.stringify([t.db, ...rest]);
}
