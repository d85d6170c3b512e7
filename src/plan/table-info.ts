/**
 * The subset of TiDB's `model.DBInfo` / `model.TableInfo` JSON (as BR stores it in backupmeta `Schema.db` /
 * `Schema.table`) that brflow reads. Field names are TiDB's JSON names. Unknown fields are kept by the
 * decoder (the objects are parsed JSON), so a table can be written back as TiDB wrote it.
 */
export interface CIStr {
  O: string;
  L: string;
}

export interface FieldType {
  /** mysql type code (mysql.TypeLong = 3, TypeVarchar = 15, TypeNewDecimal = 246, TypeDatetime = 12, TypeJSON = 245, TypeBlob = 252 …) */
  Tp: number;
  /** mysql flags (NotNull = 1, PriKey = 2, UniqueKey = 4, Unsigned = 32, Binary = 128, AutoIncrement = 512, OnUpdateNow = 8192) */
  Flag: number;
  Flen: number;
  Decimal: number;
  Charset: string;
  Collate: string;
  Elems: string[] | null;
  [k: string]: unknown;
}

export interface ColumnInfo {
  id: number;
  name: CIStr;
  offset: number;
  origin_default?: unknown;
  default?: unknown;
  default_is_expr?: boolean;
  generated_expr_string?: string;
  generated_stored?: boolean;
  type: FieldType;
  state: number;
  comment?: string;
  hidden?: boolean;
  version?: number;
  [k: string]: unknown;
}

export interface IndexColumn {
  name: CIStr;
  offset: number;
  length: number;
}

export interface IndexInfo {
  id: number;
  idx_name: CIStr;
  tbl_name?: CIStr;
  idx_cols: IndexColumn[];
  /** TiDB's JSON tags are `is_unique` / `is_primary` (model.IndexInfo), as the real BR fixtures carry them. */
  is_unique: boolean;
  is_primary: boolean;
  invisible?: boolean;
  /** index type: 0 none, 1 btree, 2 hash, 3 rtree */
  index_type?: number;
  state: number;
  comment?: string;
  is_global?: boolean;
  [k: string]: unknown;
}

export interface PartitionDefinition {
  id: number;
  name: CIStr;
  less_than: string[] | null;
  in_values?: string[][] | null;
  comment?: string;
  [k: string]: unknown;
}

export interface PartitionInfo {
  /** 1 range, 2 hash, 3 list, 4 key */
  type: number;
  expr: string;
  columns: CIStr[] | null;
  enable: boolean;
  num?: number;
  definitions: PartitionDefinition[];
  [k: string]: unknown;
}

export interface TableInfo {
  id: number;
  name: CIStr;
  charset: string;
  collate: string;
  cols: ColumnInfo[];
  index_info: IndexInfo[] | null;
  pk_is_handle: boolean;
  is_common_handle: boolean;
  common_handle_version?: number;
  comment: string;
  auto_inc_id: number;
  auto_id_cache?: number;
  auto_rand_id?: number;
  max_col_id: number;
  max_idx_id: number;
  state: number;
  partition: PartitionInfo | null;
  /** TiDB's JSON tag for SHARD_ROW_ID_BITS is `ShardRowIDBits` (no json tag on the Go field). */
  ShardRowIDBits?: number;
  pre_split_regions?: number;
  auto_random_bits?: number;
  auto_random_range_bits?: number;
  tiflash_replica?: { Count: number; LocationLabels?: string[] | null; Available?: boolean } | null;
  view?: unknown;
  sequence?: unknown;
  version?: number;
  [k: string]: unknown;
}

export interface DBInfo {
  id: number;
  db_name: CIStr;
  charset: string;
  collate: string;
  state: number;
  [k: string]: unknown;
}

/** mysql type codes used across brflow (TiDB parser/mysql/type.go). */
export const MysqlType = {
  Tiny: 1, Short: 2, Long: 3, Float: 4, Double: 5, Null: 6, Timestamp: 7, Longlong: 8, Int24: 9, Date: 10,
  Duration: 11, Datetime: 12, Year: 13, Varchar: 15, Bit: 16, TiDBVectorFloat32: 225, JSON: 245, NewDecimal: 246, Enum: 247, Set: 248,
  TinyBlob: 249, MediumBlob: 250, LongBlob: 251, Blob: 252, VarString: 253, String: 254,
} as const;

/** mysql column flags (TiDB parser/mysql/const.go). */
export const MysqlFlag = {
  NotNull: 1, PriKey: 2, UniqueKey: 4, MultipleKey: 8, Blob: 16, Unsigned: 32, Zerofill: 64, Binary: 128,
  Enum: 256, AutoIncrement: 512, Timestamp: 1024, Set: 2048, NoDefaultValue: 4096, OnUpdateNow: 8192,
} as const;
