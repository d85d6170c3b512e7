import type { DdlJob } from '../backup/manifest';
import { BrflowError, ErrorType } from '../plan/error-types';
import type { PlanDatabase, PlanTable } from '../plan/restore-plan';
import { MysqlFlag, type TableInfo } from '../plan/table-info';
import type { TidbClient } from './tidb';

/** The prefix plan/column-ids gives the placeholder columns that hold the backup's column-ID gaps. */
const PLACEHOLDER_PATTERN = /__brflow_col_\d+/g;

/**
 * The schema side of a restore over a TidbClient, in the shape the activities ask for (activities/deps.ts
 * SchemaControl): create databases and tables from the plan's rendered DDL, then put back the auto ID bases
 * the way BR v5.3 does after each create (pkg/restore/db.go CreateTable).
 */
export class TidbSchemaControl {
  constructor(private readonly client: TidbClient) {}

  async createDatabase(db: PlanDatabase): Promise<void> {
    await this.client.createDatabases([db.createSql]);
  }

  /**
   * Creates the table with the backup's column IDs (refusing it otherwise) and rebases its auto IDs.
   * Returns the TableInfo TiDB holds afterwards (new table/partition IDs) for the rewrite rules.
   */
  async createTable(t: PlanTable): Promise<TableInfo> {
    if (!t.layout) throw new BrflowError(ErrorType.Internal, `table ${t.db}.${t.name} has no DDL in the plan (planned with noSchema); it cannot be created`);
    if (!t.layout.reproducible) throw new BrflowError(ErrorType.UnsupportedTable, `table ${t.db}.${t.name} cannot be recreated with its column IDs: ${t.layout.reason}`);
    const placeholders = [...new Set(t.layout.statements.join('\n').match(PLACEHOLDER_PATTERN) ?? [])];
    const created = await this.client.createTable({ db: t.db, table: t.name, statements: t.layout.statements, backup: t.info, placeholderColumns: placeholders });
    await this.rebaseAutoIds(t.db, t.name, t.info);
    return (await this.client.tableInfo(t.db, t.name)) ?? created.info;
  }

  /**
   * BR: a table that needs an auto ID (it has _tidb_rowid, or an AUTO_INCREMENT column) gets
   * `ALTER TABLE … AUTO_INCREMENT = <AutoIncID>`; otherwise an integer-handle table with AUTO_RANDOM gets
   * `AUTO_RANDOM_BASE = <AutoRandID>`. A zero base is skipped: it cannot move TiDB's allocator.
   */
  private async rebaseAutoIds(db: string, table: string, info: TableInfo): Promise<void> {
    if (needAutoId(info)) {
      if (info.auto_inc_id > 0) await this.client.rebaseAutoIncrement(db, table, info.auto_inc_id);
    } else if (info.pk_is_handle && (info.auto_random_bits ?? 0) > 0 && (info.auto_rand_id ?? 0) > 0) {
      await this.client.rebaseAutoRandom(db, table, info.auto_rand_id ?? 0);
    }
  }

  async getTable(db: string, name: string): Promise<TableInfo | undefined> {
    return this.client.tableInfo(db, name);
  }

  async execDdl(job: DdlJob): Promise<void> {
    await this.client.execDdlJob(job);
  }

  async restoreSystemTables(tables: readonly string[]): Promise<void> {
    await this.client.restoreSystemTables(tables);
  }
}

/** BR utils.NeedAutoID: the table has a _tidb_rowid (no integer or clustered handle) or an AUTO_INCREMENT column. */
export function needAutoId(t: TableInfo): boolean {
  const hasRowId = !t.pk_is_handle && !t.is_common_handle;
  const hasAutoInc = t.cols.some((c) => (c.type.Flag & MysqlFlag.AutoIncrement) !== 0);
  return hasRowId || hasAutoInc;
}
