import type { DdlJob, Manifest, ManifestDatabase, ManifestTable } from '../backup/manifest';
import { BrflowError, ErrorType } from './error-types';
import { effectiveRestoreFilter, matchSchema, matchTable, realSchemaName, schemaFilter, tablesFilter, type TableFilter } from './table-filter';

/** What the operator asked to restore: BR's `restore full -f …`, `restore db --db`, `restore table --db --table`. */
export interface TableSelection {
  /** `-f/--filter` rules; empty means BR's default (everything but system schemas). */
  filters?: readonly string[];
  /** `restore db --db` / `restore table --db`. */
  db?: string;
  /** `restore table --table` (needs `db`). */
  table?: string;
  /** BR's `--case-sensitive`. @default false */
  caseSensitive?: boolean;
  /** A selection of nothing is expected (else it fails FilterTargetMissing). @default false */
  allowEmpty?: boolean;
}

export interface SelectedTables {
  /** Databases to create: those holding a selected table, plus backed-up empty databases the filter selects. */
  databases: ManifestDatabase[];
  tables: ManifestTable[];
  /** Incremental-backup DDL jobs that touch the selection, in replay order (schema version ascending). */
  ddlJobs: DdlJob[];
}

/** BR's error code for naming something the backup lacks (br/pkg/errors ErrUndefinedRestoreDbOrTable). */
const UNDEFINED_DB_OR_TABLE = '[BR:Restore:ErrUndefinedRestoreDbOrTable]undefined restore databases or tables';

function enclose(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}

/** The filter a selection means; `db`/`table` win over `filters` as BR's db/table subcommands do. */
export function selectionFilter(sel: TableSelection): TableFilter {
  const opts = { caseSensitive: sel.caseSensitive ?? false };
  if (sel.table !== undefined) {
    if (sel.db === undefined) throw new BrflowError(ErrorType.InvalidInput, 'table: --table needs --db naming its database');
    return tablesFilter([{ db: sel.db, table: sel.table }], opts);
  }
  if (sel.db !== undefined) return schemaFilter(sel.db, opts);
  return effectiveRestoreFilter(sel.filters ?? [], opts);
}

/**
 * Picks the databases, tables and DDL jobs to restore (BR task/restore.go CheckRestoreDBAndTable +
 * filterRestoreFiles + restore.FilterDDLJobs). A `--db`/`--table` the backup does not hold fails with BR's
 * wording. Unlike BR (which logs "nothing to restore" and succeeds), a selection of nothing fails unless
 * `allowEmpty` says it is expected: a scheduled test restore with a mistyped filter must not pass every night.
 */
export function selectTables(manifest: Manifest, sel: TableSelection): SelectedTables {
  const filter = selectionFilter(sel);
  checkNamedTargets(manifest, sel);

  const tables = manifest.tables.filter((t) => matchTable(filter, realSchemaName(t.db), t.name));
  const dbIdsWithTables = new Set(tables.map((t) => t.dbId));
  const dbsHoldingAnyTable = new Set(manifest.tables.map((t) => t.dbId));
  const databases = manifest.databases.filter(
    (d) => dbIdsWithTables.has(d.id) || (!dbsHoldingAnyTable.has(d.id) && matchSchema(filter, realSchemaName(d.name))),
  );
  const known = new Set(manifest.databases.map((d) => d.id));
  const orphan = tables.find((t) => !known.has(t.dbId));
  if (orphan) {
    throw new BrflowError(
      ErrorType.BackupMetaCorrupt,
      `contain tables but no databases: table ${enclose(orphan.db)}.${enclose(orphan.name)} has no database entry in the backup; the backupmeta is damaged, take a new backup`,
    );
  }
  const ddlJobs = filterDdlJobs(manifest.ddlJobs, databases, tables, filter);
  if (!sel.allowEmpty && databases.length === 0 && tables.length === 0 && ddlJobs.length === 0) throw nothingSelected(manifest, sel);
  return { databases, tables, ddlJobs };
}

function nothingSelected(manifest: Manifest, sel: TableSelection): BrflowError {
  const asked = sel.db !== undefined ? `--db ${sel.db}${sel.table !== undefined ? ` --table ${sel.table}` : ''}` : sel.filters && sel.filters.length > 0 ? `filters ${JSON.stringify(sel.filters)}` : 'the default filter (every user table)';
  const held = manifest.databases.map((d) => enclose(realSchemaName(d.name))).join(', ') || 'none';
  return new BrflowError(
    ErrorType.FilterTargetMissing,
    `${asked} select nothing in the backup (it holds databases: ${held}); fix the filters (\`brflow plan URL -f …\` shows what they select), or set "allowEmpty": true if an empty restore is expected`,
  );
}

function checkNamedTargets(manifest: Manifest, sel: TableSelection): void {
  if (sel.db === undefined) return;
  // BR compares lower-cased, enclosed names (newer task/restore.go CheckRestoreDBAndTable).
  const fold = (s: string): string => (sel.caseSensitive ? s : s.toLowerCase());
  const dbs = new Set(manifest.databases.map((d) => fold(realSchemaName(d.name))));
  if (!dbs.has(fold(sel.db))) {
    const held = manifest.databases.map((d) => enclose(realSchemaName(d.name))).join(', ') || 'none';
    throw new BrflowError(
      ErrorType.FilterTargetMissing,
      `[database: ${enclose(sel.db)}] has not been backup, please ensure you has input a correct database name: ${UNDEFINED_DB_OR_TABLE} (the backup holds databases: ${held})`,
    );
  }
  if (sel.table === undefined) return;
  const want = `${fold(sel.db)}.${fold(sel.table)}`;
  if (!manifest.tables.some((t) => `${fold(realSchemaName(t.db))}.${fold(t.name)}` === want)) {
    throw new BrflowError(
      ErrorType.FilterTargetMissing,
      `[table: ${enclose(sel.db)}.${enclose(sel.table)}] has not been backup, please ensure you has input a correct table name: ${UNDEFINED_DB_OR_TABLE}`,
    );
  }
}

/** TiDB model.ActionType codes brflow looks at (pkg/meta/model/job.go). */
export const DdlActionType = {
  CreateSchema: 1, DropSchema: 2, CreateTable: 3, DropTable: 4, LockTable: 27, UnlockTable: 28, SetTiFlashReplica: 30, UpdateTiFlashReplicaStatus: 31,
} as const;

/**
 * Jobs newer BR never replays on incremental restore (task/restore.go incrementalRestoreActionBlockList):
 * they describe cluster-local state (TiFlash replicas, table locks), not the schema.
 */
export const BLOCKED_DDL_ACTIONS: readonly number[] = [
  DdlActionType.SetTiFlashReplica, DdlActionType.UpdateTiFlashReplicaStatus, DdlActionType.LockTable, DdlActionType.UnlockTable,
];

function schemaVersion(j: DdlJob): number {
  return j.binlog?.SchemaVersion ?? 0;
}

function nameOf(info: unknown, key: 'db_name' | 'name'): string | undefined {
  const n = (info as Record<string, { L?: unknown } | undefined> | undefined)?.[key]?.L;
  return typeof n === 'string' ? n : undefined;
}

/**
 * BR restore.FilterDDLJobs (research §8.4): walking jobs newest first, a job belongs to the selection when it
 * touches a selected database or table by ID or by name; its own IDs/names then join the known sets, so
 * chains of renames and drop/re-create are followed back in time. Blocked action types are dropped.
 */
export function filterDdlJobs(
  jobs: readonly DdlJob[], databases: readonly ManifestDatabase[], tables: readonly ManifestTable[], filter?: TableFilter,
): DdlJob[] {
  const byVersionDesc = [...jobs].sort((a, b) => schemaVersion(b) - schemaVersion(a) || b.id - a.id);
  const picked = new Set<DdlJob>();
  // Beyond BR: a DROP of a table or database the filter covers is kept although the backup no longer has
  // it (BR's ID/name walk cannot find it), so full + incremental ends without the dropped object as the
  // source cluster did, instead of keeping it from the full restore.
  if (filter) {
    for (const j of jobs) {
      if (j.type === DdlActionType.DropTable && j.schema_name !== undefined) {
        const tName = j.table_name ?? nameOf(j.binlog?.TableInfo, 'name');
        if (tName !== undefined && matchTable(filter, realSchemaName(j.schema_name), tName)) picked.add(j);
      } else if (j.type === DdlActionType.DropSchema && j.schema_name !== undefined && matchSchema(filter, realSchemaName(j.schema_name))) {
        picked.add(j);
      }
    }
  }
  for (const db of databases) {
    const ids = new Set([db.id]);
    const names = new Set([db.name.toLowerCase()]);
    for (const j of byVersionDesc) {
      const dbName = nameOf(j.binlog?.DBInfo, 'db_name');
      if (j.binlog?.DBInfo == null) continue;
      if (ids.has(j.schema_id) || (dbName !== undefined && names.has(dbName))) {
        picked.add(j);
        ids.add(j.schema_id);
        if (dbName !== undefined) names.add(dbName);
      }
    }
  }
  for (const t of tables) {
    const ids = new Set([t.id]);
    const names = new Set([`${t.db.toLowerCase()}.${t.name.toLowerCase()}`]);
    for (const j of byVersionDesc) {
      if (j.binlog?.TableInfo == null) continue;
      const tName = nameOf(j.binlog.TableInfo, 'name');
      const key = j.schema_name !== undefined && tName !== undefined ? `${j.schema_name.toLowerCase()}.${tName}` : undefined;
      if (ids.has(j.table_id) || (key !== undefined && names.has(key))) {
        picked.add(j);
        ids.add(j.table_id);
        if (key !== undefined) names.add(key);
      }
    }
  }
  return [...picked].filter((j) => !BLOCKED_DDL_ACTIONS.includes(j.type)).sort((a, b) => schemaVersion(a) - schemaVersion(b) || a.id - b.id);
}
