import type { PolicyInfo } from '../../plan/placement-sql';
import { BrflowError, ErrorType } from '../../plan/error-types';
import { composeTs } from '../../plan/keys';
import type { DBInfo, TableInfo } from '../../plan/table-info';
import { backupClock } from './clock';
import { catalogTables, extraTables, type ExtraTableKind, type GenColumn, type GenTable, SHOP_DB } from './catalog';
import type { Datum } from './datum';
import { intDatum, NULL_DATUM, stringDatum } from './datum';
import { createPrng, type Prng } from './prng';
import { buildDbInfo, buildTableInfo, ciStr, ColumnTypes, partitionCount } from './schema-builder';
import { SYS_TABLES } from './sys-tables';
import { type RawKv, rowKvs, type TableRow } from './table-kv';
import { schemaOnlyObjects } from './views-sequences';

/**
 * The logical content of a generated backup: schemas as they are at the backup's end_version, every MVCC
 * version of every key per physical table, and (incremental) the DDL jobs. Pure and deterministic in the seed.
 */
export interface DatasetOptions {
  seed: number;
  tables: number;
  rowsPerTable: number;
  incremental: boolean;
  withSysTables: boolean;
  /** Tables ("db.table") backed up from a cluster where they had TiFlash replicas: TableInfo.tiflash_replica is set. */
  tiflashReplicas?: readonly TiFlashReplicaSpec[];
  /** TableInfo fields to add to tables ("db.table"), as TiDB records them: fk_info, constraint_info, ttl_info, policy_ref_info. */
  schemaObjects?: readonly SchemaObjectSpec[];
  /** The source cluster's placement policies (model.PolicyInfo), written to backupmeta `policies`. @default none */
  placementPolicies?: readonly PolicyInfo[];
  /** Add a sequence and two views (one over the other) to the `shop` database (views-sequences.ts). @default false */
  viewsAndSequences?: boolean;
  /** Tables to add after the catalog's (catalog.ts EXTRA): an expression index, list columns partitions. @default none */
  extraTables?: readonly ExtraTableKind[];
}

export interface SchemaObjectSpec {
  table: string;
  /** Merged into the table's TableInfo (e.g. `{ fk_info: [...], max_fk_id: 1 }`). */
  fields: Record<string, unknown>;
}

export interface TiFlashReplicaSpec {
  table: string;
  count: number;
  locationLabels?: string[];
}

/** One committed version of a raw key. `value` null is a delete. */
export interface KvVersion {
  key: Uint8Array;
  value: Uint8Array | null;
  startTs: bigint;
  commitTs: bigint;
}

export interface DatasetTable {
  db: DBInfo;
  info: TableInfo;
  /** The table ID, or its partition IDs when partitioned (the physical tables that hold its keys). */
  physicalIds: number[];
  /** Rows at end_version; for an incremental backup known once `versions()` has run. */
  rowCount: number;
  features: string[];
  /**
   * Generates this table's MVCC versions per physical ID. Lazy, one table at a time, so a large backup never
   * holds more than one table's KVs; each call regenerates the same versions.
   */
  versions: () => Map<number, KvVersion[]>;
}

export interface Dataset {
  clusterId: bigint;
  startVersion: bigint;
  endVersion: bigint;
  databases: DBInfo[];
  tables: DatasetTable[];
  /** model.Job objects (bigint fields for TSOs), in execution order. */
  ddlJobs: Record<string, unknown>[];
  /** backupmeta `policies`: the placement policies (absent = none). */
  placementPolicies?: readonly PolicyInfo[];
}

/** TiDB hands out database, table, partition and job IDs from one global counter; user objects start here. */
const FIRST_USER_ID = 100;
/** mysql is database 1 in every TiDB cluster; its tables get small IDs too. */
const MYSQL_DB_ID = 1;
const FIRST_SYS_TABLE_ID = 5;
const CLUSTER_ID_BASE = 7_000_000_000_000_000_000n;

interface LiveTable {
  gen: GenTable;
  db: DBInfo;
  info: TableInfo;
  physicalIds: number[];
  /** The rows of the full backup (regenerated on each call: rows are not kept in memory). */
  makeRows: () => TableRow[];
  dropped?: boolean;
}

class IdAllocator {
  constructor(private next: number) {}
  take(): number {
    return this.next++;
  }
}

/** Physical table (partition) of a row, by TiDB's range / hash partition rules on an int column. */
function physicalIdOf(t: LiveTable, row: TableRow): number {
  const p = t.gen.spec.partition;
  if (!p) return t.info.id;
  const col = t.info.cols.findIndex((c) => c.name.L === p.column.toLowerCase());
  const d = row.datums[col];
  if (p.kind === 'list-columns') {
    if (d?.kind !== 'string') throw new Error(`list columns partition column ${p.column} of ${t.info.name.O} is not a string`);
    const v = d.value;
    const i = (p.lists ?? []).findIndex((l) => l.values !== 'DEFAULT' && l.values.includes(v));
    const at = i >= 0 ? i : (p.lists ?? []).findIndex((l) => l.values === 'DEFAULT');
    if (at < 0) throw new Error(`row value ${v} of ${t.info.name.O} is in no list partition`);
    return t.physicalIds[at]!;
  }
  if (d?.kind !== 'int') throw new Error(`partition column ${p.column} of ${t.info.name.O} is not an int`);
  if (p.kind === 'hash') {
    const n = BigInt(p.count ?? 1);
    const v = d.value < 0n ? -d.value : d.value;
    return t.physicalIds[Number(v % n)]!;
  }
  const i = (p.lessThan ?? []).findIndex((lt) => lt === 'MAXVALUE' || d.value < BigInt(lt));
  if (i < 0) throw new Error(`row value ${d.value} of ${t.info.name.O} is beyond the last range partition`);
  return t.physicalIds[i]!;
}

function genRow(cols: readonly GenColumn[], rng: Prng, n: number, total: number, rowId: bigint): TableRow {
  return { datums: cols.map((c) => c.gen(rng, n, total)), rowId };
}

/** A TSO `backMs` before `endMs` with a random logical part, and a start_ts just before it. */
function commitPair(rng: Prng, physicalMs: number): { startTs: bigint; commitTs: bigint } {
  const commitTs = composeTs(physicalMs, rng.int(1, 1000));
  const startTs = composeTs(physicalMs - rng.int(1, 500), rng.int(0, 1000));
  return { startTs, commitTs };
}

function pushVersions(versions: Map<number, KvVersion[]>, pid: number, kvs: RawKv[], ts: { startTs: bigint; commitTs: bigint }, del = false): void {
  let list = versions.get(pid);
  if (!list) versions.set(pid, (list = []));
  for (const kv of kvs) list.push({ key: kv.key, value: del ? null : kv.value, ...ts });
}

function buildTables(gens: GenTable[], ids: IdAllocator, dbs: Map<string, DBInfo>, updateTs: bigint, rowsPerTable: number, rng: Prng, sys = false): LiveTable[] {
  return gens.map((g) => {
    let db = dbs.get(g.db);
    if (!db) dbs.set(g.db, (db = buildDbInfo(sys ? MYSQL_DB_ID : ids.take(), g.db)));
    const id = ids.take();
    const n = g.spec.partition ? partitionCount(g.spec.partition) : 0;
    const partitionIds = Array.from({ length: n }, () => ids.take());
    const total = g.rowCount(rowsPerTable);
    // Row IDs of the increment's inserts stay below total + rowsPerTable (see changeTable).
    const info = buildTableInfo(g.spec, { id, partitionIds }, updateTs, total + rowsPerTable);
    const makeRows = (): TableRow[] => {
      const trng = rng.fork(`rows:${g.db}.${g.spec.name}`);
      return Array.from({ length: total }, (_, i) => genRow(g.spec.columns, trng, i, total, BigInt(i + 1)));
    };
    return { gen: g, db, info, physicalIds: partitionIds.length > 0 ? partitionIds : [id], makeRows };
  });
}

/** Gives the named tables the replica info TiDB keeps for a table with TiFlash replicas (replicas caught up: Available). */
function setTiFlashReplicas(live: LiveTable[], specs: readonly TiFlashReplicaSpec[]): void {
  for (const spec of specs) {
    const t = live.find((x) => `${x.db.db_name.L}.${x.info.name.L}` === spec.table.toLowerCase());
    if (!t) throw new BrflowError(ErrorType.InvalidInput, `tiflashReplicas: no table ${spec.table} in the generated catalog; name one of ${live.slice(0, 8).map((x) => `${x.db.db_name.O}.${x.info.name.O}`).join(', ')}`);
    if (!Number.isSafeInteger(spec.count) || spec.count < 1) throw new BrflowError(ErrorType.InvalidInput, `tiflashReplicas: ${spec.table} count ${spec.count} must be a positive integer`);
    t.info.tiflash_replica = { Count: spec.count, LocationLabels: spec.locationLabels ?? [], Available: true };
  }
}

/** Generates the dataset of a full backup or, with `incremental`, of the incremental backup that follows it. */
export function generateDataset(opts: DatasetOptions): Dataset {
  const root = createPrng(opts.seed);
  const clock = backupClock(opts.seed);
  const ids = new IdAllocator(FIRST_USER_ID);
  const dbs = new Map<string, DBInfo>();
  const updateTs = composeTs(clock.fullEndMs - 7_200_000, 0);
  const live = buildTables([...catalogTables(opts.tables), ...extraTables(opts.extraTables ?? [])], ids, dbs, updateTs, opts.rowsPerTable, root);
  const sysDbs = new Map<string, DBInfo>();
  const sys = opts.withSysTables
    ? buildTables(SYS_TABLES, new IdAllocator(FIRST_SYS_TABLE_ID), sysDbs, updateTs, opts.rowsPerTable, root.fork('sys'), true)
    : [];
  setTiFlashReplicas(live, opts.tiflashReplicas ?? []);
  for (const spec of opts.schemaObjects ?? []) {
    const t = live.find((x) => `${x.db.db_name.L}.${x.info.name.L}` === spec.table.toLowerCase());
    if (!t) throw new BrflowError(ErrorType.InvalidInput, `schemaObjects: no table ${spec.table} in the generated catalog`);
    Object.assign(t.info, spec.fields);
  }
  const ddlJobs: Record<string, unknown>[] = [];
  const changes = opts.incremental ? applyIncrementalDdl(live, ids, dbs, clock.fullEndMs, ddlJobs) : undefined;
  // IDs after everything else, so backups without them keep every ID they had.
  const schemaOnly: DatasetTable[] = [];
  if (opts.viewsAndSequences) {
    const base = live.find((t) => t.db.db_name.O === SHOP_DB && !t.dropped);
    if (!base) throw new BrflowError(ErrorType.InvalidInput, `viewsAndSequences: the generated catalog has no ${SHOP_DB} table to base the views on; generate at least 1 table`);
    for (const o of schemaOnlyObjects(base.db, base.info, () => ids.take())) {
      schemaOnly.push({ db: base.db, info: o.info, physicalIds: [o.info.id], rowCount: 0, features: o.features, versions: () => new Map() });
    }
  }

  const tables = [...live, ...sys].filter((t) => !t.dropped).map((t): DatasetTable => {
    const dt: DatasetTable = {
      db: t.db, info: t.info, physicalIds: t.physicalIds, rowCount: t.gen.rowCount(opts.rowsPerTable), features: t.gen.features,
      versions: () => {
        const versions = new Map<number, KvVersion[]>();
        if (changes) {
          dt.rowCount = changeTable(t, root.fork('incremental'), changes, versions, opts.rowsPerTable);
          return versions;
        }
        const vr = root.fork(`versions:${t.db.db_name.O}.${t.info.name.O}`);
        for (const row of t.makeRows()) {
          const ts = commitPair(vr, clock.fullEndMs - vr.int(1_000, 3_600_000));
          const pid = physicalIdOf(t, row);
          pushVersions(versions, pid, rowKvs(t.info, pid, row), ts);
        }
        return versions;
      },
    };
    return dt;
  });
  tables.push(...schemaOnly);
  return {
    clusterId: CLUSTER_ID_BASE + BigInt(Math.abs(opts.seed) % 1_000_000),
    startVersion: opts.incremental ? clock.fullEndTs : 0n,
    endVersion: opts.incremental ? clock.incrementalEndTs : clock.fullEndTs,
    databases: [...dbs.values(), ...sysDbs.values()],
    tables,
    ddlJobs,
    ...(opts.placementPolicies && opts.placementPolicies.length > 0 ? { placementPolicies: opts.placementPolicies } : {}),
  };
}

/** model.ActionType values used by the incremental DDL jobs (TiDB pkg/meta/model/job.go). */
export const ActionType = { CreateSchema: 1, CreateTable: 3, DropTable: 4, AddColumn: 5, RenameTable: 14 } as const;
/** model.JobStateSynced: BR keeps Done and Synced jobs. */
const JOB_STATE_SYNCED = 6;
const SCHEMA_STATE_PUBLIC = 5;
const FIRST_SCHEMA_VERSION = 60;

const NEW_ITEMS_SPEC: GenTable['spec'] = {
  name: 'new_items', handle: 'int-pk',
  columns: [
    { name: 'id', type: ColumnTypes.int(), gen: (_r, n) => intDatum(n + 1) },
    { name: 'label', type: ColumnTypes.varchar(30), gen: (r, n) => stringDatum(`item-${n}-${r.string(4, 'xyz')}`) },
    { name: 'qty', type: ColumnTypes.int(), gen: (r) => intDatum(r.int(0, 500)) },
  ],
  indexes: [{ name: 'PRIMARY', columns: ['id'], primary: true }, { name: 'idx_label', columns: ['label'] }],
};
const EXTRA_COLUMN: GenColumn = { name: 'extra', type: ColumnTypes.varchar(20), gen: (r) => stringDatum(r.string(6, 'klmnop')) };

/** When the incremental data changes happen, and which table only exists in the increment. */
interface ChangeWindow {
  dataStartMs: number;
  spanMs: number;
  createdTableId: number;
}

/**
 * The incremental window opens with DDL (create database + table, add column, rename, drop); the data changes
 * on every remaining table follow (changeTable), all committed in (start, end].
 */
function applyIncrementalDdl(live: LiveTable[], ids: IdAllocator, dbs: Map<string, DBInfo>, fullEndMs: number, jobs: Record<string, unknown>[]): ChangeWindow {
  let schemaVersion = FIRST_SCHEMA_VERSION;
  let ms = fullEndMs + 1_000;
  const job = (type: number, db: DBInfo, table: TableInfo | null, query: string, dbInfo: DBInfo | null): void => {
    ms += 1_000;
    const startTs = composeTs(ms, 0);
    const finishedTs = composeTs(ms + 200, 0);
    schemaVersion += 1;
    jobs.push({
      id: ids.take(), type, schema_id: db.id, table_id: table?.id ?? 0, schema_name: db.db_name.O, table_name: table?.name.O ?? '',
      state: JOB_STATE_SYNCED, warning: null, err: null, err_count: 0, row_count: 0, raw_args: null, schema_state: SCHEMA_STATE_PUBLIC,
      snapshot_ver: 0, real_start_ts: startTs, start_ts: startTs, dependency_id: 0, query,
      binlog: { SchemaVersion: schemaVersion, DBInfo: dbInfo, TableInfo: table, FinishedTS: finishedTs, MultipleTableInfos: null },
      version: 1, reorg_meta: null, multi_schema_info: null, priority: 0, seq_num: jobs.length + 1, charset: '', collate: '',
      involving_schema_info: null, trace_info: null,
    });
  };

  // CREATE DATABASE + CREATE TABLE: a table that exists only in the incremental backup.
  const incDb = buildDbInfo(ids.take(), 'inc_db');
  dbs.set(incDb.db_name.O, incDb);
  job(ActionType.CreateSchema, incDb, null, 'CREATE DATABASE `inc_db`', incDb);
  const itemsId = ids.take();
  const itemsInfo = buildTableInfo(NEW_ITEMS_SPEC, { id: itemsId, partitionIds: [] }, composeTs(ms, 0));
  live.push({ gen: { db: 'inc_db', spec: NEW_ITEMS_SPEC, rowCount: () => 0, features: ['created by an incremental DDL job'] }, db: incDb, info: itemsInfo, physicalIds: [itemsId], makeRows: () => [] });
  job(ActionType.CreateTable, incDb, itemsInfo, 'CREATE TABLE `new_items` (`id` INT PRIMARY KEY, `label` VARCHAR(30), `qty` INT, KEY `idx_label` (`label`))', null);

  const find = (db: string, name: string) => live.find((t) => t.db.db_name.O === db && t.info.name.O === name);
  const order = find(SHOP_DB, 'order');
  if (order) {
    const spec = { ...order.gen.spec, columns: [...order.gen.spec.columns, EXTRA_COLUMN] };
    order.gen = { ...order.gen, spec };
    order.info = buildTableInfo(spec, { id: order.info.id, partitionIds: [] }, composeTs(ms, 0));
    job(ActionType.AddColumn, order.db, order.info, 'ALTER TABLE `order` ADD COLUMN `extra` VARCHAR(20)', null);
  }
  const docs = find(SHOP_DB, 'documents');
  if (docs) {
    docs.info = { ...docs.info, name: ciStr('documents_v2') };
    job(ActionType.RenameTable, docs.db, docs.info, 'RENAME TABLE `shop`.`documents` TO `shop`.`documents_v2`', null);
  }
  const empty = find(SHOP_DB, 'empty_table');
  if (empty) {
    empty.dropped = true;
    job(ActionType.DropTable, empty.db, empty.info, 'DROP TABLE `empty_table`', null);
  }

  const dataStartMs = ms + 1_000;
  return { dataStartMs, spanMs: fullEndMs + 3_500_000 - dataStartMs, createdTableId: itemsId };
}

/**
 * One table's data changes in the increment: updates (some twice), deletes and inserts. Returns the number of
 * rows at end_version.
 */
function changeTable(t: LiveTable, rng: Prng, w: ChangeWindow, versions: Map<number, KvVersion[]>, rowsPerTable: number): number {
  const { dataStartMs, spanMs } = w;
  const trng = rng.fork(`changes:${t.db.db_name.O}.${t.info.name.O}`);
  const indexed = new Set((t.info.index_info ?? []).flatMap((i) => i.idx_cols.map((c) => c.offset)));
  const cols = t.gen.spec.columns;
  const when = () => commitPair(trng, dataStartMs + trng.int(0, spanMs));
  const write = (row: TableRow, del = false, ts = when()) => {
    const pid = physicalIdOf(t, row);
    pushVersions(versions, pid, rowKvs(t.info, pid, row), ts, del);
  };
  // Rows written before a column was added have no value for it: NULL, as TiDB reads them.
  const rows = t.makeRows().map((r) => ({ ...r, datums: [...r.datums, ...Array.from({ length: cols.length - r.datums.length }, (): Datum => NULL_DATUM)] }));
  const original = rows.length;
  const deleted = new Set<TableRow>();
  for (let i = 0; i < original; i++) {
    const row = rows[i]!;
    const p = trng.nextU32() / 0x1_0000_0000;
    if (p < 0.05) {
      write(row, true);
      deleted.add(row);
    } else if (p < 0.2) {
      // Update only columns outside every index, so the index entries stay valid and only the record changes.
      const times = trng.chance(0.3) ? 2 : 1;
      const stamps = Array.from({ length: times }, when).sort((a, b) => (a.commitTs < b.commitTs ? -1 : 1));
      for (const ts of stamps) {
        row.datums = row.datums.map((d, c): Datum => (indexed.has(c) || !cols[c] ? d : cols[c]!.gen(trng, i, original)));
        write(row, false, ts);
      }
    }
  }
  const inserts = t.info.id === w.createdTableId ? rowsPerTable : Math.ceil(original * 0.05);
  for (let k = 0; k < inserts; k++) {
    const n = original + k;
    const row = genRow(cols, trng, n, Math.max(original, 1), BigInt(n + 1));
    rows.push(row);
    write(row);
  }
  return rows.length - deleted.size;
}
