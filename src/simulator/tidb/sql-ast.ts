/** The statements the simulated TiDB front understands, as parsed (names as written, not yet resolved). */

export interface TableName {
  /** Absent when the statement names no schema (the session's current database applies). */
  db?: string;
  name: string;
}

export interface TypeSpec {
  /** Lower-case type name: int, varchar, decimal, enum … */
  name: string;
  length?: number;
  decimal?: number;
  /** ENUM / SET members. */
  elems?: string[];
  unsigned: boolean;
  zerofill: boolean;
  binary: boolean;
  charset?: string;
  collate?: string;
}

export interface ColumnDef {
  name: string;
  type: TypeSpec;
  notNull?: boolean;
  /**
   * Raw default: a literal value, null for DEFAULT NULL, or an expression text (`isExpr`). `quoted`: written as
   * a '…' string, which a BIT column takes as its bytes rather than as a number.
   */
  default?: { value: string | null; isExpr: boolean; quoted?: boolean };
  autoIncrement: boolean;
  /** AUTO_RANDOM(shard bits[, range bits]). */
  autoRandom?: { shardBits: number; rangeBits: number };
  primaryKey: boolean;
  /** CLUSTERED / NONCLUSTERED written after a column-level PRIMARY KEY. */
  clustered?: boolean;
  unique: boolean;
  comment?: string;
  onUpdateNow: boolean;
  generated?: { expr: string; stored: boolean };
}

export interface IndexDef {
  kind: 'primary' | 'unique' | 'key' | 'fulltext';
  name?: string;
  /** Index parts: a column (prefix `length`), or an expression `expr` (name empty), which TiDB keeps in a hidden column. */
  columns: { name: string; length?: number; expr?: string }[];
  clustered?: boolean;
  comment?: string;
  invisible: boolean;
}

/**
 * `CREATE [OR REPLACE] [ALGORITHM = …] [SQL SECURITY …] VIEW v [(cols)] AS SELECT … FROM t [WITH … CHECK OPTION]`,
 * for a SELECT of columns (or `*`) of one table, which is what the simulator can restore the way TiDB stores it.
 */
export interface ViewDef {
  orReplace: boolean;
  /** ViewAlgorithm: 0 UNDEFINED, 1 MERGE, 2 TEMPTABLE. */
  algorithm: number;
  /** ViewSecurity: 0 DEFINER, 1 INVOKER. */
  security: number;
  /** ViewCheckOption: 0 LOCAL, 1 CASCADED (also the default). */
  checkOption: number;
  name: TableName;
  columns?: string[];
  /** DEFINER = user@host as written; absent (or CURRENT_USER) = the session's account. */
  definer?: { user: string; host: string };
  /** Selected columns (with the table/database they were qualified by) and their aliases; `star` for SELECT *. */
  items: { name: string; qualifiers?: string[]; alias?: string }[] | 'star';
  from: TableName;
}

/** CREATE SEQUENCE options as written; absent ones take TiDB's defaults. */
export interface SequenceOptions {
  start?: bigint;
  increment?: bigint;
  min?: bigint;
  max?: bigint;
  /** A cache size, or false for NOCACHE. */
  cache?: bigint | false;
  cycle?: boolean;
  comment?: string;
}

/** `[CONSTRAINT name] FOREIGN KEY [index name] (cols) REFERENCES [db.]table (cols) [ON DELETE …] [ON UPDATE …]`. */
export interface ForeignKeyDef {
  name?: string;
  columns: string[];
  refTable: TableName;
  refColumns: string[];
  /** TiDB's ReferOptionType: 0 none, 1 RESTRICT, 2 CASCADE, 3 SET NULL, 4 NO ACTION, 5 SET DEFAULT. */
  onDelete: number;
  onUpdate: number;
}

export interface PartitionSpec {
  type: 'range' | 'hash' | 'list' | 'key';
  /** RANGE/LIST COLUMNS and KEY name columns instead of an expression. */
  columns?: string[];
  expr?: string;
  num?: number;
  definitions: { name: string; lessThan?: string[]; inValues?: string[][]; comment?: string }[];
}

export interface TableOptions {
  charset?: string;
  collate?: string;
  comment?: string;
  autoIncrement?: string;
  autoRandomBase?: string;
  autoIdCache?: string;
  shardRowIdBits?: number;
  preSplitRegions?: number;
  /** `TTL = col + INTERVAL n UNIT`. */
  ttl?: { column: string; interval: string; unit: string };
  ttlEnable?: boolean;
  ttlJobInterval?: string;
  /** `PLACEMENT POLICY = name`. */
  placementPolicy?: string;
}

export type ColumnPosition = { kind: 'first' } | { kind: 'after'; column: string } | { kind: 'none' };

export type AlterSpec =
  | { kind: 'add-column'; column: ColumnDef; position: ColumnPosition }
  | { kind: 'drop-column'; name: string }
  | { kind: 'modify-column'; oldName: string; column: ColumnDef; position: ColumnPosition }
  | { kind: 'add-index'; index: IndexDef }
  | { kind: 'drop-index'; name: string }
  | { kind: 'drop-primary-key' }
  | { kind: 'rename'; to: TableName }
  | { kind: 'options'; options: TableOptions }
  | { kind: 'rename-index'; from: string; to: string }
  | { kind: 'rename-column'; from: string; to: string }
  /** Partition management: ADD PARTITION (defs) | ADD PARTITION PARTITIONS n | DROP/TRUNCATE PARTITION names | COALESCE PARTITION n | REORGANIZE … INTO (defs) | REMOVE PARTITIONING. */
  | { kind: 'add-partitions'; definitions: PartitionSpec['definitions']; count?: number }
  | { kind: 'drop-partitions'; names: string[] }
  | { kind: 'truncate-partitions'; names: string[] }
  | { kind: 'coalesce-partitions'; count: number }
  | { kind: 'reorganize-partitions'; names: string[]; definitions: PartitionSpec['definitions'] }
  | { kind: 'remove-partitioning' }
  | { kind: 'remove-ttl' }
  | { kind: 'add-foreign-key'; foreignKey: ForeignKeyDef }
  | { kind: 'drop-foreign-key'; name: string }
  /** `CACHE` / `NOCACHE`: a cached table (cache_table_status 1) or not (0). */
  | { kind: 'cache'; cached: boolean }
  | { kind: 'index-visibility'; name: string; invisible: boolean }
  /** `CONVERT TO CHARACTER SET cs [COLLATE c]`: the table and every text column. */
  | { kind: 'convert-charset'; charset: string; collate?: string }
  /** `ALTER [COLUMN] c SET DEFAULT v` (default given) or `ALTER [COLUMN] c DROP DEFAULT` (absent). */
  | { kind: 'alter-column-default'; column: string; default?: ColumnDef['default'] }
  /** `SET TIFLASH REPLICA n [LOCATION LABELS 'a', …]` (0 removes the replica). */
  | { kind: 'set-tiflash-replica'; count: number; locationLabels: string[] }
  /** `PARTITION p PLACEMENT POLICY = x`: handled by the catalog (placement-policies.ts), not applyAlterSpec. */
  | { kind: 'partition-placement'; partition: string; policy: string };

export type Statement =
  | { kind: 'create-database'; ifNotExists: boolean; name: string; charset?: string; collate?: string }
  | { kind: 'drop-database'; ifExists: boolean; name: string }
  /** `ALTER DATABASE [name] [DEFAULT] CHARACTER SET … [COLLATE …]`; no name: the current database. */
  | { kind: 'alter-database'; name?: string; charset?: string; collate?: string; placementPolicy?: string }
  | { kind: 'create-placement-policy'; ifNotExists: boolean; name: string; settings: Record<string, string | number> }
  | {
      kind: 'create-table';
      ifNotExists: boolean;
      table: TableName;
      columns: ColumnDef[];
      indexes: IndexDef[];
      options: TableOptions;
      partition?: PartitionSpec;
      foreignKeys?: ForeignKeyDef[];
    }
  | { kind: 'create-table-like'; ifNotExists: boolean; table: TableName; like: TableName }
  | { kind: 'create-sequence'; ifNotExists: boolean; table: TableName; options: SequenceOptions }
  | { kind: 'create-view'; view: ViewDef }
  | { kind: 'drop-view'; ifExists: boolean; tables: TableName[] }
  | { kind: 'drop-sequence'; ifExists: boolean; tables: TableName[] }
  | { kind: 'create-index'; table: TableName; index: IndexDef }
  | { kind: 'alter-table'; table: TableName; specs: AlterSpec[] }
  | { kind: 'rename-table'; pairs: { from: TableName; to: TableName }[] }
  | { kind: 'drop-table'; ifExists: boolean; tables: TableName[] }
  | { kind: 'truncate-table'; table: TableName }
  | { kind: 'use'; db: string }
  | { kind: 'set'; assignments: { name: string; scope: 'session' | 'global' | 'user'; value: string }[] }
  | { kind: 'select'; select: SelectStmt }
  | { kind: 'replace-select'; target: TableName; source: TableName }
  | { kind: 'show-databases' }
  | { kind: 'show-tables'; db?: string }
  | { kind: 'show-create-table'; table: TableName }
  | { kind: 'begin' | 'commit' | 'rollback' };

/** A SELECT of scalar items (functions, @@variables, literals) or of information_schema columns. */
export interface SelectStmt {
  items: SelectItem[];
  from?: TableName;
  where: Condition[];
  orderBy: { column: string; desc: boolean }[];
  limit?: number;
}

export type SelectItem =
  | { kind: 'star' }
  | { kind: 'column'; name: string; alias?: string }
  | { kind: 'function'; name: string; text: string; alias?: string }
  | { kind: 'variable'; name: string; text: string; alias?: string }
  | { kind: 'literal'; value: string | null; text: string; alias?: string };

/** WHERE is a conjunction of `col = v`, `col IN (…)`, `col LIKE v`, `col IS [NOT] NULL`; values are literals. */
export interface Condition {
  column: string;
  op: '=' | '!=' | 'in' | 'like' | 'is-null' | 'is-not-null';
  values: string[];
}
