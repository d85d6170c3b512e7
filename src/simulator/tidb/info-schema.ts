import type { DBInfo, TableInfo } from '../../plan/table-info';
import type { Catalog } from './catalog';
import type { Condition, SelectStmt } from './sql-ast';
import { SqlError } from './sql-error';
import { isPrimaryIndex, isUniqueIndex } from './table-builder';

/** A result set: typed columns and rows of text-protocol values. */
export interface ResultSet {
  columns: { name: string; type: 'int' | 'string' }[];
  rows: (string | number | null)[][];
}

export type Row = Record<string, string | number | null>;

export interface MemTable {
  columns: { name: string; type: 'int' | 'string' }[];
  /** Every row, or at least every row of the databases and tables `scope` allows (the WHERE filters the rest). */
  rows: (c: Catalog, scope: Scope) => Row[];
}

/**
 * The databases and tables (lower-case names; undefined = any) a SELECT's WHERE can match at all, from its
 * `TABLE_SCHEMA` / `TABLE_NAME` `=` and `IN` conditions. brflow reads table IDs a group of tables at a time; building
 * and copying every table of the catalog for each such read made its cost grow with all the tables created so far.
 */
export interface Scope {
  dbs?: ReadonlySet<string>;
  tables?: ReadonlySet<string>;
}

function scopeOf(stmt: SelectStmt): Scope {
  // The WHERE is a conjunction: a row must satisfy every condition on the column, so the sets intersect.
  const allowed = (column: string): Set<string> | undefined => {
    let out: Set<string> | undefined;
    for (const c of stmt.where) {
      if (c.column.toLowerCase() !== column || (c.op !== '=' && c.op !== 'in')) continue;
      const vs = new Set((c.op === '=' ? c.values.slice(0, 1) : c.values).map((v) => v.toLowerCase()));
      out = out ? new Set([...out].filter((v) => vs.has(v))) : vs;
    }
    return out;
  };
  const dbs = allowed('table_schema');
  const tables = allowed('table_name');
  return { ...(dbs ? { dbs } : {}), ...(tables ? { tables } : {}) };
}

/** The databases and their tables `scope` allows, in catalog order, copied only when allowed. */
function scopedTables(c: Catalog, scope: Scope): { d: DBInfo; tables: TableInfo[] }[] {
  const keep = scope.tables && ((name: string) => scope.tables!.has(name));
  return c.databases()
    .filter((d) => !scope.dbs || scope.dbs.has(d.db_name.L))
    .map((d) => ({ d, tables: c.tables(d.db_name.O, keep) }));
}

const str = (name: string) => ({ name, type: 'string' as const });
const int = (name: string) => ({ name, type: 'int' as const });

function pkType(t: TableInfo): string {
  return t.pk_is_handle || t.is_common_handle ? 'CLUSTERED' : 'NONCLUSTERED';
}

/**
 * The information_schema memtables brflow reads, with TiDB's column names: TABLES (TIDB_TABLE_ID), TIDB_INDEXES
 * (INDEX_ID; the integer handle key shows as PRIMARY with INDEX_ID 0, as TiDB lists it), PARTITIONS
 * (TIDB_PARTITION_ID; a table without partitions has one row with NULL partition columns), TIFLASH_REPLICA (one
 * row per table with a replica; AVAILABLE stays 0: the simulator has no TiFlash data), SCHEMATA and
 * PLACEMENT_POLICIES (id, catalog, name).
 */
const MEMTABLES: Record<string, MemTable> = {
  schemata: {
    columns: [str('CATALOG_NAME'), str('SCHEMA_NAME'), str('DEFAULT_CHARACTER_SET_NAME'), str('DEFAULT_COLLATION_NAME'), str('SQL_PATH')],
    rows: (c) =>
      [{ id: 0, name: 'INFORMATION_SCHEMA', charset: 'utf8mb4', collate: 'utf8mb4_bin' }, ...c.databases().map((d) => ({ id: d.id, name: d.db_name.O, charset: d.charset, collate: d.collate }))].map((d) => ({
        CATALOG_NAME: 'def',
        SCHEMA_NAME: d.name,
        DEFAULT_CHARACTER_SET_NAME: d.charset,
        DEFAULT_COLLATION_NAME: d.collate,
        SQL_PATH: null,
      })),
  },
  tables: {
    columns: [
      str('TABLE_CATALOG'), str('TABLE_SCHEMA'), str('TABLE_NAME'), str('TABLE_TYPE'), str('ENGINE'), int('AUTO_INCREMENT'),
      str('TABLE_COLLATION'), str('TABLE_COMMENT'), int('TIDB_TABLE_ID'), str('TIDB_PK_TYPE'),
    ],
    rows: (c, scope) =>
      scopedTables(c, scope).flatMap(({ d, tables }) =>
        tables.map((t) => ({
          TABLE_CATALOG: 'def',
          TABLE_SCHEMA: d.db_name.O,
          TABLE_NAME: t.name.O,
          TABLE_TYPE: t.sequence ? 'SEQUENCE' : t.view ? 'VIEW' : 'BASE TABLE',
          ENGINE: 'InnoDB',
          AUTO_INCREMENT: t.auto_inc_id,
          TABLE_COLLATION: t.collate,
          TABLE_COMMENT: t.comment,
          TIDB_TABLE_ID: t.id,
          TIDB_PK_TYPE: pkType(t),
        })),
      ),
  },
  // v8.5 lists every policy here (SHOW PLACEMENT only those in use); the columns brflow reads, TiDB's names.
  placement_policies: {
    columns: [int('POLICY_ID'), str('CATALOG_NAME'), str('POLICY_NAME')],
    rows: (c) => c.placementPolicies.all().map((p) => ({ POLICY_ID: p.id, CATALOG_NAME: 'def', POLICY_NAME: p.name.O })),
  },
  tidb_indexes: {
    columns: [
      str('TABLE_SCHEMA'), str('TABLE_NAME'), int('NON_UNIQUE'), str('KEY_NAME'), int('SEQ_IN_INDEX'), str('COLUMN_NAME'),
      int('SUB_PART'), str('INDEX_COMMENT'), str('Expression'), int('INDEX_ID'), str('IS_VISIBLE'), str('CLUSTERED'),
    ],
    rows: (c, scope) =>
      scopedTables(c, scope).flatMap(({ d, tables }) =>
        tables.flatMap((t) => {
          const rows: Row[] = [];
          const base = { TABLE_SCHEMA: d.db_name.O, TABLE_NAME: t.name.O };
          if (t.pk_is_handle) {
            const pk = t.cols.find((col) => (col.type.Flag & 2) !== 0);
            rows.push({ ...base, NON_UNIQUE: 0, KEY_NAME: 'PRIMARY', SEQ_IN_INDEX: 1, COLUMN_NAME: pk?.name.O ?? null, SUB_PART: null, INDEX_COMMENT: '', Expression: null, INDEX_ID: 0, IS_VISIBLE: 'YES', CLUSTERED: 'YES' });
          }
          for (const idx of t.index_info ?? []) {
            idx.idx_cols.forEach((ic, k) => {
              // An expression part: v8.5.3 lists the text "NULL" as its column and the expression.
              const hidden = t.cols.find((col) => col.name.L === ic.name.L && col.hidden);
              rows.push({
                ...base,
                NON_UNIQUE: isUniqueIndex(idx) ? 0 : 1,
                KEY_NAME: idx.idx_name.O,
                SEQ_IN_INDEX: k + 1,
                COLUMN_NAME: hidden ? 'NULL' : ic.name.O,
                SUB_PART: ic.length > 0 ? ic.length : null,
                INDEX_COMMENT: idx.comment ?? '',
                Expression: hidden ? (hidden.generated_expr_string ?? null) : null,
                INDEX_ID: idx.id,
                IS_VISIBLE: (idx as { is_invisible?: boolean }).is_invisible ? 'NO' : 'YES',
                CLUSTERED: isPrimaryIndex(idx) && t.is_common_handle ? 'YES' : 'NO',
              });
            });
          }
          return rows;
        }),
      ),
  },
  tiflash_replica: {
    columns: [str('TABLE_SCHEMA'), str('TABLE_NAME'), int('TABLE_ID'), int('REPLICA_COUNT'), str('LOCATION_LABELS'), int('AVAILABLE'), str('PROGRESS')],
    rows: (c, scope) =>
      scopedTables(c, scope).flatMap(({ d, tables }) =>
        tables.flatMap((t): Row[] => {
          const r = t.tiflash_replica;
          if (!r || !(r.Count > 0)) return [];
          return [{
            TABLE_SCHEMA: d.db_name.O,
            TABLE_NAME: t.name.O,
            TABLE_ID: t.id,
            REPLICA_COUNT: r.Count,
            LOCATION_LABELS: (r.LocationLabels ?? []).join(','),
            AVAILABLE: r.Available ? 1 : 0,
            PROGRESS: r.Available ? '1' : '0',
          }];
        }),
      ),
  },
  partitions: {
    columns: [
      str('TABLE_CATALOG'), str('TABLE_SCHEMA'), str('TABLE_NAME'), str('PARTITION_NAME'), int('PARTITION_ORDINAL_POSITION'),
      str('PARTITION_METHOD'), str('PARTITION_EXPRESSION'), str('PARTITION_DESCRIPTION'), int('TIDB_PARTITION_ID'),
    ],
    rows: (c, scope) =>
      scopedTables(c, scope).flatMap(({ d, tables }) =>
        tables.flatMap((t): Row[] => {
          const base = { TABLE_CATALOG: 'def', TABLE_SCHEMA: d.db_name.O, TABLE_NAME: t.name.O };
          const p = t.partition;
          if (!p) return [{ ...base, PARTITION_NAME: null, PARTITION_ORDINAL_POSITION: null, PARTITION_METHOD: null, PARTITION_EXPRESSION: null, PARTITION_DESCRIPTION: null, TIDB_PARTITION_ID: null }];
          const method = { 1: 'RANGE', 2: 'HASH', 3: 'LIST', 4: 'KEY' }[p.type as 1] ?? 'UNKNOWN';
          const columnsSuffix = p.columns && p.type !== 4 ? ' COLUMNS' : '';
          return p.definitions.map((def, k) => ({
            ...base,
            PARTITION_NAME: def.name.O,
            PARTITION_ORDINAL_POSITION: k + 1,
            PARTITION_METHOD: method + columnsSuffix,
            PARTITION_EXPRESSION: p.columns ? p.columns.map((x) => `\`${x.O}\``).join(',') : p.expr,
            PARTITION_DESCRIPTION: def.less_than ? def.less_than.join(',') : def.in_values ? def.in_values.map((v) => v.join(',')).join(',') : '',
            TIDB_PARTITION_ID: def.id,
          }));
        }),
      ),
  },
};

/** Whether `name` (lower-case) is a memtable this front serves. */
export function isInfoSchemaTable(name: string): boolean {
  return Object.hasOwn(MEMTABLES, name.toLowerCase());
}

/** Answers a SELECT over one information_schema memtable: projection, WHERE conjunction, ORDER BY, LIMIT. */
export function selectInfoSchema(c: Catalog, stmt: SelectStmt): ResultSet {
  const tableName = stmt.from?.name.toLowerCase() ?? '';
  const mt = MEMTABLES[tableName];
  if (!mt) throw SqlError.noSuchTable('information_schema', stmt.from?.name ?? '');
  return selectRows(mt.columns, mt.rows(c, scopeOf(stmt)), stmt, 'information_schema');
}

/** A SELECT (columns, WHERE, ORDER BY, LIMIT) over in-memory rows: information_schema and the system rows. */
export function selectRows(columns: MemTable['columns'], all: Row[], stmt: SelectStmt, source: string): ResultSet {
  const mt = { columns };
  const colOf = (name: string): { name: string; type: 'int' | 'string' } => {
    const col = mt.columns.find((x) => x.name.toLowerCase() === name.toLowerCase());
    if (!col) throw SqlError.unknownColumn(name, 'field list');
    return col;
  };
  let rows = all.filter((r) => stmt.where.every((cond) => matches(r[colOf(cond.column).name] ?? null, cond)));
  const aliasOf = (name: string): string => {
    const item = stmt.items.find((i) => i.kind === 'column' && i.alias?.toLowerCase() === name.toLowerCase());
    return item?.kind === 'column' ? item.name : name;
  };
  for (const o of [...stmt.orderBy].reverse()) {
    const key = colOf(aliasOf(o.column)).name;
    rows = [...rows].sort((a, b) => compare(a[key] ?? null, b[key] ?? null) * (o.desc ? -1 : 1));
  }
  if (stmt.limit !== undefined) rows = rows.slice(0, stmt.limit);
  const out: ResultSet['columns'] = [];
  const keys: string[] = [];
  for (const item of stmt.items) {
    if (item.kind === 'star') {
      for (const col of mt.columns) {
        out.push(col);
        keys.push(col.name);
      }
    } else if (item.kind === 'column') {
      const col = colOf(item.name);
      out.push({ name: item.alias ?? item.name, type: col.type });
      keys.push(col.name);
    } else {
      throw SqlError.unsupported(`${item.text} in a SELECT from ${source}`);
    }
  }
  return { columns: out, rows: rows.map((r) => keys.map((k) => r[k] ?? null)) };
}

function compare(a: string | number | null, b: string | number | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : 1;
}

/** MySQL string comparison under the default *_bin-insensitive rules of information_schema (case-insensitive). */
function matches(v: string | number | null, cond: Condition): boolean {
  const eq = (x: string): boolean => v !== null && String(v).toLowerCase() === x.toLowerCase();
  switch (cond.op) {
    case '=':
      return eq(cond.values[0] ?? '');
    case '!=':
      return v !== null && !eq(cond.values[0] ?? '');
    case 'in':
      return cond.values.some(eq);
    case 'like': {
      const pattern = (cond.values[0] ?? '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.');
      return v !== null && new RegExp(`^${pattern}$`, 'i').test(String(v));
    }
    case 'is-null':
      return v === null;
    case 'is-not-null':
      return v !== null;
  }
}
