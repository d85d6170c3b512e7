import type { DdlJob } from '../backup/manifest';
import type { ExistingTable } from '../plan/clustered-index-check';
import { BrflowError, ErrorType } from '../plan/error-types';
import { placementMismatches, type PlannedPolicy } from '../plan/placement-sql';
import type { PlanDatabase, PlanTable } from '../plan/restore-plan';
import { createAutoIdBases, hasRowId, separateAutoInc } from '../plan/auto-ids';
import { MysqlFlag, type TableInfo } from '../plan/table-info';
import type { PlanSequence, PlanView } from '../plan/views-and-sequences';
import { TidbError, type TidbClient } from './tidb';

/** TiDB's "no such table" and "unknown database": what CREATE VIEW answers when a table it reads is missing. */
const ER_NO_SUCH_TABLE = 1146;
const ER_BAD_DB = 1049;
/** "Table exists": CREATE SEQUENCE of a name taken since we looked. */
const ER_TABLE_EXISTS = 1050;

/** The prefix plan/column-ids gives the placeholder columns that hold the backup's column-ID gaps. */
const PLACEHOLDER_PATTERN = /__brflow_col_\d+/g;

/**
 * The schema side of a restore over a TidbClient, in the shape the activities ask for (activities/deps.ts
 * SchemaControl), and the only one: the worker's deps (worker/cluster-deps.ts) are this object. It creates
 * databases and tables from the plan's rendered DDL, then puts back the auto ID bases the way TiDB v8 does
 * for BR's CreateTableWithInfo (executor handleAutoIncID).
 */
export class TidbSchemaControl {
  constructor(private readonly client: TidbClient) {}

  /** `CREATE PLACEMENT POLICY IF NOT EXISTS …` for each, before any database or table names one (BR CreatePolicies). */
  async createPlacementPolicies(policies: readonly PlannedPolicy[]): Promise<void> {
    if (policies.length > 0) await this.client.executeStatements(undefined, policies.map((p) => p.createSql));
  }

  async serverVersion(): Promise<string> {
    return (await this.client.version()).serverVersion;
  }

  async createDatabase(db: PlanDatabase): Promise<void> {
    await this.client.createDatabases([db.createSql]);
    // Setting the default policy again on a retry is harmless.
    if (db.placementSql !== undefined) await this.client.executeStatements(undefined, [db.placementSql]);
  }

  /** Creates one table: createTables of a group of one. */
  async createTable(t: PlanTable): Promise<TableInfo> {
    return (await this.createTables([t]))[0]!;
  }

  /**
   * Creates the tables with the backup's column IDs (refusing them otherwise), finishing ones an earlier try
   * left part-way, and rebases their auto IDs and adds their constraints, side by side over the client's
   * session pool (TidbClient.createTables). Returns the TableInfo TiDB holds afterwards for each, in order (new
   * table/partition IDs) for the rewrite rules. A table the plan cannot create is refused before any is created.
   */
  async createTables(ts: readonly PlanTable[], signal?: AbortSignal): Promise<TableInfo[]> {
    const toCreate = ts.map((t) => {
      if (!t.layout || !t.layout.reproducible) {
        const why = !t.layout ? 'the plan has no DDL for it (planned with noSchema)' : t.layout.reason;
        throw new BrflowError(ErrorType.UnsupportedTable, `table ${t.db}.${t.name} cannot be created with its backup column IDs: ${why}; exclude it with a filter`);
      }
      const placeholders = [...new Set(t.layout.statements.join('\n').match(PLACEHOLDER_PATTERN) ?? [])];
      return { db: t.db, table: t.name, statements: t.layout.statements, backup: t.info, placeholderColumns: placeholders };
    });
    const created = await this.client.createTables(toCreate, {
      ...(signal ? { signal } : {}),
      finish: async (_, i, madeByOwnCreate) => {
        const t = ts[i]!;
        // A table its own CREATE made just now starts from the bases that CREATE set (plan/auto-ids.ts); an
        // adopted table or a LIKE copy (which takes no table options) is rebased by ALTER, which only moves up.
        await this.rebaseAutoIds(t.db, t.name, t.info, { basesSet: madeByOwnCreate && t.layout?.reproducible === true && t.layout.autoIdsInCreate === true });
        if (t.constraints) await this.client.addConstraints(t.db, t.constraints.statements);
        // Each statement sets a reference to what the backup had, so running them again on a retry changes nothing.
        if (t.placement) await this.client.executeStatements(t.db, t.placement.statements);
      },
    });
    return created.map((c, i) => {
      const t = ts[i]!;
      if (t.constraints) checkConstraints(t, c.info);
      if (t.placement) checkPlacement(t, c.info);
      return c.info;
    });
  }

  /**
   * TiDB v8 after BR's CreateTableWithInfo: auto_inc_id > 1 rebases the auto-increment allocator (the
   * `_tidb_rowid` one unless AUTO_ID_CACHE=1 separates them), auto_inc_id_extra the `_tidb_rowid` one of such
   * a separated table, auto_rand_id > 1 the AUTO_RANDOM one. Over SQL the first and last are the CREATE's table
   * options (plan/auto-ids.ts: `basesSet` when that CREATE made the table), else `ALTER TABLE … AUTO_INCREMENT`
   * / `AUTO_RANDOM_BASE`; auto_inc_id_extra is a rolled-back `_tidb_rowid` write, as SQL has no option for it.
   * Each moves a base up only, so repeating them is harmless.
   */
  private async rebaseAutoIds(db: string, table: string, info: TableInfo, opts: { basesSet: boolean }): Promise<void> {
    const bases = opts.basesSet ? {} : createAutoIdBases(info);
    if (bases.autoIncrement !== undefined) await this.client.rebaseAutoIncrement(db, table, bases.autoIncrement);
    const extra = Number(info['auto_inc_id_extra'] ?? 0);
    if (extra > 1 && separateAutoInc(info) && hasRowId(info)) {
      const autoInc = info.cols.find((c) => (c.type.Flag & MysqlFlag.AutoIncrement) !== 0);
      await this.client.rebaseRowId(db, table, extra - 1, autoInc?.name.O);
    }
    if (bases.autoRandomBase !== undefined) await this.client.rebaseAutoRandom(db, table, bases.autoRandomBase);
  }

  /**
   * Creates a sequence and moves it to the backup's value (plan/sequence-sql.ts). A sequence that exists already
   * (an earlier try, or made downstream: BR ignores existing objects too) only gets the final SETVAL, which
   * moves a sequence forward only and so is safe to repeat; the CYCLE round trip runs once, with the CREATE.
   * A table or view of that name is refused.
   */
  async createSequence(s: PlanSequence): Promise<void> {
    const existing = await this.client.tableInfo(s.db, s.name);
    if (existing && !existing.sequence) {
      throw new BrflowError(ErrorType.TableExists, `sequence ${s.db}.${s.name} cannot be restored: a ${existing.view ? 'view' : 'table'} of that name exists; drop it or exclude the sequence from the restore`);
    }
    if (!existing) {
      let created = true;
      try {
        await this.client.executeStatements(s.db, [s.createSql]);
      } catch (e) {
        // Made between our look and our CREATE (another attempt of this step): it runs the round trip, not us.
        if (!(e instanceof TidbError && e.errno === ER_TABLE_EXISTS)) throw e;
        created = false;
      }
      if (created) {
        await this.client.executeStatements(s.db, s.valueStatements);
        return;
      }
    }
    await this.client.executeStatements(s.db, s.valueStatements.slice(-1));
  }

  /**
   * Creates a view once every table exists. One that exists already is left as it is (BR's OnExistIgnore); a
   * table or sequence of that name is refused, and so is a view reading a table the target does not have.
   */
  async createView(v: PlanView): Promise<void> {
    const existing = await this.client.tableInfo(v.db, v.name);
    if (existing) {
      if (existing.view) return;
      throw new BrflowError(ErrorType.TableExists, `view ${v.db}.${v.name} cannot be restored: a ${existing.sequence ? 'sequence' : 'table'} of that name exists; drop it or exclude the view from the restore`);
    }
    try {
      await this.client.createView(v.db, v.createSql, { charset: v.charset, collate: v.collate });
    } catch (e) {
      if (!(e instanceof TidbError && (e.errno === ER_NO_SUCH_TABLE || e.errno === ER_BAD_DB))) throw e;
      throw new BrflowError(
        ErrorType.TableMissing,
        `view ${v.db}.${v.name} reads a table or view the target does not have (${e.message}); restore it together with what it reads (widen the filters) or create those first, or exclude the view`,
      );
    }
  }

  async checkConstraintsEnabled(): Promise<boolean> {
    return this.client.checkConstraintsEnabled();
  }

  async placementPolicyNames(): Promise<string[]> {
    return this.client.placementPolicyNames();
  }

  async newCollationEnabled(): Promise<string | undefined> {
    return this.client.newCollationEnabled();
  }

  async getTable(db: string, name: string): Promise<TableInfo | undefined> {
    return this.client.tableInfo(db, name);
  }

  async execDdl(job: DdlJob, later: readonly DdlJob[] = []): Promise<void> {
    await this.client.execDdlJob(job, later);
  }

  async restoreSystemTables(tables: readonly string[]): Promise<void> {
    await this.client.restoreSystemTables(tables);
  }

  async readHandleKinds(dbs: readonly string[]): Promise<ExistingTable[]> {
    return this.client.readHandleKinds(dbs);
  }

  async setTiFlashReplica(db: string, name: string, count: number, locationLabels: readonly string[]): Promise<void> {
    await this.client.setTiFlashReplica(db, name, count, locationLabels);
  }
}

/**
 * The created table must hold every foreign key, CHECK constraint and TTL the plan added. TiDB accepts a CHECK
 * and ignores it (a warning) while `tidb_enable_check_constraint` is OFF, its default: that is refused here.
 */
function checkConstraints(t: PlanTable, info: TableInfo): void {
  const want = t.constraints!.expect;
  const held = (v: unknown, key: string): Set<string> =>
    new Set((Array.isArray(v) ? v : []).map((o) => String((o as Record<string, { L?: string } | undefined>)[key]?.L ?? '')));
  const fks = held(info['fk_info'], 'fk_name');
  const checks = held(info['constraint_info'], 'constraint_name');
  const missing = [
    ...want.foreignKeys.filter((n) => !fks.has(n)).map((n) => `foreign key ${n}`),
    ...want.checks.filter((n) => !checks.has(n)).map((n) => `CHECK constraint ${n}`),
    ...(want.ttl && !info['ttl_info'] ? ['TTL'] : []),
  ];
  if (missing.length === 0) return;
  const checkHint = want.checks.some((n) => !checks.has(n))
    ? ' TiDB ignores CHECK constraints while tidb_enable_check_constraint is OFF: run SET GLOBAL tidb_enable_check_constraint = ON on the target, or restore with "skip": ["checkConstraints"].'
    : '';
  throw new BrflowError(ErrorType.UnsupportedObject, `table ${t.db}.${t.name} was created but TiDB did not keep its ${missing.join(', ')}.${checkHint}`);
}

/** The created table must reference the policies the plan gave it and its partitions. */
function checkPlacement(t: PlanTable, info: TableInfo): void {
  const wrong = placementMismatches(t.placement!.expect, info);
  if (wrong.length > 0) throw new BrflowError(ErrorType.UnsupportedObject, `table ${t.db}.${t.name} was created but TiDB did not keep its ${wrong.join(', ')}; restore with "placementMode": "ignore" to restore without placement`);
}

