import type { CIStr, ColumnInfo, DBInfo, FieldType, IndexInfo, PartitionInfo, TableInfo } from '../../plan/table-info';
import { MysqlFlag, MysqlType } from '../../plan/table-info';

/**
 * Builders for TiDB's DBInfo / TableInfo JSON, field for field in the order TiDB (v7.x) marshals them, so a
 * generated Schema looks like one BR wrote (compare the real fixtures in shared/fixtures/real-br).
 */
const STATE_PUBLIC = 5;
/** IndexInfo.Tp: model.IndexTypeBtree. */
const INDEX_TYPE_BTREE = 1;
/** TableInfo.Version / ColumnInfo.Version of current TiDB (model.CurrLatestTableInfoVersion, ColumnInfoVersion2). */
const TABLE_INFO_VERSION = 5;
const COLUMN_INFO_VERSION = 2;
/** UnspecifiedLength (-1): an index column without a prefix length. */
const FULL_LENGTH = -1;

export function ciStr(name: string): CIStr {
  return { O: name, L: name.toLowerCase() };
}

/** What a column is, before IDs and offsets are assigned. */
export interface ColumnSpec {
  name: string;
  type: FieldType;
  notNull?: boolean;
  /**
   * The hidden virtual column TiDB adds for an expression key part (named `_V$_<index>_<position>`, listed after
   * the table's columns): the expression as TiDB restores it and the columns it reads.
   */
  expression?: { text: string; columns: string[] };
}

function fieldType(tp: number, flen: number, decimal: number, charset: string, collate: string, flag = 0): FieldType {
  return { Tp: tp, Flag: flag, Flen: flen, Decimal: decimal, Charset: charset, Collate: collate, Elems: null, ElemsIsBinaryLit: null, Array: false };
}

export const ColumnTypes = {
  int: (): FieldType => fieldType(MysqlType.Long, 11, 0, 'binary', 'binary'),
  bigint: (unsigned = false): FieldType =>
    fieldType(MysqlType.Longlong, 20, 0, 'binary', 'binary', unsigned ? MysqlFlag.Unsigned : 0),
  varchar: (len: number, collate = 'utf8mb4_bin'): FieldType => fieldType(MysqlType.Varchar, len, 0, 'utf8mb4', collate),
  decimal: (precision: number, frac: number): FieldType => fieldType(MysqlType.NewDecimal, precision, frac, 'binary', 'binary'),
  datetime: (): FieldType => fieldType(MysqlType.Datetime, 19, 0, 'binary', 'binary', MysqlFlag.Binary),
  json: (): FieldType => fieldType(MysqlType.JSON, 4294967295, 0, 'binary', 'binary', MysqlFlag.Binary),
  // TableInfo never carries BlobFlag (TiDB v8.5.3 sets it on result-set metadata only).
  blob: (): FieldType => fieldType(MysqlType.Blob, 65535, 0, 'binary', 'binary', MysqlFlag.Binary),
  text: (): FieldType => fieldType(MysqlType.Blob, 65535, 0, 'utf8mb4', 'utf8mb4_bin'),
} as const;

export function buildColumn(id: number, offset: number, spec: ColumnSpec): ColumnInfo {
  // Generated columns have no DEFAULT clause, so a NOT NULL one has "no default value" too (TiDB sets both).
  const type: FieldType = { ...spec.type, Flag: spec.type.Flag | (spec.notNull ? MysqlFlag.NotNull | MysqlFlag.NoDefaultValue : 0) };
  const e = spec.expression;
  return {
    id, name: ciStr(spec.name), offset, origin_default: null, origin_default_bit: null, default: null, default_bit: null,
    default_is_expr: false, generated_expr_string: e?.text ?? '', generated_stored: false,
    dependences: e ? Object.fromEntries(e.columns.map((c) => [c.toLowerCase(), {}])) : null, type, state: STATE_PUBLIC,
    comment: '', hidden: e !== undefined, change_state_info: null, version: COLUMN_INFO_VERSION,
  };
}

export interface IndexSpec {
  name: string;
  columns: string[];
  unique?: boolean;
  primary?: boolean;
}

export interface PartitionSpec {
  kind: 'range' | 'hash' | 'list-columns';
  /** Partition expression column (list-columns: the one partitioning column). */
  column: string;
  /** Range: upper bounds ("MAXVALUE" allowed), one partition each. Hash: the count. */
  lessThan?: string[];
  count?: number;
  /** List columns: each partition's name and string values, or DEFAULT (the rows no other partition lists). */
  lists?: { name: string; values: string[] | 'DEFAULT' }[];
}

/** How many partitions a spec makes. */
export function partitionCount(p: PartitionSpec): number {
  return p.kind === 'range' ? (p.lessThan ?? []).length : p.kind === 'list-columns' ? (p.lists ?? []).length : (p.count ?? 0);
}

export interface TableSpec {
  name: string;
  columns: ColumnSpec[];
  indexes: IndexSpec[];
  /**
   * How rows are keyed: 'int-pk' (the single int primary key is the handle, pk_is_handle), 'clustered'
   * (common handle over the primary key columns), 'rowid' (hidden _tidb_rowid; any primary key is a plain
   * unique index, i.e. NONCLUSTERED).
   */
  handle: 'int-pk' | 'clustered' | 'rowid';
  partition?: PartitionSpec;
  comment?: string;
}

/** IDs a table needs, handed out by the caller's allocator (TiDB's global ID counter). */
export interface TableIds {
  id: number;
  partitionIds: number[];
}

/** TiDB's default auto-ID cache: the allocator reserves IDs in batches of this many. */
export const AUTO_ID_BATCH = 30_000;

/**
 * What BR records as auto_inc_id: the next global auto ID (backup NextGlobalAutoID). For a table whose rows
 * are keyed by _tidb_rowid that is past the last batch handed out; for the others nothing was allocated: 1.
 */
export function nextGlobalAutoId(spec: TableSpec, maxRowId: number): number {
  return spec.handle === 'rowid' && maxRowId > 0 ? (Math.floor((maxRowId - 1) / AUTO_ID_BATCH) + 1) * AUTO_ID_BATCH + 1 : 1;
}

/** Builds TiDB TableInfo JSON for a spec with the given IDs; `maxRowId` feeds auto_inc_id. */
export function buildTableInfo(spec: TableSpec, ids: TableIds, updateTs: bigint, maxRowId = 0): TableInfo {
  const byName = new Map(spec.columns.map((c, i) => [c.name.toLowerCase(), i]));
  const offsetOf = (col: string): number => {
    const o = byName.get(col.toLowerCase());
    if (o === undefined) throw new Error(`table ${spec.name}: index column ${col} is not a column`);
    return o;
  };
  const primary = spec.indexes.find((i) => i.primary);
  const pkCols = new Set((primary?.columns ?? []).map((c) => c.toLowerCase()));
  const cols = spec.columns.map((c, i) => {
    const col = buildColumn(i + 1, i, { ...c, notNull: c.notNull || pkCols.has(c.name.toLowerCase()) });
    let flag = col.type.Flag;
    if (pkCols.has(c.name.toLowerCase())) flag |= MysqlFlag.PriKey | MysqlFlag.NoDefaultValue;
    else if (spec.indexes.some((x) => x.unique && x.columns.length === 1 && x.columns[0]!.toLowerCase() === c.name.toLowerCase())) flag |= MysqlFlag.UniqueKey;
    else if (spec.indexes.some((x) => x.columns[0]!.toLowerCase() === c.name.toLowerCase())) flag |= MysqlFlag.MultipleKey;
    col.type = { ...col.type, Flag: flag };
    return col;
  });
  if (spec.handle === 'int-pk' && (!primary || primary.columns.length !== 1)) {
    throw new Error(`table ${spec.name}: int-pk handle needs a single-column primary key`);
  }
  // With pk_is_handle the primary key is the row key itself, so TiDB lists no PRIMARY index for it.
  const indexSpecs = spec.handle === 'int-pk' ? spec.indexes.filter((i) => !i.primary) : spec.indexes;
  // TiDB's JSON tags are `is_unique`/`is_primary` (plan/table-info-read.ts reads both spellings).
  const indexes = indexSpecs.map((x, i) => ({
    id: i + 1,
    idx_name: ciStr(x.primary ? 'PRIMARY' : x.name),
    tbl_name: ciStr(''),
    idx_cols: x.columns.map((c) => ({ name: ciStr(spec.columns[offsetOf(c)]!.name), offset: offsetOf(c), length: FULL_LENGTH })),
    state: STATE_PUBLIC, backfill_state: 0, comment: '', index_type: INDEX_TYPE_BTREE,
    is_unique: Boolean(x.unique || x.primary), is_primary: Boolean(x.primary),
    is_invisible: false, is_global: false, mv_index: false, vector_index: null,
  })) as unknown as IndexInfo[];
  return {
    id: ids.id, name: ciStr(spec.name), charset: 'utf8mb4', collate: 'utf8mb4_bin', cols, index_info: indexes,
    constraint_info: null, fk_info: [], state: STATE_PUBLIC,
    pk_is_handle: spec.handle === 'int-pk', is_common_handle: spec.handle === 'clustered',
    common_handle_version: spec.handle === 'clustered' ? 1 : 0,
    comment: spec.comment ?? '', auto_inc_id: nextGlobalAutoId(spec, maxRowId), auto_id_cache: 0, auto_rand_id: 0,
    max_col_id: cols.length, max_idx_id: indexes.length, max_fk_id: 0, max_cst_id: 0,
    // A TSO: kept as bigint so the JSON writer emits it exactly (json-text.ts).
    update_timestamp: updateTs,
    ShardRowIDBits: 0, max_shard_row_id_bits: 0, auto_random_bits: 0, auto_random_range_bits: 0, pre_split_regions: 0,
    partition: spec.partition ? buildPartition(spec, ids) : null,
    compression: '', view: null, sequence: null, Lock: null, version: TABLE_INFO_VERSION, tiflash_replica: null,
    is_columnar: false, temp_table_type: 0, cache_table_status: 0, policy_ref_info: null, stats_options: null,
    exchange_partition_info: null, ttl_info: null,
  } as TableInfo;
}

/** Quotes a string value as TiDB records it in a LIST COLUMNS partition's in_values. */
function listValue(v: string): string {
  return `'${v.replace(/'/g, "''")}'`;
}

function buildPartition(spec: TableSpec, ids: TableIds): PartitionInfo {
  const p = spec.partition!;
  const n = partitionCount(p);
  if (n === 0 || ids.partitionIds.length !== n) throw new Error(`table ${spec.name}: ${n} partitions but ${ids.partitionIds.length} partition IDs`);
  if (p.kind === 'list-columns') {
    // As v8.5.3 records `PARTITION BY LIST COLUMNS (c) (PARTITION p VALUES IN ('a','b'), …, PARTITION d DEFAULT)`.
    return {
      type: 3, expr: '', columns: [ciStr(p.column)], enable: true, is_empty_columns: false,
      definitions: ids.partitionIds.map((id, i) => {
        const l = p.lists![i]!;
        return { id, name: ciStr(l.name), less_than: null, in_values: l.values === 'DEFAULT' ? [['DEFAULT']] : l.values.map((v) => [listValue(v)]), policy_ref_info: null };
      }),
      adding_definitions: null, dropping_definitions: null, states: null, num: n, ddl_state: 0,
    } as PartitionInfo;
  }
  return {
    type: p.kind === 'range' ? 1 : 2,
    expr: `\`${p.column}\``,
    columns: null,
    enable: true,
    is_empty_columns: false,
    definitions: ids.partitionIds.map((id, i) => ({
      id, name: ciStr(`p${i}`), less_than: p.kind === 'range' ? [p.lessThan![i]!] : null, in_values: null, policy_ref_info: null,
    })),
    // v8.5.3 counts the partitions of every partitioning type in `num`, and writes ddl_state.
    adding_definitions: null, dropping_definitions: null, states: null,
    num: n,
    ddl_state: 0,
  } as PartitionInfo;
}

export function buildDbInfo(id: number, name: string): DBInfo {
  return { id, db_name: ciStr(name), charset: 'utf8mb4', collate: 'utf8mb4_bin', state: STATE_PUBLIC, policy_ref_info: null };
}
