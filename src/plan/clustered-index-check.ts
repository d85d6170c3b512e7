import type { DdlJob } from '../backup/manifest';
import { BrflowError, ErrorType } from './error-types';
import { DdlActionType } from './select-tables';
import type { TableInfo } from './table-info';

/**
 * How a table's rows are keyed, which decides the byte layout of every restored row key:
 * `int-handle` (a single integer primary key is the handle: pk_is_handle), `clustered` (common handle over
 * the primary key columns: is_common_handle), `rowid` (hidden _tidb_rowid; any primary key is a plain
 * unique index, i.e. NONCLUSTERED).
 */
export type HandleKind = 'int-handle' | 'clustered' | 'rowid';

export function handleKindOf(t: Pick<TableInfo, 'pk_is_handle' | 'is_common_handle'>): HandleKind {
  return t.pk_is_handle ? 'int-handle' : t.is_common_handle ? 'clustered' : 'rowid';
}

/** A table the restore will create (or restore into) with the backup's handle layout. */
export interface WantedTable {
  db: string;
  name: string;
  kind: HandleKind;
  /** Where the layout comes from: the backup's schema or a CreateTable DDL job of an incremental backup. */
  source: 'table' | 'ddl-job';
}

/** A table that already exists downstream, as TiDB reports it. */
export interface ExistingTable {
  db: string;
  name: string;
  kind: HandleKind;
}

export interface HandleMismatch {
  db: string;
  name: string;
  backup: HandleKind;
  existing: HandleKind;
  source: WantedTable['source'];
}

/**
 * The tables to check: every table of the plan, and the table of every CreateTable job an incremental
 * backup replays (BR PreCheckTableClusterIndex checks both).
 */
export function wantedTables(tables: readonly { db: string; name: string; info: TableInfo }[], ddlJobs: readonly DdlJob[]): WantedTable[] {
  const out: WantedTable[] = tables.map((t) => ({ db: t.db, name: t.name, kind: handleKindOf(t.info), source: 'table' }));
  for (const j of ddlJobs) {
    if (j.type !== DdlActionType.CreateTable || j.schema_name === undefined) continue;
    const info = j.binlog?.TableInfo as Partial<TableInfo> | undefined;
    const name = info?.name?.O;
    if (!info || name === undefined) continue;
    out.push({ db: j.schema_name, name, kind: handleKindOf({ pk_is_handle: info.pk_is_handle === true, is_common_handle: info.is_common_handle === true }), source: 'ddl-job' });
  }
  return out;
}

/**
 * Tables that exist downstream with another handle layout than the backup's (BR PreCheckTableClusterIndex,
 * stricter: BR compares only IsCommonHandle, which lets an integer primary key keyed by _tidb_rowid pass
 * against one that is the handle, and those rows would be written under keys the table never reads).
 * Names compare case-insensitively (TiDB's lower_case_table_names = 2). Each table is reported once.
 */
export function clusteredIndexMismatches(wanted: readonly WantedTable[], existing: readonly ExistingTable[]): HandleMismatch[] {
  const key = (db: string, name: string): string => `${db.toLowerCase()}\u0000${name.toLowerCase()}`;
  const downstream = new Map(existing.map((e) => [key(e.db, e.name), e]));
  const seen = new Set<string>();
  const out: HandleMismatch[] = [];
  for (const w of wanted) {
    const k = key(w.db, w.name);
    const e = downstream.get(k);
    if (!e || e.kind === w.kind || seen.has(k)) continue;
    seen.add(k);
    out.push({ db: w.db, name: w.name, backup: w.kind, existing: e.kind, source: w.source });
  }
  return out;
}

const DESCRIBE: Record<HandleKind, string> = {
  'int-handle': 'CLUSTERED (integer handle)',
  clustered: 'CLUSTERED (common handle)',
  rowid: 'NONCLUSTERED (_tidb_rowid)',
};

/** The @@tidb_enable_clustered_index value under which TiDB creates a table with this layout by default. */
const SETTING: Record<HandleKind, string> = {
  'int-handle': 'INT_ONLY (or ON)',
  clustered: 'ON',
  rowid: 'OFF',
};

const LISTED = 10;

/**
 * The non-retryable error for mismatches (BR ErrRestoreModeMismatch "Clustered index option mismatch"):
 * names each table (up to 10), both layouts, and the ways out.
 */
export function clusteredIndexMismatchError(mismatches: readonly HandleMismatch[]): BrflowError {
  const listed = mismatches.slice(0, LISTED).map((m) =>
    `\`${m.db}\`.\`${m.name}\` exists with a ${DESCRIBE[m.existing]} primary key but the backup${m.source === 'ddl-job' ? "'s CREATE TABLE job" : ''} has ${DESCRIBE[m.backup]} (@@tidb_enable_clustered_index should be ${SETTING[m.backup]})`,
  );
  const more = mismatches.length > LISTED ? `; and ${mismatches.length - LISTED} more` : '';
  return new BrflowError(
    ErrorType.RestoreModeMismatch,
    `clustered index option mismatch on ${mismatches.length} existing table(s): ${listed.join('; ')}${more}. Restored rows are keyed by the backup's layout and would not be readable through these tables; nothing was changed. Drop them so brflow creates them, or recreate them with the backup's layout (SET @@tidb_enable_clustered_index as given, or PRIMARY KEY … CLUSTERED / NONCLUSTERED), or exclude them with a table filter`,
  );
}
