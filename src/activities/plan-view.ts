import type { BackupFile, DdlJob, Manifest } from '../backup/manifest';
import { effectiveRestoreFilter, matchSchema, matchTable, realSchemaName } from '../plan/table-filter';
import type { DBInfo, TableInfo } from '../plan/table-info';
import type { PlanSummary } from '../workflows/types';

/**
 * The restore plan as the activities use it: a pure function of the backup manifest and the request's
 * planning options, so any worker can rebuild it and check it by hash (see plan-cache.ts).
 *
 * TODO(plan teammate): once src/plan/restore-plan.ts lands (ranges, merge, split keys), build this from it;
 * until then batches follow BR's file order within each table and split at file boundaries.
 */
export interface PlannedTable {
  db: string;
  name: string;
  info: TableInfo;
  isSystem: boolean;
  expected: { crc64xor: string; totalKvs: string; totalBytes: string };
}

export interface PlannedBatch {
  /** Indexes into `tables` of the tables whose files are in this batch. */
  tables: number[];
  files: { table: number; file: BackupFile }[];
}

export interface RestorePlanView {
  databases: DBInfo[];
  tables: PlannedTable[];
  /** Table indexes per create-tables group, in creation order. */
  groups: number[][];
  batches: PlannedBatch[];
  ddlJobs: DdlJob[];
  summary: Omit<PlanSummary, 'planRef'>;
}

export interface PlanOptions {
  filters: string[];
  batchFiles: number;
  tableGroupSize: number;
}

function isIncremental(m: Manifest): boolean {
  // BR: a full backup has start_version 0 or start == end.
  return !(m.startVersion === '0' || m.startVersion === '' || m.startVersion === m.endVersion);
}

export function buildPlanView(m: Manifest, opts: PlanOptions): RestorePlanView {
  const filter = effectiveRestoreFilter(opts.filters);
  const selected = m.tables
    .filter((t) => matchTable(filter, realSchemaName(t.db), t.name))
    .sort((a, b) => (a.db === b.db ? a.id - b.id : a.db < b.db ? -1 : 1));
  const tables: PlannedTable[] = selected.map((t) => ({
    db: t.db,
    name: t.name,
    info: t.info,
    isSystem: t.isSystem,
    expected: { crc64xor: t.crc64xor, totalKvs: t.totalKvs, totalBytes: t.totalBytes },
  }));
  const dbNames = new Set(selected.map((t) => t.db));
  const databases = m.databases.filter((d) => dbNames.has(d.name) || matchSchema(filter, realSchemaName(d.name))).map((d) => d.info);
  const selectedDbs = new Set(databases.map((d) => d.db_name.L));

  const groups: number[][] = [];
  for (let i = 0; i < tables.length; i += opts.tableGroupSize) {
    groups.push(tables.slice(i, i + opts.tableGroupSize).map((_, j) => i + j));
  }
  const groupOf = (tableIdx: number): number => Math.floor(tableIdx / opts.tableGroupSize);

  const batches: PlannedBatch[] = [];
  let current: PlannedBatch = { tables: [], files: [] };
  selected.forEach((t, ti) => {
    const files = [...t.files].sort((a, b) => (a.startKey < b.startKey ? -1 : a.startKey > b.startKey ? 1 : a.cf < b.cf ? -1 : 1));
    for (const f of files) {
      if (current.files.length >= opts.batchFiles) {
        batches.push(current);
        current = { tables: [], files: [] };
      }
      if (current.tables[current.tables.length - 1] !== ti) current.tables.push(ti);
      current.files.push({ table: ti, file: f });
    }
  });
  if (current.files.length > 0) batches.push(current);

  // readyBatches[g]: prefix of batches whose tables all lie in groups ≤ g (batches follow table order).
  const readyBatches: number[] = [];
  const groupBatchEnd: number[] = [];
  for (let g = 0; g < groups.length; g++) {
    let ready = g > 0 ? readyBatches[g - 1]! : 0;
    while (ready < batches.length && Math.max(...batches[ready]!.tables.map(groupOf)) <= g) ready++;
    readyBatches.push(ready);
    let end = g > 0 ? groupBatchEnd[g - 1]! : 0;
    for (let b = end; b < batches.length; b++) if (batches[b]!.tables.some((ti) => groupOf(ti) === g)) end = b + 1;
    groupBatchEnd.push(end);
  }

  const ddlJobs = m.ddlJobs.filter((j) => {
    const db = j.schema_name ?? '';
    if (!selectedDbs.has(db.toLowerCase())) return false;
    return !j.table_name || matchTable(filter, realSchemaName(db), j.table_name);
  });

  let bytes = 0;
  let kvs = 0;
  let files = 0;
  for (const b of batches) for (const { file } of b.files) {
    bytes += Number(file.size || file.totalBytes);
    kvs += Number(file.totalKvs);
    files++;
  }
  return {
    databases,
    tables,
    groups,
    batches,
    ddlJobs,
    summary: {
      backup: {
        clusterId: m.clusterId,
        clusterVersion: m.clusterVersion,
        brVersion: m.brVersion,
        startVersion: m.startVersion,
        endVersion: m.endVersion,
        incremental: isIncremental(m),
        isRawKv: m.isRawKv,
      },
      databases: databases.length,
      tables: tables.length,
      systemTables: tables.filter((t) => t.isSystem).length,
      files,
      bytes,
      kvs,
      ddlJobs: ddlJobs.length,
      tableGroups: groups.length,
      batches: batches.length,
      readyBatches,
      groupBatchEnd,
    },
  };
}
