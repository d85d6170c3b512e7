import { createConnection, format, type Connection } from 'mysql2/promise';
import type { DdlJob } from '../backup/manifest';
import type { ExistingTable } from '../plan/clustered-index-check';
import { createLikeSql, layoutCopies } from '../plan/layout-copies';
import { mergePlaceholderDrops } from '../plan/placeholder-drops';
import { BrflowError, ErrorType } from '../plan/error-types';
import type { TableInfo } from '../plan/table-info';
import { publicIndexes } from '../plan/table-info-read';
import type { RetryPolicy } from './backoff';
import { checkColumnIds, columnIdProblems, handleLayout } from './tidb-column-ids';
import { TIDB_DEFAULT_SESSIONS, type TidbConnectionConfig } from './tidb-config';
import { classifyMysqlError, mysqlErrno } from './tidb-errors';
import { TidbSessionPool, TidbError, quoteId, statementFailure, type TidbSession } from './tidb-sessions';
import { TidbStatusApi } from './tidb-status';
import { forEachLimited } from './for-each-limited';

export { TidbError, quoteId };

/** Deadline of one SQL statement, one status request and of connecting (BR's TiDB session has none; DDL on a big cluster takes seconds). */
export const TIDB_CALL_TIMEOUT_MS = 30_000;

/**
 * Retries of TiDB calls. BR v5.3 runs DDL once through its embedded TiDB, so there is no BR number to copy;
 * this is brflow's: 5 tries, 100 ms doubling to 2 s, applied only where a retry cannot double-apply a
 * statement (connecting, reads, and statements that are idempotent by construction).
 */
export const TIDB_SQL_RETRY: RetryPolicy = { name: 'tidbSql', attempts: 5, initialMs: 100, maxMs: 2_000 };

/** The schema BR backs `mysql` up under and restores it into first (BR utils temporaryDBNamePrefix + "mysql"). */
export const TEMPORARY_MYSQL_DB = '__TiDB_BR_Temporary_mysql';

/** System tables BR v5.3 does not restore: statistics (unsupported) and tables a restore must not overwrite. */
export const UNSUPPORTED_SYSTEM_TABLES = ['stats_buckets', 'stats_extended', 'stats_feedback', 'stats_fm_sketch', 'stats_histograms', 'stats_meta', 'stats_top_n'];
export const UNRECOVERABLE_SYSTEM_TABLES = [
  'tidb', 'global_variables', 'columns_priv', 'db', 'default_roles', 'global_grants', 'global_priv', 'role_edges',
  'tables_priv', 'user', 'gc_delete_range', 'gc_delete_range_done', 'schema_index_usage',
];

/** TiDB ActionType values of DDL jobs BR replays specially or skips (TiDB pkg/meta/model ActionType). */
const ACTION_CREATE_SCHEMA = 1;
const ACTION_DROP_SCHEMA = 2;
const ACTION_DROP_TABLE = 4;
const ACTION_DROP_VIEW = 24;
const ACTION_DROP_SEQUENCE = 36;
const ACTION_RENAME_TABLE = 14;
/** LockTable 27, UnlockTable 28, SetTiFlashReplica 30, UpdateTiFlashReplicaStatus 31: newer BR's block list. */
const SKIPPED_DDL_ACTIONS = new Set([27, 28, 30, 31]);

/** Table names per information_schema read of createTables (keeps each statement small). */
const TABLES_PER_NAME_QUERY = 1_000;

/** Databases named per information_schema read of the clustered-index pre-check (keeps each statement small). */
const HANDLE_KIND_DBS_PER_QUERY = 500;

const ER_DB_CREATE_EXISTS = 1007;
const ER_DB_DROP_EXISTS = 1008;
const ER_BAD_DB = 1049;
const ER_TABLE_EXISTS = 1050;
const ER_BAD_TABLE = 1051;
const ER_DUP_FIELDNAME = 1060;
const ER_DUP_KEYNAME = 1061;
const ER_MULTIPLE_PRI_KEY = 1068;
const ER_CANT_DROP_FIELD_OR_KEY = 1091;
const ER_NO_SUCH_TABLE = 1146;
/** A foreign key / CHECK constraint of that name exists already (an earlier try added it). */
const ER_FK_DUP_NAME = 1826;
const ER_CHECK_CONSTRAINT_DUP_NAME = 3822;
const ER_DROP_PARTITION_NON_EXISTENT = 1507;
const ER_SAME_NAME_PARTITION = 1517;

/**
 * The answer TiDB gives when a DDL job's statement runs a second time after it took effect, by ActionType
 * (TiDB pkg/meta/model): a replay that meets it counts the job as done, as BR's create-if-not-exists does.
 * A crash between running a job and recording its index (heartbeats are throttled) replays it; it must not
 * stop the restore for good. Kinds not listed are idempotent as statements (MODIFY COLUMN, SET DEFAULT,
 * TRUNCATE before any data is ingested) or fail for real.
 */
const DDL_ALREADY_APPLIED: ReadonlyMap<number, readonly number[]> = new Map([
  [1, [ER_DB_CREATE_EXISTS]], // CreateSchema
  [2, [ER_DB_DROP_EXISTS]], // DropSchema
  [3, [ER_TABLE_EXISTS]], // CreateTable
  [4, [ER_BAD_TABLE]], // DropTable
  [5, [ER_DUP_FIELDNAME]], // AddColumn
  [6, [ER_CANT_DROP_FIELD_OR_KEY]], // DropColumn
  [7, [ER_DUP_KEYNAME]], // AddIndex
  [8, [ER_CANT_DROP_FIELD_OR_KEY]], // DropIndex
  [19, [ER_SAME_NAME_PARTITION]], // AddTablePartition
  [20, [ER_DROP_PARTITION_NON_EXISTENT]], // DropTablePartition
  [21, [ER_TABLE_EXISTS]], // CreateView
  [24, [ER_BAD_TABLE]], // DropView
  [32, [ER_DUP_KEYNAME, ER_MULTIPLE_PRI_KEY]], // AddPrimaryKey
  [33, [ER_CANT_DROP_FIELD_OR_KEY]], // DropPrimaryKey
  [34, [ER_TABLE_EXISTS]], // CreateSequence
  [36, [ER_BAD_TABLE]], // DropSequence
]);

/**
 * What every session brflow opens runs first. TiDB keeps TIMESTAMP defaults in TableInfo in UTC and
 * converts the literal of a DDL statement from the session's zone; BR's sessions run in UTC, so a restored
 * default equals the backup's only in UTC (the server's default zone is SYSTEM, the host's).
 */
export const SESSION_INIT_STATEMENTS: readonly string[] = ["SET time_zone = '+00:00'"];

export interface TidbVersion {
  /** `SELECT VERSION()`, e.g. "8.0.11-TiDB-v7.5.0". */
  serverVersion: string;
  /** The release from `tidb_version()`, e.g. "v7.5.0". */
  release: string;
}

export interface TableIds {
  db: string;
  table: string;
  tableId: number;
  /** Partition name → physical table ID, in definition order. */
  partitions: { name: string; id: number }[];
  /** Index name → index ID (the integer handle key shows as PRIMARY with ID 0, as TiDB lists it). */
  indexes: { name: string; id: number }[];
}

export interface TableToCreate {
  db: string;
  table: string;
  /**
   * CREATE TABLE [IF NOT EXISTS] … first, then any statements that finish the layout (e.g. dropping the
   * placeholder columns that leave the backup's column-ID gaps). Unqualified names resolve in `db`.
   */
  statements: string[];
  /** The backup's TableInfo: the created table must carry its column IDs. */
  backup: TableInfo;
  /** Placeholder columns the statements add and then drop; lets a retry finish a half-done creation. */
  placeholderColumns?: string[];
}

export interface CreatedTable {
  /** created: by this call; existed: already there with the backup's layout; resumed: finished a half-done creation. */
  outcome: 'created' | 'existed' | 'resumed';
  /** The TableInfo TiDB holds now (new table/partition IDs, the backup's column IDs). */
  info: TableInfo;
}

export interface SystemTableRestore {
  /** `REPLACE INTO mysql.t SELECT * FROM <temp>.t` (mysql.t existed). */
  replaced: string[];
  /** `RENAME TABLE <temp>.t TO mysql.t` (mysql.t did not exist). */
  renamed: string[];
  skipped: { table: string; reason: 'unsupported' | 'unrecoverable' | 'not-in-temporary-db' }[];
}

export interface TidbClientOptions {
  /** @default TIDB_SQL_RETRY */
  retry?: RetryPolicy;
}

/**
 * brflow's TiDB client (the SQL half of BR's glue): mysql2's promise API over the text protocol (`query()`
 * only), one connection re-opened when it breaks, a deadline on every call. Credentials come from the worker
 * environment (tidb-config.ts) and appear in no message: errors name the address and the call.
 */
export class TidbClient {
  readonly address: string;
  private readonly timeoutMs: number;
  private readonly policy: RetryPolicy;
  private readonly status: TidbStatusApi;
  private readonly sessions: TidbSessionPool;

  constructor(
    private readonly cfg: TidbConnectionConfig,
    opts: TidbClientOptions = {},
  ) {
    this.address = `${cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host}:${cfg.port}`;
    this.timeoutMs = cfg.timeoutMs ?? TIDB_CALL_TIMEOUT_MS;
    this.policy = opts.retry ?? TIDB_SQL_RETRY;
    this.sessions = new TidbSessionPool(this.address, cfg.sessions ?? TIDB_DEFAULT_SESSIONS, this.timeoutMs, this.policy, () => this.openSession());
    this.status = new TidbStatusApi(cfg.statusAddress, { timeoutMs: this.timeoutMs, retry: this.policy, ...(cfg.statusTls ?? cfg.tls ? { tls: cfg.statusTls ?? cfg.tls } : {}) });
  }

  /** `SELECT VERSION(), tidb_version()`. */
  async version(): Promise<TidbVersion> {
    const rows = await this.rows('SELECT VERSION() AS v, tidb_version() AS t', 'version', true);
    const row = rows[0] ?? {};
    const t = String(row.t ?? '');
    return { serverVersion: String(row.v ?? ''), release: /Release Version:\s*(\S+)/.exec(t)?.[1] ?? '' };
  }

  /** `@@global.tidb_enable_check_constraint`: while OFF (v8.5's default) TiDB accepts CHECK constraints and ignores them. */
  async checkConstraintsEnabled(): Promise<boolean> {
    const rows = await this.rows('SELECT @@global.tidb_enable_check_constraint AS v', 'read tidb_enable_check_constraint', true);
    const v = String(rows[0]?.v ?? '0').toUpperCase();
    return v === '1' || v === 'ON';
  }

  /**
   * The names of the target's placement policies (information_schema.PLACEMENT_POLICIES, as v8.5 lists them;
   * `SHOW PLACEMENT` would list only those in use): what a table may reference that the backup does not hold.
   */
  async placementPolicyNames(): Promise<string[]> {
    const rows = await this.rows('SELECT POLICY_NAME FROM information_schema.PLACEMENT_POLICIES', 'read placement policies', true);
    return rows.map((r) => String(r['POLICY_NAME'] ?? ''));
  }

  /**
   * The target's `new_collation_enabled` ("True"/"False") as BR reads it (glue GetGlobalVariable): the row TiDB
   * writes into mysql.tidb at bootstrap from `new_collations_enabled_on_first_bootstrap`. Undefined when absent.
   */
  async newCollationEnabled(): Promise<string | undefined> {
    const rows = await this.rows("SELECT VARIABLE_VALUE FROM mysql.tidb WHERE VARIABLE_NAME = 'new_collation_enabled'", 'read new_collation_enabled', true);
    const v = rows[0]?.['VARIABLE_VALUE'];
    return v === undefined || v === null ? undefined : String(v);
  }

  /**
   * Runs statements in order on one session, after `USE db` when db is given (always sent: a database that is
   * gone answers 1049 here, as DDL replay expects). Not retried after sending: DDL is not idempotent in general.
   */
  async executeStatements(db: string | undefined, statements: readonly string[], tolerate: readonly number[] = []): Promise<void> {
    await this.sessions.withSession((s) => runStatements(s, db, statements, tolerate));
  }

  /**
   * Runs ALTER TABLE statements adding foreign keys, CHECK constraints and TTL (plan/table-constraints.ts) with
   * `foreign_key_checks = 0` in this session, so a key may name a table not created yet; the session gets checks
   * back afterwards. A key or constraint an earlier try added answers 1826/3822 and counts as added.
   */
  async addConstraints(db: string, statements: readonly string[]): Promise<void> {
    await this.sessions.withSession(async (s) => {
      await s.query('SET foreign_key_checks = 0', { call: 'SET foreign_key_checks', idempotent: true });
      await thenRestore(async () => {
        for (const sql of statements) {
          try {
            await s.query(sql, { call: 'add constraint', idempotent: false, db });
          } catch (e) {
            if (!(e instanceof TidbError && (e.errno === ER_FK_DUP_NAME || e.errno === ER_CHECK_CONSTRAINT_DUP_NAME))) throw e;
          }
        }
      }, () => s.query('SET foreign_key_checks = 1', { call: 'SET foreign_key_checks', idempotent: true }));
    });
  }

  /**
   * Runs a CREATE VIEW in `db` under the character_set_client / collation_connection the view was created with:
   * TiDB records those two session values in the view (SHOW CREATE VIEW prints them) and BR hands them over in
   * the TableInfo. The session gets its own values back afterwards. A view that exists already (1050) counts as
   * created, as BR's OnExistIgnore does; callers check what exists first.
   */
  async createView(db: string, sql: string, session: { charset: string; collate: string }): Promise<void> {
    await this.sessions.withSession(async (s) => {
      const rows = (await s.query('SELECT @@session.character_set_client AS cs, @@session.collation_connection AS co', { call: 'read session charset', idempotent: true })) as Record<string, unknown>[];
      const was = rows[0];
      await s.query(format('SET character_set_client = ?, collation_connection = ?', [session.charset, session.collate]), { call: 'SET view charset', idempotent: true });
      await thenRestore(async () => {
        try {
          await s.query(sql, { call: 'create view', idempotent: false, db });
        } catch (e) {
          if (!(e instanceof TidbError && e.errno === ER_TABLE_EXISTS)) throw e;
        }
      }, () => s.query(format('SET character_set_client = ?, collation_connection = ?', [String(was?.['cs'] ?? 'utf8mb4'), String(was?.['co'] ?? 'utf8mb4_bin')]), { call: 'SET session charset', idempotent: true }));
    });
  }

  /** CREATE DATABASE statements (from the backup's DBInfo); a database that exists already counts as created. */
  async createDatabases(statements: readonly string[]): Promise<void> {
    for (const sql of statements) await this.executeStatements(undefined, [sql], [ER_DB_CREATE_EXISTS]);
  }

  /** Creates one table: createTables of a group of one. */
  async createTable(t: TableToCreate): Promise<CreatedTable> {
    return (await this.createTables([t]))[0]!;
  }

  /**
   * Creates tables and proves each has the backup's column IDs. Safe to repeat: a table already there with
   * the backup's layout is left alone; a table half-created by an earlier try (only placeholder columns
   * left) is finished; any other existing table is refused (TableExists), and a created table whose IDs
   * differ is refused (ColumnIdMismatch).
   *
   * Built for many tables at BR's pace: one information_schema read per database finds the tables that exist
   * (and one status request their TableInfos); then every missing table's CREATE goes out side by side over the
   * session pool, each session staying in its database (no USE per table); then the statements after CREATE
   * (placeholder drops and the like) run per table, a new table's placeholder drops as one ALTER
   * (plan/placeholder-drops.ts: one DDL job, not one per gap); then the tables that share a finished table's
   * layout are made as `CREATE TABLE … LIKE` it (plan/layout-copies.ts: its ALTERs run once per layout, not once
   * per table); then `finish` (auto ID rebases, constraints, placement) runs per table, told whether the table's
   * own CREATE (its first statement, with whatever table options it carries) made it just now; last, one
   * information_schema read and one status request (`/schema?table_ids=`) read every table back for the ID checks.
   * CREATEs go first, all together, because TiDB v8 (`tidb_enable_fast_create_table`) merges CREATE TABLEs that
   * arrive at once for one schema into one DDL job, while an ALTER is a job of its own whichever way it is sent:
   * a session busy with a slow ALTER would leave fewer CREATEs to merge. A table left between two steps by
   * a failure is one an earlier try left part-way, which a retry finishes (adoptExisting). A table that fails
   * stops new ones from starting; the ones under way finish, then the first failure is thrown. So does `signal`
   * (the step cancelled): no new table starts, the started ones are finished, then its reason is thrown.
   */
  async createTables(tables: readonly TableToCreate[], opts: { finish?: (t: TableToCreate, index: number, madeByOwnCreate: boolean) => Promise<void>; signal?: AbortSignal } = {}): Promise<CreatedTable[]> {
    const existingIds = await this.tableIdsByName(tables);
    const existing = await this.status.tablesById([...existingIds.values()]);
    const outcomes = new Array<CreatedTable['outcome']>(tables.length);
    // Made by its own first statement in this call (not adopted, not a LIKE copy, which takes no table options).
    const ownCreate = new Array<boolean>(tables.length).fill(false);
    const found = (t: TableToCreate): TableInfo | undefined => {
      const id = existingIds.get(nameKey(t.db, t.table));
      return id === undefined ? undefined : existing.get(id);
    };
    const copies = layoutCopies(tables, tables.flatMap((t, i) => (found(t) ? [] : [i])));
    // A cancelled step (opts.signal) starts no new table, but each table it started is finished below: one left with
    // placeholder columns would be worse than either. Then the cancellation is thrown.
    const stopped = () => opts.signal?.aborted === true;
    await forEachLimited(tables, this.sessions.size, async (t, i) => {
      if (copies.has(i) || stopped()) return;
      const info = found(t);
      if (info) {
        outcomes[i] = (await this.adoptExisting(t, info)).outcome;
        return;
      }
      outcomes[i] = await this.createMissing(t);
      ownCreate[i] = outcomes[i] === 'created';
    });
    const finishNew = (t: TableToCreate) => this.sessions.withSession(async (s) => {
      for (const sql of mergePlaceholderDrops(t.statements.slice(1))) await s.query(sql, { call: `finish creating table ${t.db}.${t.table}`, idempotent: false, db: t.db });
    });
    await forEachLimited(tables, this.sessions.size, async (t, i) => {
      if (outcomes[i] === 'created' && t.statements.length > 1) await finishNew(t);
    });
    await forEachLimited([...copies], this.sessions.size, async ([i, template]) => {
      if (stopped()) return;
      const t = tables[i]!;
      try {
        outcomes[i] = await this.createMissing(t, createLikeSql(t.table, tables[template]!.table));
        return;
      } catch (e) {
        // TiDB refused the copy (not "exists", which createMissing adopts): the table's own statements still work.
        if (!(e instanceof TidbError && e.errno !== undefined)) throw e;
      }
      outcomes[i] = await this.createMissing(t);
      ownCreate[i] = outcomes[i] === 'created';
      if (outcomes[i] === 'created' && t.statements.length > 1) await finishNew(t);
    });
    if (opts.finish) await forEachLimited(tables, this.sessions.size, async (t, i) => (outcomes[i] === undefined ? undefined : opts.finish!(t, i, ownCreate[i]!)));
    if (stopped()) throw opts.signal!.reason;
    const infos = await this.readBack(tables);
    return tables.map((t, i) => {
      const info = infos[i]!;
      checkColumnIds(t.backup, info, t.db);
      return { outcome: outcomes[i]!, info };
    });
  }

  /**
   * The CREATE (its own, or a copy of a table of its layout) of a table that was not there; a table someone
   * created meanwhile is adopted (finished, if an earlier try left it part-way) instead.
   */
  private async createMissing(t: TableToCreate, createSql = t.statements[0]!): Promise<CreatedTable['outcome']> {
    const name = `${t.db}.${t.table}`;
    try {
      await this.sessions.withSession((s) => s.query(createSql, { call: `create table ${name}`, idempotent: false, db: t.db }));
      return 'created';
    } catch (e) {
      // Someone (or our own earlier, timed-out try) created it between our check and our CREATE.
      if (!(e instanceof TidbError && e.errno === ER_TABLE_EXISTS)) throw e;
      const now = await this.tableInfo(t.db, t.table);
      if (!now) throw e;
      return (await this.adoptExisting(t, now)).outcome;
    }
  }

  /**
   * `db.table` (lower case) → table ID of the tables that exist, one information_schema read per database
   * (TiDB compares these names without regard to case, as it resolves table names).
   */
  private async tableIdsByName(tables: readonly { db: string; table: string }[]): Promise<Map<string, number>> {
    const byDb = new Map<string, { db: string; names: Set<string> }>();
    for (const t of tables) {
      const entry = byDb.get(t.db.toLowerCase()) ?? { db: t.db, names: new Set<string>() };
      entry.names.add(t.table);
      byDb.set(t.db.toLowerCase(), entry);
    }
    const out = new Map<string, number>();
    for (const { db, names } of byDb.values()) {
      for (let i = 0; i < names.size; i += TABLES_PER_NAME_QUERY) {
        const chunk = [...names].slice(i, i + TABLES_PER_NAME_QUERY);
        const where = format('TABLE_SCHEMA = ? AND TABLE_NAME IN (?)', [db, chunk]);
        const rows = await this.rows(`SELECT TABLE_SCHEMA, TABLE_NAME, TIDB_TABLE_ID FROM information_schema.TABLES WHERE ${where}`, `find tables of ${db}`, true);
        for (const r of rows) out.set(nameKey(String(r.TABLE_SCHEMA), String(r.TABLE_NAME)), Number(r.TIDB_TABLE_ID));
      }
    }
    return out;
  }

  /**
   * The TableInfo TiDB holds for each table, in order: IDs by name from information_schema, TableInfos by ID from
   * one status request. A table the bulk read misses (a name whose case differs from the catalog's, or renamed
   * in between) is read by name on its own; one still missing is an error.
   */
  private async readBack(tables: readonly TableToCreate[]): Promise<TableInfo[]> {
    const ids = await this.tableIdsByName(tables);
    const byId = await this.status.tablesById([...ids.values()]);
    return Promise.all(tables.map(async (t) => {
      const id = ids.get(nameKey(t.db, t.table));
      const info = (id === undefined ? undefined : byId.get(id)) ?? (await this.tableInfo(t.db, t.table));
      if (!info) {
        const name = `${t.db}.${t.table}`;
        throw new TidbError(this.address, `create table ${name}`, { kind: 'rejected', retryable: false, detail: `TiDB accepted the statements but ${name} is not in its schema` });
      }
      return info;
    }));
  }

  /**
   * A table that exists already. It is adopted when it can be what the statements make, part-way or done:
   * every column it has is a backup column with the backup's ID or a placeholder, and every backup column
   * it lacks has an ID above its max_col_id (TiDB never reuses one, so such a column was never added yet).
   * Then the statements after CREATE are replayed so that each takes effect once (replayFinishing): a crash
   * after any of them ends in the backup's layout. Anything else is someone else's table: TableExists.
   */
  private async adoptExisting(t: TableToCreate, existing: TableInfo): Promise<CreatedTable> {
    const name = `${t.db}.${t.table}`;
    if (handleLayout(existing) !== handleLayout(t.backup)) {
      throw new BrflowError(
        ErrorType.TableExists,
        `table ${name} exists with row handle "${handleLayout(existing)}" but the backup's is "${handleLayout(t.backup)}" (clustered index option mismatch); drop it or exclude it from the restore`,
      );
    }
    const placeholders = new Set((t.placeholderColumns ?? []).map((c) => c.toLowerCase()));
    const backupCols = new Map(t.backup.cols.map((c) => [c.name.L, c]));
    const have = new Map(existing.cols.map((c) => [c.name.L, c]));
    const maxColId = Math.max(existing.max_col_id ?? 0, ...existing.cols.map((c) => c.id));
    const foreign = existing.cols.filter((c) => (backupCols.has(c.name.L) ? backupCols.get(c.name.L)!.id !== c.id : !placeholders.has(c.name.L)));
    const lost = t.backup.cols.filter((c) => !have.has(c.name.L) && c.id <= maxColId);
    if (foreign.length > 0 || lost.length > 0) {
      const list = columnIdProblems(t.backup, existing).filter((p) => !placeholders.has(p.column.toLowerCase())).map((p) => p.column).join(', ');
      throw new BrflowError(ErrorType.TableExists, `table ${name} already exists with a different layout (columns ${list} differ from the backup); drop it or exclude it from the restore`);
    }
    if (t.statements.length <= 1 || finished(t.backup, existing)) {
      checkColumnIds(t.backup, existing, t.db);
      return { outcome: 'existed', info: existing };
    }
    await this.replayFinishing(t, maxColId, Math.max(existing.max_idx_id ?? 0, ...(existing.index_info ?? []).map((i) => i.id)));
    const info = await this.tableInfo(t.db, t.table);
    if (!info) throw new TidbError(this.address, `create table ${name}`, { kind: 'rejected', retryable: false, detail: `${name} vanished while brflow finished creating it` });
    checkColumnIds(t.backup, info, t.db);
    return { outcome: 'resumed', info };
  }

  /**
   * Runs the statements after CREATE again on a table an earlier try left part-way. An ADD COLUMN whose column
   * ID is at most the table's max_col_id took effect before (IDs are handed out in statement order and never
   * reused) and is skipped, whether the column is still there or, for a placeholder, was dropped since; an
   * index that exists answers 1061 and a dropped placeholder 1091; a placeholder index whose ID is at most the
   * table's max_idx_id was added before and is skipped like a column; SET/DROP DEFAULT and the MODIFY that
   * orders columns come out the same however often they run.
   */
  private async replayFinishing(t: TableToCreate, maxColId: number, maxIdxId: number): Promise<void> {
    const ids = new Map(t.backup.cols.map((c) => [c.name.L, c.id]));
    const todo = t.statements.slice(1).filter((sql) => {
      const placeholderIndex = /^ALTER TABLE `(?:[^`]|``)+` ADD KEY `__brflow_idx_(\d+)`/.exec(sql)?.[1];
      if (placeholderIndex !== undefined) return Number(placeholderIndex) > maxIdxId;
      const added = addedColumn(sql);
      if (added === undefined) return true;
      const id = /^__brflow_col_(\d+)$/.exec(added)?.[1] ?? ids.get(added);
      return id === undefined || Number(id) > maxColId;
    });
    await this.executeStatements(t.db, todo, [ER_CANT_DROP_FIELD_OR_KEY, ER_DUP_FIELDNAME, ER_DUP_KEYNAME]);
  }

  /**
   * New table, partition and index IDs from information_schema (TABLES.TIDB_TABLE_ID,
   * PARTITIONS.TIDB_PARTITION_ID, TIDB_INDEXES.INDEX_ID), for the rewrite rules. Tables not found are absent.
   */
  async readTableIds(db: string, tables: readonly string[]): Promise<TableIds[]> {
    if (tables.length === 0) return [];
    const where = format('TABLE_SCHEMA = ? AND TABLE_NAME IN (?)', [db, [...tables]]);
    const t = await this.rows(`SELECT TABLE_NAME, TIDB_TABLE_ID FROM information_schema.TABLES WHERE ${where}`, 'read table IDs', true);
    const p = await this.rows(`SELECT TABLE_NAME, PARTITION_NAME, TIDB_PARTITION_ID FROM information_schema.PARTITIONS WHERE ${where} ORDER BY PARTITION_ORDINAL_POSITION`, 'read partition IDs', true);
    const i = await this.rows(`SELECT TABLE_NAME, KEY_NAME, INDEX_ID FROM information_schema.TIDB_INDEXES WHERE ${where}`, 'read index IDs', true);
    const lower = (v: unknown): string => String(v).toLowerCase();
    return t.map((row) => {
      const name = lower(row.TABLE_NAME);
      const indexes: TableIds['indexes'] = [];
      for (const r of i.filter((x) => lower(x.TABLE_NAME) === name)) {
        // TIDB_INDEXES has a row per index column; keep one per index.
        if (!indexes.some((x) => x.name === String(r.KEY_NAME))) indexes.push({ name: String(r.KEY_NAME), id: Number(r.INDEX_ID) });
      }
      return {
        db,
        table: String(row.TABLE_NAME),
        tableId: Number(row.TIDB_TABLE_ID),
        partitions: p.filter((x) => lower(x.TABLE_NAME) === name && x.PARTITION_NAME !== null).map((x) => ({ name: String(x.PARTITION_NAME), id: Number(x.TIDB_PARTITION_ID) })),
        indexes,
      };
    });
  }

  /**
   * How every existing table of these databases keys its rows, in two bulk reads whatever the table count
   * (BR PreCheckTableClusterIndex reads its infoschema instead): information_schema.TABLES.TIDB_PK_TYPE
   * tells clustered from not, and TIDB_INDEXES tells an integer handle (TiDB lists it as PRIMARY with
   * INDEX_ID 0) from a common handle. Database names go in IN lists of at most 500.
   */
  async readHandleKinds(dbs: readonly string[]): Promise<ExistingTable[]> {
    const out: ExistingTable[] = [];
    const lower = (v: unknown): string => String(v).toLowerCase();
    for (let i = 0; i < dbs.length; i += HANDLE_KIND_DBS_PER_QUERY) {
      const chunk = [...dbs.slice(i, i + HANDLE_KIND_DBS_PER_QUERY)];
      const where = format('TABLE_SCHEMA IN (?)', [chunk]);
      const tables = await this.rows(`SELECT TABLE_SCHEMA, TABLE_NAME, TIDB_PK_TYPE FROM information_schema.TABLES WHERE ${where}`, 'read primary key types', true);
      const pks = await this.rows(`SELECT TABLE_SCHEMA, TABLE_NAME, INDEX_ID FROM information_schema.TIDB_INDEXES WHERE ${where} AND KEY_NAME = 'PRIMARY' AND CLUSTERED = 'YES'`, 'read clustered primary keys', true);
      const intHandle = new Set(pks.filter((r) => Number(r.INDEX_ID) === 0).map((r) => `${lower(r.TABLE_SCHEMA)}.${lower(r.TABLE_NAME)}`));
      for (const r of tables) {
        const clustered = String(r.TIDB_PK_TYPE).toUpperCase() === 'CLUSTERED';
        const kind = !clustered ? 'rowid' : intHandle.has(`${lower(r.TABLE_SCHEMA)}.${lower(r.TABLE_NAME)}`) ? 'int-handle' : 'clustered';
        out.push({ db: String(r.TABLE_SCHEMA), name: String(r.TABLE_NAME), kind });
      }
    }
    return out;
  }

  /**
   * `ALTER TABLE db.t SET TIFLASH REPLICA n [LOCATION LABELS …]`: what BR's CreateTableWithInfo does with
   * the TableInfo's tiflash_replica, for a table brflow created by SQL. Setting the same count again is a
   * no-op for TiDB, so it is retried like a read.
   */
  async setTiFlashReplica(db: string, table: string, count: number, locationLabels: readonly string[] = []): Promise<void> {
    if (!Number.isSafeInteger(count) || count < 0) throw new BrflowError(ErrorType.Internal, `TiFlash replica count ${count} for ${db}.${table} is not a whole number`);
    const labels = locationLabels.length > 0 ? ` LOCATION LABELS ${locationLabels.map((l) => format('?', [l])).join(', ')}` : '';
    await this.exec(`ALTER TABLE ${quoteId(db)}.${quoteId(table)} SET TIFLASH REPLICA ${count}${labels}`, `set TiFlash replica of ${db}.${table}`, true);
  }

  /** `ALTER TABLE db.t AUTO_INCREMENT = base` (BR after create when the table needs an auto ID). Idempotent. */
  async rebaseAutoIncrement(db: string, table: string, base: number | string): Promise<void> {
    await this.exec(`ALTER TABLE ${quoteId(db)}.${quoteId(table)} AUTO_INCREMENT = ${decimal(base)}`, 'rebase auto_increment', true);
  }

  /** `ALTER TABLE db.t AUTO_RANDOM_BASE = base` (a separate statement: TiDB has no multi-schema change for it). Idempotent. */
  async rebaseAutoRandom(db: string, table: string, base: number | string): Promise<void> {
    await this.exec(`ALTER TABLE ${quoteId(db)}.${quoteId(table)} AUTO_RANDOM_BASE = ${decimal(base)}`, 'rebase auto_random', true);
  }

  /**
   * Moves the `_tidb_rowid` allocator of a table whose AUTO_INCREMENT has its own allocator (AUTO_ID_CACHE=1)
   * so the next row ID is above `base`: TiDB v8 restores `auto_inc_id_extra` this way (issue 46093), and SQL
   * has no ALTER for it. Writing a row with an explicit `_tidb_rowid` rebases the allocator, and the allocator
   * does not roll back with the transaction, so the row is inserted and rolled back: no row stays. Other
   * columns get their zero values (sql_mode without strictness); an AUTO_INCREMENT column is given 0 under
   * NO_AUTO_VALUE_ON_ZERO so its own allocator is not touched. Skipped when the next row ID is above `base`.
   * The write runs in a session of its own, closed afterwards.
   */
  async rebaseRowId(db: string, table: string, base: number | string, autoIncrementColumn?: string): Promise<void> {
    const cols = ['_tidb_rowid', ...(autoIncrementColumn ? [quoteId(autoIncrementColumn)] : [])];
    const values = [decimal(base), ...(autoIncrementColumn ? ['0'] : [])];
    const call = `rebase _tidb_rowid of ${db}.${table}`;
    // Done already (an earlier try): skip the write, which could meet restored rows by then.
    const next = await this.rows(`SHOW TABLE ${quoteId(db)}.${quoteId(table)} NEXT_ROW_ID`, call, true);
    if (next.some((r) => r.ID_TYPE === '_TIDB_ROWID' && BigInt(String(r.NEXT_GLOBAL_ROW_ID)) > BigInt(decimal(base)))) return;
    // A session of its own: on the shared one, another activity's DDL could commit the transaction implicitly.
    let c: Connection;
    try {
      c = await this.openSession();
    } catch (e) {
      throw new TidbError(this.address, `${call} (connect)`, classifyMysqlError(e), mysqlErrno(e));
    }
    c.on('error', () => undefined);
    try {
      for (const sql of [
        "SET SESSION tidb_opt_write_row_id = 1, SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO'",
        'BEGIN',
        `INSERT INTO ${quoteId(db)}.${quoteId(table)} (${cols.join(', ')}) VALUES (${values.join(', ')})`,
        'ROLLBACK',
      ]) {
        await c.query({ sql, timeout: this.timeoutMs }).catch((e: unknown) => {
          throw statementFailure(this.address, call, e);
        });
      }
    } finally {
      // Closing the session also rolls back a transaction a failure left open.
      c.destroy();
    }
  }

  /**
   * Replays DDL jobs of an incremental backup (BR ExecDDLs): ascending schema version, `USE <schema>` then
   * `job.query`; create jobs tolerate "exists" (BR creates with OnExistIgnore); lock and TiFlash-replica jobs
   * are skipped. `startAt` resumes after the jobs an earlier try finished (report them through `onDone`).
   */
  async replayDdlJobs(jobs: readonly DdlJob[], opts: { startAt?: number; onDone?: (index: number, job: DdlJob) => void } = {}): Promise<{ executed: number; skipped: number }> {
    const ordered = [...jobs].sort((a, b) => (a.binlog?.SchemaVersion ?? 0) - (b.binlog?.SchemaVersion ?? 0));
    let executed = 0;
    let skipped = 0;
    for (let i = opts.startAt ?? 0; i < ordered.length; i++) {
      const job = ordered[i] as DdlJob;
      if (await this.execDdlJob(job, ordered.slice(i + 1))) executed++;
      else skipped++;
      opts.onDone?.(i, job);
    }
    return { executed, skipped };
  }

  /**
   * Replays one DDL job; false when it is a kind BR skips. Safe to repeat: the answer a job's statement gets
   * once it has taken effect (DDL_ALREADY_APPLIED; for RENAME TABLE, "exists"/"no such table" while the old
   * name is gone and the new one is there) counts as done. So does "unknown database"/"no such table" when
   * one of the `later` jobs (the rest of the replay) drops that schema, or drops or renames that table (same
   * schema_id / table_id): a replay that starts before jobs it had already run meets their end state.
   */
  async execDdlJob(job: DdlJob, later: readonly DdlJob[] = []): Promise<boolean> {
    if (SKIPPED_DDL_ACTIONS.has(job.type) || !job.query) return false;
    const dbInfo = job.binlog?.DBInfo as { db_name?: { O?: string } } | undefined;
    const schema = job.schema_name ?? dbInfo?.db_name?.O;
    try {
      // CREATE/DROP DATABASE run outside the schema: `USE` would fail before the first and after the second.
      const inSchema = job.type === ACTION_CREATE_SCHEMA || job.type === ACTION_DROP_SCHEMA ? undefined : schema;
      await this.executeStatements(inSchema, [job.query], DDL_ALREADY_APPLIED.get(job.type) ?? []);
    } catch (e) {
      if (!(e instanceof TidbError)) throw e;
      const renamed = job.type === ACTION_RENAME_TABLE && (e.errno === ER_NO_SUCH_TABLE || e.errno === ER_TABLE_EXISTS) && (await this.renamedAlready(job, schema));
      if (!renamed && !goneByLaterJob(job, e.errno, later)) throw e;
    }
    return true;
  }

  /**
   * Whether a RENAME TABLE job took effect already: the table it renames (the first name of its query) is gone
   * and its TableInfo's name exists in its schema.
   */
  private async renamedAlready(job: DdlJob, schema: string | undefined): Promise<boolean> {
    const newName = (job.binlog?.TableInfo as { name?: { O?: string } } | null | undefined)?.name?.O;
    const old = renamedTable(job.query ?? '');
    const oldDb = old?.db ?? schema;
    if (schema === undefined || !newName || !old || oldDb === undefined) return false;
    return (await this.tableInfo(oldDb, old.table)) === undefined && (await this.tableInfo(schema, newName)) !== undefined;
  }

  /** The TableInfo TiDB holds (status API GET /schema/{db}/{table}); undefined when absent. */
  async tableInfo(db: string, table: string): Promise<TableInfo | undefined> {
    return this.status.tableInfo(db, table);
  }

  /**
   * Moves restored system tables from the temporary schema into `mysql` (BR RestoreSystemSchemas): statistics
   * and privilege/bootstrap tables are skipped; an existing mysql.t gets `REPLACE INTO … SELECT *`, a missing
   * one the table itself by RENAME; then the temporary schema is dropped. Safe to repeat: a table no longer
   * in the temporary schema was moved by an earlier try.
   */
  async restoreSystemTables(tables: readonly string[], tempDb = TEMPORARY_MYSQL_DB): Promise<SystemTableRestore> {
    const out: SystemTableRestore = { replaced: [], renamed: [], skipped: [] };
    for (const raw of tables) {
      const t = raw.toLowerCase();
      if (UNSUPPORTED_SYSTEM_TABLES.includes(t)) {
        out.skipped.push({ table: raw, reason: 'unsupported' });
        continue;
      }
      if (UNRECOVERABLE_SYSTEM_TABLES.includes(t)) {
        out.skipped.push({ table: raw, reason: 'unrecoverable' });
        continue;
      }
      if (!(await this.tableInfo(tempDb, raw))) {
        out.skipped.push({ table: raw, reason: 'not-in-temporary-db' });
        continue;
      }
      if (await this.tableInfo('mysql', raw)) {
        await this.exec(`REPLACE INTO mysql.${quoteId(raw)} SELECT * FROM ${quoteId(tempDb)}.${quoteId(raw)}`, `restore system table mysql.${raw}`, true);
        out.replaced.push(raw);
      } else {
        await this.exec(`RENAME TABLE ${quoteId(tempDb)}.${quoteId(raw)} TO mysql.${quoteId(raw)}`, `restore system table mysql.${raw}`, false);
        out.renamed.push(raw);
      }
    }
    await this.exec(`DROP DATABASE IF EXISTS ${quoteId(tempDb)}`, 'drop temporary system schema', true);
    return out;
  }

  /** Closes every open session (a statement still running on one fails); a later call opens sessions again. */
  async close(): Promise<void> {
    await this.sessions.close();
  }

  private async rows(sql: string, call: string, idempotent: boolean): Promise<Record<string, unknown>[]> {
    return (await this.exec(sql, call, idempotent)) as Record<string, unknown>[];
  }

  /** One statement that depends on no session state, on whichever session is free (TidbSession.query). */
  private exec(sql: string, call: string, idempotent: boolean): Promise<unknown> {
    return this.sessions.withSession((s) => s.query(sql, { call, idempotent }));
  }

  /** A new session, set up by SESSION_INIT_STATEMENTS before anyone uses it. */
  private async openSession(): Promise<Connection> {
    const cfg = this.cfg;
    const c = await createConnection({
      host: cfg.host,
      port: cfg.port,
      user: cfg.user,
      password: cfg.password,
      connectTimeout: this.timeoutMs,
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
      multipleStatements: false,
      ...(cfg.tls ? { ssl: { ca: cfg.tls.ca, ...(cfg.tls.cert ? { cert: cfg.tls.cert } : {}), ...(cfg.tls.key ? { key: cfg.tls.key } : {}) } } : {}),
    });
    try {
      for (const sql of SESSION_INIT_STATEMENTS) await c.query({ sql, timeout: this.timeoutMs });
    } catch (e) {
      c.destroy();
      throw e;
    }
    return c;
  }
}

/**
 * Runs `body`, then `restore` (puts back the session settings body ran under). After a failure TiDB answered (an
 * error number), the session stays in the pool, so it gets its settings back too; after any other failure the pool
 * has dropped the session (the next caller gets a new one, with TiDB's defaults), so there is nothing to put back,
 * and no new connection is opened to a TiDB that did not answer. Either way body's failure is the one thrown: it
 * says what went wrong and whether the step may be tried again. Before, the restore ran on a new connection after a
 * hung statement and its own failure replaced the statement's.
 */
async function thenRestore(body: () => Promise<void>, restore: () => Promise<unknown>): Promise<void> {
  try {
    await body();
  } catch (e) {
    if (e instanceof TidbError && e.errno !== undefined) await restore().catch(() => undefined);
    throw e;
  }
  await restore();
}

/** Runs statements in order on one session, in `db` when given; TiDB errors numbered in `tolerate` count as done. */
async function runStatements(s: TidbSession, db: string | undefined, statements: readonly string[], tolerate: readonly number[]): Promise<void> {
  if (db !== undefined) await s.use(db, 'execute statement');
  for (const sql of statements) {
    try {
      await s.query(sql, { call: 'execute statement', idempotent: false, ...(db !== undefined ? { db } : {}) });
    } catch (e) {
      if (!(e instanceof TidbError && e.errno !== undefined && tolerate.includes(e.errno))) throw e;
    }
  }
}

/** How createTables matches a table across reads: TiDB resolves names without regard to case. */
function nameKey(db: string, table: string): string {
  return `${db.toLowerCase()}.${table.toLowerCase()}`;
}

/**
 * Whether a failure "unknown database" (1049) or "no such table" (1146) of `job` is explained by a job after
 * it: one that drops its schema, or drops or renames its table (matched by the backup's IDs, which a name
 * change keeps).
 */
function goneByLaterJob(job: DdlJob, errno: number | undefined, later: readonly DdlJob[]): boolean {
  if (errno !== ER_BAD_DB && errno !== ER_NO_SUCH_TABLE) return false;
  return later.some((l) =>
    (l.type === ACTION_DROP_SCHEMA && l.schema_id === job.schema_id) ||
    (errno === ER_NO_SUCH_TABLE && job.table_id > 0 && l.table_id === job.table_id && [ACTION_DROP_TABLE, ACTION_DROP_VIEW, ACTION_DROP_SEQUENCE, ACTION_RENAME_TABLE].includes(l.type)));
}

/** The first table a `RENAME TABLE [db.]t TO …` or `ALTER TABLE [db.]t RENAME …` names; undefined when it does not parse. */
function renamedTable(query: string): { db?: string; table: string } | undefined {
  const ident = '(`(?:[^`]|``)+`|[\\w$\\u0080-\\uffff]+)';
  const m = new RegExp(`^\\s*(?:RENAME\\s+TABLE|ALTER\\s+TABLE)\\s+${ident}(?:\\s*\\.\\s*${ident})?`, 'i').exec(query);
  if (!m) return undefined;
  const unquote = (v: string) => (v.startsWith('`') ? v.slice(1, -1).replace(/``/g, '`') : v);
  return m[2] === undefined ? { table: unquote(m[1]!) } : { db: unquote(m[1]!), table: unquote(m[2]) };
}

/** The column (lower case) an `ALTER TABLE … ADD COLUMN \`c\` …` statement adds; undefined for other statements. */
function addedColumn(sql: string): string | undefined {
  const m = /^ALTER TABLE `(?:[^`]|``)+` ADD COLUMN `((?:[^`]|``)+)`/.exec(sql);
  return m?.[1]?.replace(/``/g, '`').toLowerCase();
}

/**
 * Whether an existing table already has what the statements after CREATE give it: the backup's columns and
 * nothing else, in the backup's order, with its defaults, and every public index of the backup by name.
 */
function finished(backup: TableInfo, existing: TableInfo): boolean {
  if (columnIdProblems(backup, existing).length > 0) return false;
  // Visible columns only: the plan leaves an expression index's hidden column where TiDB appends it.
  const order = (t: TableInfo) => t.cols.filter((c) => !c.hidden).sort((a, b) => a.offset - b.offset).map((c) => c.name.L).join(',');
  if (order(backup) !== order(existing)) return false;
  const have = new Map(existing.cols.map((c) => [c.name.L, c]));
  if (backup.cols.some((c) => String(c.default ?? null) !== String(have.get(c.name.L)?.default ?? null))) return false;
  const indexes = new Set((existing.index_info ?? []).map((i) => i.idx_name.L));
  // A placeholder index (plan/column-ids.ts) left by an earlier try: the statements that drop it have not all run.
  if ([...indexes].some((n) => n.startsWith('__brflow_idx_'))) return false;
  return publicIndexes(backup).every((i) => indexes.has(i.idx_name.L) || (i.is_primary && backup.pk_is_handle));
}

function decimal(v: number | string): string {
  const s = String(v);
  if (!/^\d+$/.test(s)) throw new BrflowError(ErrorType.Internal, `auto ID base "${s}" is not a non-negative integer`);
  return s;
}
