import { quoteIdent } from './create-sql';
import { BrflowError, ErrorType } from './error-types';
import type { TableInfo } from './table-info';

/** TiDB model.ViewInfo as its JSON names it (the TableInfo `view` field). */
export interface ViewInfo {
  /** 0 UNDEFINED, 1 MERGE, 2 TEMPTABLE (model.ViewAlgorithm). */
  view_algorithm: number;
  view_definer: { Username: string; Hostname: string; CurrentUser?: boolean; AuthUsername?: string; AuthHostname?: string } | null;
  /** 0 DEFINER, 1 INVOKER (model.ViewSQLSecurity). */
  view_security: number;
  /** The SELECT as TiDB restored it: every table named `db`.`table`. */
  view_select: string;
  /** 0 LOCAL, 1 CASCADED (model.ViewCheckOption); TiDB records CASCADED for a view made without a check option too. */
  view_checkoption: number;
  /** Null in v8.5: the column names live in the TableInfo's `cols`. */
  view_cols: { O: string; L: string }[] | null;
}

const ALGORITHM = ['UNDEFINED', 'MERGE', 'TEMPTABLE'];
const SECURITY = ['DEFINER', 'INVOKER'];
const CHECK_OPTION_LOCAL = 0;

/** The TableInfo's view, or undefined for a table or sequence. */
export function viewOf(t: TableInfo): ViewInfo | undefined {
  const v = t.view;
  return typeof v === 'object' && v !== null ? (v as ViewInfo) : undefined;
}

function requireView(t: TableInfo): ViewInfo {
  const v = viewOf(t);
  if (!v) throw new BrflowError(ErrorType.Internal, `${t.name.O} is not a view`);
  return v;
}

/**
 * CREATE VIEW as TiDB's SHOW CREATE VIEW prints it (executor/show.go fetchShowCreateTable4View): algorithm,
 * definer (its authenticated identity when TiDB recorded one), SQL security, the column list from the view's
 * columns, and the stored SELECT. SHOW CREATE VIEW leaves the check option out; it is appended here when it is
 * LOCAL. CASCADED is also what TiDB records for a view created without any check option, so appending nothing
 * restores exactly the value the backup holds in both cases, and stays valid for views that cannot be updated.
 */
export function createViewSql(t: TableInfo): string {
  const v = requireView(t);
  const algorithm = ALGORITHM[v.view_algorithm];
  const security = SECURITY[v.view_security];
  if (algorithm === undefined || security === undefined || typeof v.view_select !== 'string' || v.view_select === '') {
    throw new BrflowError(ErrorType.BackupMetaCorrupt, `view ${t.name.O} has algorithm ${v.view_algorithm}, SQL security ${v.view_security} and a ${typeof v.view_select} SELECT; the backup's schema is damaged, take a new backup`);
  }
  const d = v.view_definer;
  const [user, host] = d && d.AuthUsername && d.AuthHostname ? [d.AuthUsername, d.AuthHostname] : [d?.Username ?? '', d?.Hostname ?? ''];
  const cols = [...t.cols].sort((a, b) => a.offset - b.offset).map((c) => quoteIdent(c.name.O));
  let sql = `CREATE ALGORITHM=${algorithm} DEFINER=${quoteIdent(user)}@${quoteIdent(host)} SQL SECURITY ${security} VIEW ${quoteIdent(t.name.O)} (${cols.join(', ')}) AS ${v.view_select}`;
  if (v.view_checkoption === CHECK_OPTION_LOCAL) sql += ' WITH LOCAL CHECK OPTION';
  return sql;
}

/**
 * Where each FROM of a SELECT begins in `text` (string literals already blanked): a FROM whose enclosing
 * parentheses hold a SELECT before it, not the FROM inside EXTRACT(YEAR FROM …), TRIM(… FROM …) or the like.
 */
function selectFromPositions(text: string): Set<number> {
  const out = new Set<number>();
  const opens: number[] = [];
  const word = /[A-Za-z0-9_$]/;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '`') {
      // Skip the identifier (a doubled backquote stays inside it).
      for (i++; i < text.length; i++) if (text[i] === '`' && text[++i] !== '`') break;
      i--;
    } else if (ch === '(') opens.push(i);
    else if (ch === ')') opens.pop();
    else if ((ch === 'F' || ch === 'f') && text.slice(i, i + 4).toUpperCase() === 'FROM' && !word.test(text[i - 1] ?? ' ') && !word.test(text[i + 4] ?? ' ')) {
      const segment = text.slice((opens.at(-1) ?? -1) + 1, i).replace(/`(?:[^`]|``)*`/g, '``');
      if (/\bSELECT\b/i.test(segment)) out.add(i);
    }
  }
  return out;
}

/**
 * The tables and views a view's stored SELECT reads, as `db`.`name` pairs lower-cased (names are matched
 * case-insensitively, as TiDB does by default). TiDB writes every table reference of a stored view fully
 * qualified, right after a SELECT's FROM or a JOIN (a comma join is restored as JOIN), possibly behind opening
 * parentheses; a pair elsewhere is a column (`alias`.`col`), and a pair followed by a third part is
 * `db`.`table`.`col`. String literals are removed first, so a backquote inside one cannot pair up identifiers.
 * One place for what a view reads: the creation order (orderViews) and the restore's check that what it reads
 * exists (planViewsAndSequences, the pre-check) both use it. Each pair is listed once, in order of appearance.
 */
export function viewReferences(select: string): { db: string; name: string }[] {
  const text = select.replace(/'(?:[^'\\]|\\.|'')*'/g, "''");
  const froms = selectFromPositions(text);
  const out: { db: string; name: string }[] = [];
  const seen = new Set<string>();
  const ident = /`((?:[^`]|``)+)`\s*\.\s*`((?:[^`]|``)+)`(\s*\.)?/g;
  for (let m = ident.exec(text); m !== null; m = ident.exec(text)) {
    if (m[3] !== undefined) continue;
    const start = Math.max(0, m.index - 64);
    const before = /\b(FROM|JOIN)\s*(?:\(\s*)*$/i.exec(text.slice(start, m.index));
    if (!before || (before[1]!.toUpperCase() === 'FROM' && !froms.has(start + before.index))) continue;
    const ref = { db: m[1]!.replace(/``/g, '`').toLowerCase(), name: m[2]!.replace(/``/g, '`').toLowerCase() };
    const key = `${ref.db}\u0000${ref.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(ref);
  }
  return out;
}

/** A view to order: where it lives, its backup table ID (the tie-break) and its stored SELECT. */
export interface ViewToOrder {
  db: string;
  name: string;
  oldId: number;
  select: string;
}

/**
 * Views in an order in which each comes after every other view it reads (a view over a view), ties broken by
 * backup table ID, i.e. creation order (BR creates views in ID order). TiDB refuses cyclic views, so a cycle
 * means a damaged backup; its views still come out, in ID order, and creating them will name what is missing.
 */
export function orderViews<T extends ViewToOrder>(views: readonly T[]): T[] {
  const key = (db: string, name: string) => `${db.toLowerCase()}\u0000${name.toLowerCase()}`;
  const byKey = new Map(views.map((v) => [key(v.db, v.name), v]));
  const deps = new Map<T, Set<T>>();
  for (const v of views) {
    const on = new Set<T>();
    for (const r of viewReferences(v.select)) {
      const d = byKey.get(key(r.db, r.name));
      if (d && d !== v) on.add(d);
    }
    deps.set(v, on);
  }
  const byId = [...views].sort((a, b) => a.oldId - b.oldId || (a.db < b.db ? -1 : a.db > b.db ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const rank = new Map(byId.map((v, i) => [v, i]));
  const out: T[] = [];
  const seen = new Set<T>();
  // Depth first in ID order: a view's dependencies are placed (in ID order) just before it.
  const visit = (v: T): void => {
    if (seen.has(v)) return;
    seen.add(v);
    for (const d of [...deps.get(v)!].sort((a, b) => rank.get(a)! - rank.get(b)!)) visit(d);
    out.push(v);
  };
  for (const v of byId) visit(v);
  return out;
}
