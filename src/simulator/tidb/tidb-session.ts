import { createTableSql } from '../../plan/create-sql';
import { isDdl, type Catalog } from './catalog';
import { charsetOfCollation } from './field-type';
import { isInfoSchemaTable, selectInfoSchema, selectRows, type ResultSet } from './info-schema';
import { MYSQL_TIDB_COLUMNS, mysqlTidbRows } from './mysql-tidb-rows';
import type { SelectItem, SelectStmt, Statement } from './sql-ast';
import { SqlError } from './sql-error';
import { parseStatement, parseVariableName } from './sql-parser';

/** What one statement answers: an OK packet or a result set. */
export type StatementResult = { kind: 'ok'; affectedRows: number } | ({ kind: 'rows' } & ResultSet);

/** The TiDB release this front claims to be (what `SELECT tidb_version()` and the handshake report): the real one it is checked against (test/integration/conformance). */
export const SIMULATED_TIDB_RELEASE = 'v8.5.3';
export const SIMULATED_SERVER_VERSION = `8.0.11-TiDB-${SIMULATED_TIDB_RELEASE}`;

/** Global system variables shared by every session of one front. */
export function defaultGlobalVariables(catalog: Catalog): Map<string, string> {
  return new Map<string, string>([
    ['version', SIMULATED_SERVER_VERSION],
    ['version_comment', `TiDB Server (Apache License 2.0) Community Edition, MySQL 8.0 compatible (brflow simulator)`],
    ['tidb_enable_clustered_index', catalog.clusteredIndexDefault],
    ['sql_mode', 'ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION'],
    ['autocommit', '1'],
    ['max_allowed_packet', '67108864'],
    ['character_set_client', 'utf8mb4'],
    ['character_set_connection', 'utf8mb4'],
    ['character_set_results', 'utf8mb4'],
    ['character_set_server', 'utf8mb4'],
    ['collation_connection', 'utf8mb4_bin'],
    ['collation_server', 'utf8mb4_bin'],
    ['time_zone', 'SYSTEM'],
    ['lower_case_table_names', '2'],
    ['tidb_row_format_version', '2'],
    ['tidb_ddl_reorg_worker_cnt', '4'],
    // v8.5 turns fast CREATE TABLE on by default; SELECT @@… shows a boolean as 1/0.
    ['tidb_enable_fast_create_table', '1'],
    ['max_execution_time', '0'],
    ['wait_timeout', '28800'],
    // v8.5 defaults: CHECK constraints parsed and ignored; foreign keys checked.
    ['tidb_enable_check_constraint', '0'],
    ['foreign_key_checks', '1'],
  ]);
}

/** Variables TiDB v8.5.3 answers as text in SELECT @@… although their value is a number. */
const TEXT_VALUED_VARIABLES = new Set(['lower_case_table_names']);

/**
 * One client connection's view: its current database and session variables. Statements go to the shared
 * catalog; DDL runs one at a time there (TiDB serialises DDL through its owner).
 */
export class TidbSession {
  currentDb: string | undefined;
  private readonly sessionVars = new Map<string, string>();
  private readonly userVars = new Map<string, string>();

  constructor(
    private readonly catalog: Catalog,
    private readonly globals: Map<string, string>,
    database?: string,
    /** The connected account, which a CREATE VIEW records as its definer. */
    private readonly client: { user: string; host: string } = { user: 'root', host: '127.0.0.1' },
  ) {
    if (database) this.use(database);
  }

  use(db: string): void {
    const info = this.catalog.database(db);
    if (!info) throw SqlError.unknownDatabase(db);
    this.currentDb = info.db_name.O;
  }

  execute(sql: string): StatementResult {
    return this.executeParsed(parseStatement(sql), sql);
  }

  executeParsed(stmt: Statement, sql: string): StatementResult {
    if (isDdl(stmt)) {
      const collation = this.sessionVars.get('collation_connection') ?? this.globals.get('collation_connection') ?? 'utf8mb4_bin';
      const fkChecks = (this.sessionVars.get('foreign_key_checks') ?? this.globals.get('foreign_key_checks') ?? '1').toUpperCase();
      const foreignKeyChecks = !(fkChecks === '0' || fkChecks === 'OFF' || fkChecks === 'FALSE');
      this.catalog.executeDdl(stmt, sql, this.currentDb, { ...this.client, charset: charsetOfCollation(collation), collation, foreignKeyChecks });
      return { kind: 'ok', affectedRows: 0 };
    }
    switch (stmt.kind) {
      case 'use':
        this.use(stmt.db);
        return { kind: 'ok', affectedRows: 0 };
      case 'set':
        for (const a of stmt.assignments) {
          if (a.scope === 'user') this.userVars.set(a.name, a.value);
          else if (a.scope === 'global') this.globals.set(a.name, a.value);
          else this.sessionVars.set(a.name, a.value);
        }
        return { kind: 'ok', affectedRows: 0 };
      case 'select':
        return { kind: 'rows', ...this.select(stmt.select) };
      case 'replace-select': {
        const resolve = (n: { db?: string; name: string }) => {
          const db = n.db ?? this.currentDb;
          if (db === undefined) throw SqlError.noDatabaseSelected();
          return { db, name: n.name };
        };
        this.catalog.replaceSelect(resolve(stmt.target), resolve(stmt.source));
        return { kind: 'ok', affectedRows: 0 };
      }
      case 'show-databases':
        return { kind: 'rows', columns: [{ name: 'Database', type: 'string' }], rows: [['INFORMATION_SCHEMA'], ...this.catalog.databases().map((d) => [d.db_name.O])] };
      case 'show-tables': {
        const db = stmt.db ?? this.currentDb;
        if (db === undefined) throw SqlError.noDatabaseSelected();
        const info = this.catalog.database(db);
        if (!info) throw SqlError.unknownDatabase(db);
        return { kind: 'rows', columns: [{ name: `Tables_in_${info.db_name.O}`, type: 'string' }], rows: this.catalog.tables(db).map((t) => [t.name.O]) };
      }
      case 'show-create-table': {
        const db = stmt.table.db ?? this.currentDb;
        if (db === undefined) throw SqlError.noDatabaseSelected();
        if (!this.catalog.database(db)) throw SqlError.unknownDatabase(db);
        const t = this.catalog.table(db, stmt.table.name);
        if (!t) throw SqlError.noSuchTable(db, stmt.table.name);
        // The same renderer brflow sends DDL with, so a round trip through the front is a check of both.
        const sql = createTableSql(t, { autoIncrement: t.auto_inc_id, partitionText: 'as-shown' });
        return { kind: 'rows', columns: [{ name: 'Table', type: 'string' }, { name: 'Create Table', type: 'string' }], rows: [[t.name.O, sql]] };
      }
      case 'begin':
      case 'commit':
      case 'rollback':
        return { kind: 'ok', affectedRows: 0 };
    }
    throw SqlError.syntax(sql, 0);
  }

  private select(s: SelectStmt): ResultSet {
    if (s.from) {
      const db = s.from.db ?? this.currentDb;
      if (db?.toLowerCase() === 'information_schema' && isInfoSchemaTable(s.from.name)) return selectInfoSchema(this.catalog, s);
      if (db === undefined) throw SqlError.noDatabaseSelected();
      // A missing table (also in a missing database) is 1146, as TiDB answers it.
      if (!this.catalog.table(db, s.from.name)) throw SqlError.noSuchTable(db, s.from.name);
      if (db.toLowerCase() === 'mysql' && s.from.name.toLowerCase() === 'tidb') return selectRows(MYSQL_TIDB_COLUMNS, mysqlTidbRows(this.catalog.newCollationEnabled), s, 'mysql.tidb');
      // User tables hold no rows in the simulator; say so rather than answer an empty, misleading result.
      throw SqlError.unsupported(`SELECT from ${db}.${s.from.name} (the simulated TiDB keeps no rows)`);
    }
    const columns: ResultSet['columns'] = [];
    const row: (string | number | null)[] = [];
    for (const item of s.items) {
      const { value, type } = this.scalar(item);
      columns.push({ name: item.kind === 'star' ? '*' : (item.alias ?? (item.kind === 'column' ? item.name : item.text)), type });
      row.push(value);
    }
    return { columns, rows: [row] };
  }

  private scalar(item: SelectItem): { value: string | number | null; type: 'int' | 'string' } {
    switch (item.kind) {
      case 'function':
        switch (item.name) {
          case 'tidb_version':
            return {
              type: 'string',
              value: `Release Version: ${SIMULATED_TIDB_RELEASE}\nEdition: Community\nGit Commit Hash: brflow-simulator\nGit Branch: heads/refs/tags/${SIMULATED_TIDB_RELEASE}\nUTC Build Time: 2023-12-01 00:00:00\nGoVersion: go1.21.4\nRace Enabled: false\nCheck Table Before Drop: false\nStore: tikv`,
            };
          case 'version':
            return { type: 'string', value: this.variable('version', 'session') };
          case 'database':
          case 'schema':
            return { type: 'string', value: this.currentDb ?? null };
          case 'connection_id':
            return { type: 'int', value: 1 };
          case 'nextval':
          case 'setval': {
            const call = sequenceCall(item.text);
            const db = call.db ?? this.currentDb;
            if (db === undefined) throw SqlError.noDatabaseSelected();
            if (item.name === 'nextval') return { type: 'int', value: this.catalog.nextval(db, call.name).toString() };
            if (call.value === undefined) throw SqlError.syntax(item.text, 0);
            return { type: 'int', value: this.catalog.setval(db, call.name, call.value)?.toString() ?? null };
          }
          default:
            throw SqlError.unsupported(`function ${item.name}() in the simulated TiDB front`);
        }
      case 'variable': {
        const v = parseVariableName(item.name);
        if (v.scope === 'user') return { type: 'string', value: this.userVars.get(v.name) ?? null };
        const value = this.variable(v.name, v.scope);
        return { type: /^-?\d+$/.test(value) && !TEXT_VALUED_VARIABLES.has(v.name) ? 'int' : 'string', value };
      }
      case 'literal':
        return { type: item.value !== null && /^-?\d+$/.test(item.value) ? 'int' : 'string', value: item.value };
      default:
        throw SqlError.unsupported('SELECT without FROM of columns');
    }
  }

  private variable(name: string, scope: 'session' | 'global'): string {
    const v = (scope === 'session' ? this.sessionVars.get(name) : undefined) ?? this.globals.get(name);
    if (v === undefined) throw SqlError.unknownSystemVariable(name);
    return v;
  }
}

/** The arguments of `NEXTVAL([db.]seq)` / `SETVAL([db.]seq, n)` as written. */
function sequenceCall(text: string): { db?: string; name: string; value?: bigint } {
  const ident = '(`(?:[^`]|``)+`|[\\w$]+)';
  const m = new RegExp(`^\\w+\\(\\s*${ident}(?:\\s*\\.\\s*${ident})?\\s*(?:,\\s*(-?\\d+)\\s*)?\\)$`).exec(text.trim());
  if (!m) throw SqlError.syntax(text, 0);
  const unquote = (v: string) => (v.startsWith('`') ? v.slice(1, -1).replace(/``/g, '`') : v);
  const value = m[3] === undefined ? {} : { value: BigInt(m[3]) };
  return m[2] === undefined ? { name: unquote(m[1]!), ...value } : { db: unquote(m[1]!), name: unquote(m[2]), ...value };
}
