import type { DBInfo, TableInfo } from '../../plan/table-info';
import { charsetOfCollation, defaultCollation } from './field-type';
import { PlacementPolicies } from './placement-policies';
import type { AlterSpec, Statement, TableName } from './sql-ast';
import { ErrNo, SqlError } from './sql-error';
import { parseStatement } from './sql-parser';
import { addForeignKey } from './foreign-key';
import { checkMultiSchemaChange } from './multi-schema-change';
import { buildSequenceInfo, ER_UNKNOWN_SEQUENCE, freshSequenceState, nextSequenceValue, setSequenceValue, type SequenceState } from './sequence';
import { buildViewInfo, type SessionContext } from './view';
import { applyAlterSpec } from './table-alter';
import { buildTableInfo, ciStr, reassignIds, STATE_PUBLIC, type ClusteredIndexMode } from './table-builder';

export interface CatalogOptions {
  /**
   * The first global ID handed to user objects after bootstrap (a fresh TiDB has used a few dozen for its
   * system schema). @default 100
   */
  firstUserId?: number;
  /** @@tidb_enable_clustered_index: the layout of a primary key written without CLUSTERED/NONCLUSTERED. @default 'ON' */
  clusteredIndexDefault?: ClusteredIndexMode;
  /** TiFlash stores PD knows (SET TIFLASH REPLICA n needs n of them). @default () => 0 */
  tiflashStoreCount?: () => number;
  /** new_collations_enabled_on_first_bootstrap, what mysql.tidb `new_collation_enabled` reports. @default true */
  newCollationEnabled?: boolean;
}

/** A `policy_ref_info`: the referenced policy's ID and name. */
type PolicyRef = { id: number; name: { O: string; L: string } };

/** Who runs DDL when no session says (Catalog.executeSql): root from loopback, utf8mb4_bin. */
const DEFAULT_SESSION: SessionContext = { user: 'root', host: '127.0.0.1', charset: 'utf8mb4', collation: 'utf8mb4_bin' };

/** One finished DDL job, as `ADMIN SHOW DDL JOBS` would list it. */
export interface DdlJobRecord {
  id: number;
  /** The statement kind, e.g. "create table", "alter table", "truncate table". */
  type: string;
  schemaName: string;
  tableName: string;
  query: string;
  schemaVersion: number;
}

/** A `REPLACE INTO mysql.x SELECT * FROM <temp>.x` the front executed (system-table restore). */
export interface SystemTableReplace {
  target: { db: string; table: string };
  source: { db: string; table: string };
}

interface DbEntry {
  info: DBInfo;
  tables: Map<string, TableInfo>;
}

/** The DDL statement kinds the catalog executes. */
export type DdlStatement = Extract<
  Statement,
  { kind: 'create-database' | 'drop-database' | 'alter-database' | 'create-placement-policy' | 'create-sequence' | 'drop-sequence' | 'create-view' | 'drop-view' | 'create-table' | 'create-table-like' | 'create-index' | 'alter-table' | 'rename-table' | 'drop-table' | 'truncate-table' }
>;

/**
 * The schema state of the simulated TiDB: databases and tables as TiDB's meta holds them, with IDs assigned
 * the way TiDB does (one global allocator, meta.GenGlobalID, for schema, table, partition and DDL job IDs;
 * per-table column and index IDs). Names compare case-insensitively (lower_case_table_names = 2).
 * Every accessor returns copies, so callers can keep results without seeing later changes.
 */
export class Catalog {
  private nextId = 1;
  private readonly dbs = new Map<string, DbEntry>();
  private version = 0;
  private readonly jobs: DdlJobRecord[] = [];
  private readonly replaces: SystemTableReplace[] = [];
  /** Where each sequence stands, by table ID (a sequence made again gets a new ID, so starts afresh). */
  private readonly sequenceStates = new Map<number, SequenceState>();
  /**
   * Where each table and partition ID was last seen (lower-case database and table names), a hint checked on
   * every use: a restore looks up every table it created by ID, and a scan of all tables per lookup made
   * that cost grow with the catalog. Rebuilt on a miss, at most once per schema version.
   */
  private idHints = new Map<number, { db: string; table: string }>();
  private idHintsVersion = -1;
  readonly clusteredIndexDefault: ClusteredIndexMode;
  readonly newCollationEnabled: boolean;
  /** CREATE PLACEMENT POLICY's policies, which databases, tables and partitions reference. */
  readonly placementPolicies = new PlacementPolicies();
  private tiflashStoreCount: () => number;

  constructor(opts: CatalogOptions = {}) {
    this.clusteredIndexDefault = opts.clusteredIndexDefault ?? 'ON';
    this.newCollationEnabled = opts.newCollationEnabled ?? true;
    this.tiflashStoreCount = opts.tiflashStoreCount ?? (() => 0);
    bootstrapSystemSchema(this);
    this.nextId = Math.max(this.nextId, opts.firstUserId ?? 100);
  }

  /** Where SET TIFLASH REPLICA learns how many TiFlash stores there are (the simulator's PD, once it runs). */
  useTiFlashStoreCount(count: () => number): void {
    this.tiflashStoreCount = count;
  }

  /** TiDB's meta.GenGlobalID: the next ID of the one cluster-wide allocator. */
  genGlobalId(): number {
    return this.nextId++;
  }

  /** The largest global ID handed out so far (meta key NextGlobalID holds the last used one). */
  get lastGlobalId(): number {
    return this.nextId - 1;
  }

  get schemaVersion(): number {
    return this.version;
  }

  databases(): DBInfo[] {
    return [...this.dbs.values()].map((d) => structuredClone(d.info));
  }

  database(name: string): DBInfo | undefined {
    const d = this.dbs.get(name.toLowerCase());
    return d ? structuredClone(d.info) : undefined;
  }

  /** The tables of `db` in creation order; with `keep`, only those whose lower-case name it accepts (only they are copied). */
  tables(db: string, keep?: (lowerName: string) => boolean): TableInfo[] {
    const d = this.dbs.get(db.toLowerCase());
    if (!d) return [];
    const out: TableInfo[] = [];
    for (const [name, t] of d.tables) if (!keep || keep(name)) out.push(structuredClone(t));
    return out;
  }

  table(db: string, name: string): TableInfo | undefined {
    const t = this.dbs.get(db.toLowerCase())?.tables.get(name.toLowerCase());
    return t ? structuredClone(t) : undefined;
  }

  /** Finds a table by its ID or one of its partition IDs. */
  tableById(id: number): { db: DBInfo; table: TableInfo } | undefined {
    let found = this.hintedTable(id);
    if (!found && this.idHintsVersion !== this.version) {
      this.rebuildIdHints();
      found = this.hintedTable(id);
    }
    return found && { db: structuredClone(found.db.info), table: structuredClone(found.table) };
  }

  /** The table the hint for `id` names, if it still has that ID (DDL since may have dropped, renamed or truncated it). */
  private hintedTable(id: number): { db: DbEntry; table: TableInfo } | undefined {
    const hint = this.idHints.get(id);
    const db = hint && this.dbs.get(hint.db);
    const table = hint && db?.tables.get(hint.table);
    if (!db || !table || !hasId(table, id)) return undefined;
    return { db, table };
  }

  private rebuildIdHints(): void {
    this.idHints = new Map();
    for (const [dbKey, d] of this.dbs) {
      for (const [tableKey, t] of d.tables) {
        const hint = { db: dbKey, table: tableKey };
        this.idHints.set(t.id, hint);
        for (const p of t.partition?.definitions ?? []) this.idHints.set(p.id, hint);
      }
    }
    this.idHintsVersion = this.version;
  }

  /** Finished DDL jobs, oldest first. */
  ddlJobs(): DdlJobRecord[] {
    return structuredClone(this.jobs);
  }

  /** System-table REPLACEs executed, in order. */
  systemTableReplaces(): SystemTableReplace[] {
    return structuredClone(this.replaces);
  }

  /** Parses and executes one DDL statement in the context of `currentDb` (the session's USE). */
  executeSql(sql: string, currentDb?: string): void {
    const stmt = parseStatement(sql);
    if (!isDdl(stmt)) throw SqlError.unsupported(`${stmt.kind} through Catalog.executeSql`);
    this.executeDdl(stmt, sql, currentDb);
  }

  /** Executes a parsed DDL statement; `query` is recorded in the DDL history. */
  executeDdl(stmt: DdlStatement, query: string, currentDb?: string, session: SessionContext = DEFAULT_SESSION): void {
    const resolve = (n: TableName): { db: string; name: string } => {
      const db = n.db ?? currentDb;
      if (db === undefined) throw SqlError.noDatabaseSelected();
      return { db, name: n.name };
    };
    switch (stmt.kind) {
      case 'create-database': {
        if (this.dbs.has(stmt.name.toLowerCase())) {
          if (stmt.ifNotExists) return;
          throw SqlError.databaseExists(stmt.name);
        }
        const charset = stmt.charset ?? (stmt.collate ? charsetOfCollation(stmt.collate) : 'utf8mb4');
        const collate = stmt.collate ?? defaultCollation(charset);
        // Key for key what v8.5.3 writes: `Deprecated` is an always-empty struct it keeps for old readers.
        const info: DBInfo = { id: this.genGlobalId(), db_name: ciStr(stmt.name), charset, collate, Deprecated: {}, state: STATE_PUBLIC, policy_ref_info: null };
        this.dbs.set(stmt.name.toLowerCase(), { info, tables: new Map() });
        return this.record('create schema', stmt.name, '', query);
      }
      case 'create-placement-policy': {
        if (this.placementPolicies.create(stmt.name, stmt.settings, stmt.ifNotExists)) this.record('create placement policy', '', '', query);
        return;
      }
      case 'alter-database': {
        const name = stmt.name ?? currentDb;
        if (name === undefined) throw SqlError.noDatabaseSelected();
        const entry = this.entry(name);
        if (stmt.placementPolicy !== undefined) {
          entry.info['policy_ref_info'] = this.placementPolicies.ref(stmt.placementPolicy);
          if (stmt.charset === undefined && stmt.collate === undefined) return this.record('alter schema placement policy', entry.info.db_name.O, '', query);
        }
        const charset = stmt.charset ?? (stmt.collate ? charsetOfCollation(stmt.collate) : entry.info.charset);
        entry.info.charset = charset;
        entry.info.collate = stmt.collate ?? defaultCollation(charset);
        return this.record('modify schema charset and collation', entry.info.db_name.O, '', query);
      }
      case 'drop-database': {
        const key = stmt.name.toLowerCase();
        if (!this.dbs.has(key)) {
          if (stmt.ifExists) return;
          throw SqlError.cannotDropDatabase(stmt.name);
        }
        if (key === 'mysql' || key === 'information_schema') throw new SqlError(1105, `Drop '${stmt.name}' database is forbidden`);
        this.dbs.delete(key);
        return this.record('drop schema', stmt.name, '', query);
      }
      case 'create-table': {
        const { db, name } = resolve(stmt.table);
        const entry = this.entry(db);
        if (entry.tables.has(name.toLowerCase())) {
          if (stmt.ifNotExists) return;
          throw SqlError.tableExists(name);
        }
        // Placement is resolved here, against the catalog's policies; a table without the option inherits its
        // database's default policy into its own TableInfo, as TiDB does at creation.
        const { placementPolicy, ...options } = stmt.options;
        const policyRef = placementPolicy !== undefined ? this.placementPolicies.ref(placementPolicy) : ((entry.info['policy_ref_info'] as PolicyRef | null | undefined) ?? null);
        const info = buildTableInfo(
          { genId: () => this.genGlobalId(), dbCharset: entry.info.charset, dbCollate: entry.info.collate, clusteredDefault: this.clusteredIndexDefault },
          name,
          stmt.columns,
          stmt.indexes,
          options,
          stmt.partition,
        );
        if (policyRef) info['policy_ref_info'] = { ...policyRef, name: { ...policyRef.name } };
        // A foreign key may name the table being created (a self reference).
        for (const fk of stmt.foreignKeys ?? []) {
          const ref = resolve(fk.refTable);
          const same = ref.db.toLowerCase() === db.toLowerCase() && ref.name.toLowerCase() === name.toLowerCase();
          addForeignKey(info, fk, { db: this.database(ref.db)?.db_name.O ?? ref.db, table: same ? info : this.table(ref.db, ref.name), checks: session.foreignKeyChecks !== false }, this.clusteredIndexDefault, true);
        }
        entry.tables.set(name.toLowerCase(), info);
        return this.record('create table', entry.info.db_name.O, name, query);
      }
      case 'create-sequence': {
        const { db, name } = resolve(stmt.table);
        const entry = this.entry(db);
        if (entry.tables.has(name.toLowerCase())) {
          if (stmt.ifNotExists) return;
          throw SqlError.tableExists(name);
        }
        entry.tables.set(name.toLowerCase(), buildSequenceInfo(this.genGlobalId(), entry.info.db_name.O, name, stmt.options));
        return this.record('create sequence', entry.info.db_name.O, name, query);
      }
      case 'drop-sequence': {
        const targets = stmt.tables.map(resolve);
        const isSequence = (t: { db: string; name: string }) => Boolean(this.dbs.get(t.db.toLowerCase())?.tables.get(t.name.toLowerCase())?.sequence);
        const missing = targets.filter((t) => !isSequence(t));
        if (missing.length > 0 && !stmt.ifExists) throw new SqlError(ER_UNKNOWN_SEQUENCE, `Unknown SEQUENCE: '${missing.map((t) => `${t.db}.${t.name}`).join(',')}'`);
        for (const t of targets.filter(isSequence)) {
          const entry = this.dbs.get(t.db.toLowerCase());
          if (entry?.tables.delete(t.name.toLowerCase())) this.record('drop sequence', entry.info.db_name.O, t.name, query);
        }
        return;
      }
      case 'create-view': {
        const { db, name } = resolve(stmt.view.name);
        const entry = this.entry(db);
        const existing = entry.tables.get(name.toLowerCase());
        if (existing && !(stmt.view.orReplace && existing.view)) throw SqlError.tableExists(name);
        const base = resolve(stmt.view.from);
        const info = buildViewInfo(existing?.id ?? this.genGlobalId(), entry.info.db_name.O, stmt.view, this.table(base.db, base.name), this.database(base.db)?.db_name.O ?? base.db, session);
        entry.tables.set(name.toLowerCase(), info);
        return this.record('create view', entry.info.db_name.O, name, query);
      }
      case 'drop-view': {
        const targets = stmt.tables.map(resolve);
        const isView = (t: { db: string; name: string }) => Boolean(this.dbs.get(t.db.toLowerCase())?.tables.get(t.name.toLowerCase())?.view);
        const missing = targets.filter((t) => !isView(t));
        if (missing.length > 0 && !stmt.ifExists) throw SqlError.unknownTable(missing.map((t) => `${t.db}.${t.name}`).join(','));
        for (const t of targets.filter(isView)) {
          const entry = this.dbs.get(t.db.toLowerCase());
          if (entry?.tables.delete(t.name.toLowerCase())) this.record('drop view', entry.info.db_name.O, t.name, query);
        }
        return;
      }
      case 'create-table-like': {
        const { db, name } = resolve(stmt.table);
        const src = resolve(stmt.like);
        const from = this.tableRef(src.db, src.name);
        const entry = this.entry(db);
        if (entry.tables.has(name.toLowerCase())) {
          if (stmt.ifNotExists) return;
          throw SqlError.tableExists(name);
        }
        const info = structuredClone(from);
        info.name = ciStr(name);
        // v8.5.3 writes [] here where CREATE TABLE wrote null for a table without indexes.
        info.index_info ??= [];
        info.auto_inc_id = 0;
        info.auto_rand_id = 0;
        reassignIds(info, () => this.genGlobalId());
        entry.tables.set(name.toLowerCase(), info);
        return this.record('create table', entry.info.db_name.O, name, query);
      }
      case 'create-index': {
        const { db, name } = resolve(stmt.table);
        return this.alter(db, name, query, (t) => applyAlterSpec(t, { kind: 'add-index', index: stmt.index }, this.clusteredIndexDefault, () => this.genGlobalId()));
      }
      case 'alter-table': {
        const { db, name } = resolve(stmt.table);
        const renames = stmt.specs.filter((s) => s.kind === 'rename');
        const others = stmt.specs.flatMap((s) => (s.kind === 'rename' ? [] : [s]));
        const tiflash = others.find((s) => s.kind === 'set-tiflash-replica');
        if (tiflash) {
          if (stmt.specs.length > 1) throw SqlError.unsupported('SET TIFLASH REPLICA together with other ALTER TABLE specs');
          this.checkTiFlashReplica(db, name, tiflash.count);
        }
        const refTable = (n: TableName) => {
          const ref = resolve(n);
          return { db: this.database(ref.db)?.db_name.O ?? ref.db, table: this.table(ref.db, ref.name), checks: session.foreignKeyChecks !== false };
        };
        if (others.length > 0) {
          this.alter(db, name, query, (t) => {
            // Placement (table option or a partition's) is the catalog's: resolved against its policies.
            const specs = others.flatMap((s) => this.applyPlacement(t, s));
            checkMultiSchemaChange(t, specs);
            specs.forEach((s) => applyAlterSpec(t, s, this.clusteredIndexDefault, () => this.genGlobalId(), refTable));
          });
        }
        for (const r of renames) {
          if (r.kind === 'rename') this.renameOne({ db, name }, resolve(r.to), query);
        }
        return;
      }
      case 'rename-table':
        for (const p of stmt.pairs) this.renameOne(resolve(p.from), resolve(p.to), query);
        return;
      case 'drop-table': {
        const targets = stmt.tables.map(resolve);
        const missing = targets.filter((t) => !this.dbs.get(t.db.toLowerCase())?.tables.has(t.name.toLowerCase()));
        if (missing.length > 0 && !stmt.ifExists) throw SqlError.unknownTable(missing.map((t) => `${t.db}.${t.name}`).join(','));
        for (const t of targets) {
          const entry = this.dbs.get(t.db.toLowerCase());
          if (entry?.tables.delete(t.name.toLowerCase())) this.record('drop table', entry.info.db_name.O, t.name, query);
        }
        return;
      }
      case 'truncate-table': {
        const { db, name } = resolve(stmt.table);
        const t = this.tableRef(db, name);
        reassignIds(t, () => this.genGlobalId());
        t.auto_inc_id = 0;
        t.auto_rand_id = 0;
        return this.record('truncate table', db, name, query);
      }
    }
  }

  /**
   * `REPLACE INTO target SELECT * FROM source`: the simulator keeps no rows, so it checks what MySQL would
   * (both tables exist, same column count) and records the copy for tests to observe.
   */
  /** NEXTVAL(db.name): 1146 for a missing table, 1347 for a table that is no sequence, 4135 once it ran out. */
  nextval(db: string, name: string): bigint {
    return this.withSequence(db, name, (t, state) => nextSequenceValue(db, t, state));
  }

  /** SETVAL(db.name, value): the value when it moved the sequence, null when it did not. */
  setval(db: string, name: string, value: bigint): bigint | null {
    return this.withSequence(db, name, (t, state) => setSequenceValue(db, t, state, value));
  }

  private withSequence<T>(db: string, name: string, step: (t: TableInfo, state: SequenceState) => { value: T; state: SequenceState }): T {
    const t = this.dbs.get(db.toLowerCase())?.tables.get(name.toLowerCase());
    if (!t) throw SqlError.noSuchTable(db, name);
    const out = step(t, this.sequenceStates.get(t.id) ?? freshSequenceState(db, t));
    this.sequenceStates.set(t.id, out.state);
    return out.value;
  }

  replaceSelect(target: { db: string; name: string }, source: { db: string; name: string }): void {
    const to = this.tableRef(target.db, target.name);
    const from = this.tableRef(source.db, source.name);
    if (to.cols.length !== from.cols.length) throw SqlError.columnCountMismatch();
    this.replaces.push({ target: { db: target.db, table: to.name.O }, source: { db: source.db, table: from.name.O } });
  }

  private entry(db: string): DbEntry {
    const e = this.dbs.get(db.toLowerCase());
    if (!e) throw SqlError.unknownDatabase(db);
    return e;
  }

  private tableRef(db: string, name: string): TableInfo {
    const t = this.entry(db).tables.get(name.toLowerCase());
    if (!t) throw SqlError.noSuchTable(db, name);
    return t;
  }

  /** TiDB's checks before it accepts a TiFlash replica (ddl checkTiFlashReplicaCount; no replicas of system tables). */
  private checkTiFlashReplica(db: string, name: string, count: number): void {
    this.tableRef(db, name);
    if (['mysql', 'information_schema', 'performance_schema', 'metrics_schema'].includes(db.toLowerCase())) {
      throw new SqlError(ErrNo.UnsupportedDDL, `Unsupported ALTER TiFlash settings for system table and memory table`);
    }
    const stores = this.tiflashStoreCount();
    if (count > stores) throw new SqlError(ErrNo.Unknown, `the tiflash replica count: ${count} should be less than the total tiflash server count: ${stores}`);
  }

  /** Changes a copy and swaps it in only when every spec succeeded, so a failed ALTER changes nothing. */
  private alter(db: string, name: string, query: string, change: (t: TableInfo) => void): void {
    const current = this.tableRef(db, name);
    const next = structuredClone(current);
    change(next);
    this.entry(db).tables.set(name.toLowerCase(), next);
    this.record('alter table', db, name, query);
  }

  private renameOne(from: { db: string; name: string }, to: { db: string; name: string }, query: string): void {
    const t = this.tableRef(from.db, from.name);
    const target = this.entry(to.db);
    if (target.tables.has(to.name.toLowerCase())) throw SqlError.tableExists(to.name);
    const source = this.entry(from.db);
    source.tables.delete(from.name.toLowerCase());
    // Moving to another database records where it came from (kept by later renames), as v8.5.3 does.
    if (source !== target) t.old_schema_id = source.info.id;
    t.name = ciStr(to.name);
    target.tables.set(to.name.toLowerCase(), t);
    this.record('rename table', to.db, to.name, query);
  }

  /** Applies a spec's placement to `t` and returns what is left of the spec for applyAlterSpec. */
  private applyPlacement(t: TableInfo, spec: Exclude<AlterSpec, { kind: 'rename' }>): Exclude<AlterSpec, { kind: 'rename' | 'partition-placement' }>[] {
    if (spec.kind === 'partition-placement') {
      const d = t.partition?.definitions.find((p) => p.name.L === spec.partition.toLowerCase());
      if (!d) throw new SqlError(1735, 'Unknown partition \'' + spec.partition + '\' in table \'' + t.name.O + '\'');
      d['policy_ref_info'] = this.placementPolicies.ref(spec.policy);
      return [];
    }
    if (spec.kind === 'options' && spec.options.placementPolicy !== undefined) {
      const { placementPolicy, ...rest } = spec.options;
      t['policy_ref_info'] = this.placementPolicies.ref(placementPolicy);
      return Object.keys(rest).length > 0 ? [{ kind: 'options', options: rest }] : [];
    }
    return [spec];
  }

  private record(type: string, schemaName: string, tableName: string, query: string): void {
    this.version++;
    // TiDB takes DDL job IDs from the same global allocator, after the IDs of the objects the job creates.
    this.jobs.push({ id: this.genGlobalId(), type, schemaName, tableName, query, schemaVersion: this.version });
  }
}

export function isDdl(stmt: Statement): stmt is DdlStatement {
  return ['create-database', 'drop-database', 'alter-database', 'create-placement-policy', 'create-sequence', 'drop-sequence', 'create-view', 'drop-view', 'create-table', 'create-table-like', 'create-index', 'alter-table', 'rename-table', 'drop-table', 'truncate-table'].includes(stmt.kind);
}

/**
 * A small stand-in for TiDB's bootstrap: the `mysql` schema with the system tables BR's system-table restore
 * touches, and the `test` schema. Those BR restores into (bind_info, opt_rule_blacklist, expr_pushdown_blacklist)
 * are exactly v8.5.3's, so `REPLACE … SELECT *` from a real backup fits them; the others, which BR skips, keep
 * only their leading columns.
 */
function bootstrapSystemSchema(c: Catalog): void {
  const ddl = [
    'CREATE DATABASE mysql',
    'CREATE TABLE mysql.tidb (VARIABLE_NAME varchar(64) NOT NULL, VARIABLE_VALUE varchar(1024) DEFAULT NULL, COMMENT varchar(1024) DEFAULT NULL, PRIMARY KEY (VARIABLE_NAME) /*T![clustered_index] NONCLUSTERED */)',
    'CREATE TABLE mysql.global_variables (VARIABLE_NAME varchar(64) NOT NULL, VARIABLE_VALUE varchar(16383) DEFAULT NULL, PRIMARY KEY (VARIABLE_NAME) /*T![clustered_index] NONCLUSTERED */)',
    "CREATE TABLE mysql.user (Host char(255) NOT NULL DEFAULT '', User char(32) NOT NULL DEFAULT '', authentication_string text DEFAULT NULL, plugin char(64) DEFAULT NULL, Select_priv enum('N','Y') NOT NULL DEFAULT 'N', PRIMARY KEY (Host, User) /*T![clustered_index] NONCLUSTERED */)",
    "CREATE TABLE mysql.db (Host char(255) NOT NULL DEFAULT '', DB char(64) NOT NULL DEFAULT '', User char(32) NOT NULL DEFAULT '', Select_priv enum('N','Y') NOT NULL DEFAULT 'N', PRIMARY KEY (Host, DB, User) /*T![clustered_index] NONCLUSTERED */)",
    'CREATE TABLE mysql.bind_info (original_sql text NOT NULL, bind_sql text NOT NULL, default_db text NOT NULL, status text NOT NULL, create_time timestamp(3) NOT NULL, update_time timestamp(3) NOT NULL, charset text NOT NULL, collation text NOT NULL, source varchar(10) NOT NULL DEFAULT \'unknown\', sql_digest varchar(64) DEFAULT NULL, plan_digest varchar(64) DEFAULT NULL, ' +
      "KEY sql_index (original_sql(700), default_db(68)) COMMENT 'accelerate the speed when add global binding query', KEY time_index (update_time) COMMENT 'accelerate the speed when querying with last update time')",
    'CREATE TABLE mysql.stats_meta (version bigint(64) unsigned NOT NULL, table_id bigint(64) NOT NULL, modify_count bigint(64) NOT NULL DEFAULT 0, count bigint(64) unsigned NOT NULL DEFAULT 0, snapshot bigint(64) unsigned NOT NULL DEFAULT 0, UNIQUE KEY tbl (table_id))',
    'CREATE TABLE mysql.gc_delete_range (job_id bigint NOT NULL, element_id bigint NOT NULL, start_key varchar(255) NOT NULL, end_key varchar(255) NOT NULL, ts bigint NOT NULL, UNIQUE KEY delete_range_index (job_id, element_id))',
    "CREATE TABLE mysql.opt_rule_blacklist (name char(100) NOT NULL)",
    "CREATE TABLE mysql.expr_pushdown_blacklist (name char(100) NOT NULL, store_type char(100) NOT NULL DEFAULT 'tikv,tiflash,tidb', reason varchar(200) DEFAULT NULL)",
    'CREATE DATABASE test',
  ];
  for (const sql of ddl) c.executeSql(sql);
}

/** Whether `id` is the table's own ID or one of its partitions'. */
function hasId(t: TableInfo, id: number): boolean {
  return t.id === id || (t.partition?.definitions.some((p) => p.id === id) ?? false);
}
