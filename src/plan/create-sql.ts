import type { ColumnInfo, DBInfo, FieldType, IndexInfo, PartitionInfo, TableInfo } from './table-info';
import { MysqlFlag, MysqlType } from './table-info';
import { isPrimaryIndex, isUniqueIndex, publicIndexes, shardRowIdBits } from './table-info-read';

/**
 * CREATE DATABASE / CREATE TABLE text from backed-up DBInfo/TableInfo, printed the way TiDB's
 * SHOW CREATE TABLE prints it (pkg/executor/show.go constructResultOfShowCreateTable, types
 * FieldType.CompactStr, ddl AppendPartitionInfo). BR hands TiDB the TableInfo itself; brflow talks SQL,
 * so this text is what recreates the table. TiDB-only clauses stay inside `/*T![feature] … *\/` comments.
 *
 * Not rendered (the restore refuses such tables in column-ids.ts or leaves them out, see there):
 * foreign keys, check constraints, placement policies, TTL, views and sequences.
 */

/** stringutil.Escape without ANSI_QUOTES: backquotes, a backquote doubled. */
export function quoteIdent(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}

/** parser/format.OutputFormat: the escaping TiDB applies inside '…' in SHOW output. */
export function quoteString(s: string): string {
  let out = '';
  for (const c of s) out += c === '\\' ? '\\\\' : c === "'" ? "''" : c === '\n' ? '\\n' : c === '\r' ? '\\r' : c;
  return `'${out}'`;
}

const UNSPECIFIED = -1;

/** TiDB's mysql.GetDefaultFieldLengthAndDecimal for the types whose suffix depends on it. */
function defaultFlenDecimal(tp: number): [number, number] {
  switch (tp) {
    case MysqlType.Float: return [12, UNSPECIFIED];
    case MysqlType.Double: return [22, UNSPECIFIED];
    case MysqlType.NewDecimal: return [10, 0];
    case MysqlType.Tiny: return [4, 0];
    case MysqlType.Short: return [6, 0];
    case MysqlType.Int24: return [9, 0];
    case MysqlType.Long: return [11, 0];
    case MysqlType.Longlong: return [20, 0];
    case MysqlType.Bit: return [1, 0];
    case MysqlType.Year: return [4, 0];
    case MysqlType.String: return [1, 0];
    default: return [UNSPECIFIED, 0];
  }
}

/** TiDB types.TypeToStr: string types with the binary charset print as their binary twins. */
function typeName(ft: FieldType): string {
  const bin = ft.Charset === 'binary';
  switch (ft.Tp) {
    case MysqlType.Tiny: return 'tinyint';
    case MysqlType.Short: return 'smallint';
    case MysqlType.Int24: return 'mediumint';
    case MysqlType.Long: return 'int';
    case MysqlType.Longlong: return 'bigint';
    case MysqlType.Float: return 'float';
    case MysqlType.Double: return 'double';
    case MysqlType.NewDecimal: return 'decimal';
    case MysqlType.Null: return 'null';
    case MysqlType.Timestamp: return 'timestamp';
    case MysqlType.Date: return 'date';
    case MysqlType.Duration: return 'time';
    case MysqlType.Datetime: return 'datetime';
    case MysqlType.Year: return 'year';
    case MysqlType.Bit: return 'bit';
    case MysqlType.JSON: return 'json';
    case MysqlType.Enum: return 'enum';
    case MysqlType.Set: return 'set';
    case MysqlType.Varchar:
    case MysqlType.VarString: return bin ? 'varbinary' : 'varchar';
    case MysqlType.String: return bin ? 'binary' : 'char';
    case MysqlType.TinyBlob: return bin ? 'tinyblob' : 'tinytext';
    case MysqlType.Blob: return bin ? 'blob' : 'text';
    case MysqlType.MediumBlob: return bin ? 'mediumblob' : 'mediumtext';
    case MysqlType.LongBlob: return bin ? 'longblob' : 'longtext';
    case 255: return 'geometry';
    case MysqlType.TiDBVectorFloat32: return 'vector';
    default: throw new Error(`unknown mysql type code ${ft.Tp}`);
  }
}

/** FieldType.CompactStr: the type with its length/decimal/elements suffix. */
export function compactTypeString(ft: FieldType): string {
  const [defFlen, defDec] = defaultFlenDecimal(ft.Tp);
  const decimalNotDefault = ft.Decimal !== defDec && ft.Decimal !== 0 && ft.Decimal !== UNSPECIFIED;
  const flen = ft.Flen === UNSPECIFIED ? defFlen : ft.Flen;
  const dec = ft.Decimal === UNSPECIFIED ? defDec : ft.Decimal;
  let suffix = '';
  switch (ft.Tp) {
    case MysqlType.Enum:
    case MysqlType.Set:
      suffix = `(${(ft.Elems ?? []).map(quoteString).join(',')})`;
      break;
    case MysqlType.Timestamp:
    case MysqlType.Datetime:
    case MysqlType.Duration:
      if (decimalNotDefault) suffix = `(${dec})`;
      break;
    case MysqlType.Float:
    case MysqlType.Double:
      if (decimalNotDefault) suffix = `(${flen},${dec})`;
      break;
    case MysqlType.NewDecimal:
      suffix = `(${flen},${dec})`;
      break;
    case MysqlType.Bit:
    case MysqlType.Tiny:
    case MysqlType.Short:
    case MysqlType.Int24:
    case MysqlType.Long:
    case MysqlType.Longlong:
    case MysqlType.String:
    case MysqlType.Varchar:
    case MysqlType.VarString:
      suffix = `(${flen})`;
      break;
    case MysqlType.Year:
      suffix = `(${ft.Flen})`;
      break;
    case MysqlType.Null:
      suffix = '(0)';
      break;
    case MysqlType.TiDBVectorFloat32:
      // Flen is the fixed dimension; -1 (what v8.5.3 stores for a bare VECTOR) or 0 means any dimension.
      if (ft.Flen > 0) suffix = `(${ft.Flen})`;
      break;
  }
  return typeName(ft) + suffix;
}

/** ColumnInfo.GetTypeDesc: compact type plus ` unsigned` / ` zerofill`. */
export function columnTypeDesc(ft: FieldType): string {
  let d = compactTypeString(ft);
  if (ft.Flag & MysqlFlag.Unsigned && ft.Tp !== MysqlType.Bit && ft.Tp !== MysqlType.Year) d += ' unsigned';
  if (ft.Flag & MysqlFlag.Zerofill && ft.Tp !== MysqlType.Year) d += ' zerofill';
  return d;
}

/** field_types.HasCharset: text types without the binary flag, enum and set. */
function hasCharset(ft: FieldType): boolean {
  switch (ft.Tp) {
    case MysqlType.Varchar:
    case MysqlType.String:
    case MysqlType.VarString:
    case MysqlType.Blob:
    case MysqlType.TinyBlob:
    case MysqlType.MediumBlob:
    case MysqlType.LongBlob:
      return (ft.Flag & MysqlFlag.Binary) === 0;
    case MysqlType.Enum:
    case MysqlType.Set:
      return true;
    default:
      return false;
  }
}

/** Default collation of the charsets TiDB supports (charset.GetDefaultCollation). */
const DEFAULT_COLLATION: Record<string, string> = {
  utf8mb4: 'utf8mb4_bin', utf8: 'utf8_bin', latin1: 'latin1_bin', ascii: 'ascii_bin', binary: 'binary', gbk: 'gbk_chinese_ci', gb18030: 'gb18030_chinese_ci',
};

export function isGenerated(c: ColumnInfo): boolean {
  return typeof c.generated_expr_string === 'string' && c.generated_expr_string !== '';
}

function decodeBase64(s: string): number[] {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const out: number[] = [];
  let buf = 0;
  let bits = 0;
  for (const ch of s.replace(/=+$/, '')) {
    const v = alphabet.indexOf(ch);
    if (v < 0) continue;
    buf = (buf << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((buf >> bits) & 0xff);
    }
  }
  return out;
}

/** BinaryLiteral.ToBitLiteralString(trimLeadingZero): b'101'. */
function bitLiteral(bytes: number[]): string {
  const bits = bytes.map((b) => b.toString(2).padStart(8, '0')).join('').replace(/^0+/, '');
  return `b'${bits === '' ? '0' : bits}'`;
}

/**
 * A BIT default as a b'…' literal, from its raw bytes (`default_bit`, base64, when TiDB recorded it) or from the
 * value's characters (older writers kept the bytes in `default` only).
 */
export function bitDefaultLiteral(value: unknown, valueBit: unknown): string {
  const bytes = typeof valueBit === 'string' && valueBit !== '' ? decodeBase64(valueBit) : [...String(value)].map((ch) => ch.charCodeAt(0) & 0xff);
  return bitLiteral(bytes);
}

function defaultClause(c: ColumnInfo, value: unknown, valueBit: unknown): string {
  const ft = c.type;
  if (value === null || value === undefined) {
    if (ft.Flag & MysqlFlag.NotNull) return '';
    return (ft.Tp === MysqlType.Timestamp ? ' NULL' : '') + ' DEFAULT NULL';
  }
  const v = String(value);
  const fsp = ft.Decimal > 0 ? `(${ft.Decimal})` : '';
  if (v.toUpperCase() === 'CURRENT_TIMESTAMP') return ` DEFAULT CURRENT_TIMESTAMP${fsp}`;
  if (v.toUpperCase() === 'CURRENT_DATE') return ` DEFAULT (CURRENT_DATE${fsp})`;
  if (c.default_is_expr) return ` DEFAULT (${v})`;
  if (ft.Tp === MysqlType.Bit) return ` DEFAULT ${bitDefaultLiteral(v, valueBit)}`;
  return ` DEFAULT ${quoteString(v)}`;
}

function isAutoRandomColumn(t: TableInfo, c: ColumnInfo): boolean {
  return t.pk_is_handle && (t.auto_random_bits ?? 0) > 0 && (c.type.Flag & MysqlFlag.PriKey) !== 0;
}

/** Options for one column definition. */
export interface ColumnDefOptions {
  /** Render this default instead of the column's (column-ids.ts adds columns with their origin default). */
  defaultOverride?: { value: unknown };
}

/** One column as SHOW CREATE TABLE prints it, without leading spaces: `` `a` int(11) NOT NULL``. */
export function columnDefinition(t: TableInfo, c: ColumnInfo, opts: ColumnDefOptions = {}): string {
  const ft = c.type;
  const tblCharset = t.charset || 'utf8mb4';
  const tblCollate = t.collate || DEFAULT_COLLATION[tblCharset] || '';
  let s = `${quoteIdent(c.name.O)} ${columnTypeDesc(ft)}`;
  if (hasCharset(ft)) {
    if (ft.Charset !== tblCharset) s += ` CHARACTER SET ${ft.Charset}`;
    if (ft.Collate !== tblCollate) s += ` COLLATE ${ft.Collate}`;
    else if (DEFAULT_COLLATION[ft.Charset] !== undefined && DEFAULT_COLLATION[ft.Charset] !== ft.Collate) s += ` COLLATE ${ft.Collate}`;
  }
  if (isGenerated(c)) s += ` GENERATED ALWAYS AS (${c.generated_expr_string}) ${c.generated_stored ? 'STORED' : 'VIRTUAL'}`;
  if (ft.Flag & MysqlFlag.AutoIncrement) {
    s += ' NOT NULL AUTO_INCREMENT';
  } else {
    if (ft.Flag & MysqlFlag.NotNull) s += ' NOT NULL';
    if (!(ft.Flag & MysqlFlag.NoDefaultValue) && !isGenerated(c)) {
      const value = opts.defaultOverride ? opts.defaultOverride.value : c.default;
      s += defaultClause(c, value, opts.defaultOverride ? undefined : c['default_bit']);
    }
    if (ft.Flag & MysqlFlag.OnUpdateNow) s += ` ON UPDATE CURRENT_TIMESTAMP${ft.Decimal > 0 ? `(${ft.Decimal})` : ''}`;
  }
  if (isAutoRandomColumn(t, c)) {
    const bits = t.auto_random_bits ?? 0;
    const range = t.auto_random_range_bits ?? 0;
    s += range === 0 || range === 64 ? ` /*T![auto_rand] AUTO_RANDOM(${bits}) */` : ` /*T![auto_rand] AUTO_RANDOM(${bits}, ${range}) */`;
  }
  if (c.comment) s += ` COMMENT ${quoteString(c.comment)}`;
  return s;
}

/** One index as SHOW CREATE TABLE prints it (also valid after `ALTER TABLE … ADD`). */
export function indexDefinition(t: TableInfo, idx: IndexInfo): string {
  let s = isPrimaryIndex(idx) ? 'PRIMARY KEY ' : isUniqueIndex(idx) ? `UNIQUE KEY ${quoteIdent(idx.idx_name.O)} ` : `KEY ${quoteIdent(idx.idx_name.O)} `;
  const cols = idx.idx_cols.map((ic) => {
    // By name: an expression key part names its hidden column, which holds the expression.
    const col = t.cols.find((c) => c.name.L === ic.name.L) ?? t.cols[ic.offset];
    if (col?.hidden) return `(${col.generated_expr_string ?? ''})`;
    return quoteIdent(ic.name.O) + (ic.length !== UNSPECIFIED ? `(${ic.length})` : '');
  });
  s += `(${cols.join(',')})`;
  if (idx.invisible || idx['is_invisible'] === true) s += ' /*!80000 INVISIBLE */';
  if (idx.comment) s += ` COMMENT ${quoteString(idx.comment)}`;
  if (isPrimaryIndex(idx)) s += t.pk_is_handle || t.is_common_handle ? ' /*T![clustered_index] CLUSTERED */' : ' /*T![clustered_index] NONCLUSTERED */';
  // A global index of a partitioned table (v8.5: `UNIQUE KEY … GLOBAL`) spans all partitions under the table's ID.
  if (idx.is_global === true) s += ' /*T![global_index] GLOBAL */';
  return s;
}

const PARTITION_TYPE: Record<number, string> = { 1: 'RANGE', 2: 'HASH', 3: 'LIST', 4: 'KEY' };

const WORD_OPERATORS = new Set(['DIV', 'MOD', 'AND', 'OR', 'XOR']);

/**
 * The partitioning expression to write so that TiDB stores `expr` again. TiDB stores it restored with brackets
 * around every binary operation (`a + b * 2` is kept as "(`a`+(`b`*2))", `(a + 1) * 2` as "(((`a`+1))*2)",
 * checked on v8.5.3), and SHOW CREATE TABLE prints that text; parsed again, each of those brackets would become a
 * parenthesised expression and gain another pair. So the brackets that directly enclose a binary operator (and
 * are not a function call's) are left out: what remains parses to the expression TiDB recorded.
 */
export function partitionExprToWrite(expr: string): string {
  const drop = new Set<number>();
  const open: { at: number; call: boolean; hasOp: boolean; operand: boolean }[] = [];
  const top = { hasOp: false, operand: false };
  const frame = () => open[open.length - 1] ?? top;
  for (let i = 0; i < expr.length; i++) {
    const ch = expr[i]!;
    if (ch === "'" || ch === '"' || ch === '`') {
      // A quoted literal or name: skip to its close (a doubled quote or a backslash escape stays inside).
      for (i++; i < expr.length; i++) {
        if (expr[i] === '\\' && ch !== '`') i++;
        else if (expr[i] === ch && expr[i + 1] === ch) i++;
        else if (expr[i] === ch) break;
      }
      frame().operand = true;
    } else if (ch === '(') {
      const before = expr.slice(0, i).trimEnd();
      open.push({ at: i, call: /[\w$]$/.test(before) && !WORD_OPERATORS.has(/[\w$]+$/.exec(before)![0].toUpperCase()), hasOp: false, operand: false });
    } else if (ch === ')') {
      const p = open.pop();
      if (p && !p.call && p.hasOp) {
        drop.add(p.at);
        drop.add(i);
      }
      frame().operand = true;
    } else if (/[\w$.]/.test(ch)) {
      const word = /^[\w$.]+/.exec(expr.slice(i))![0];
      const f = frame();
      if (WORD_OPERATORS.has(word.toUpperCase()) && f.operand) {
        f.hasOp = true;
        f.operand = false;
      } else f.operand = true;
      i += word.length - 1;
    } else if ('+-*/%&|^<>=!'.includes(ch)) {
      const f = frame();
      // A sign after an operand is a binary operator; at the start or after another operator it is unary.
      if (f.operand) f.hasOp = true;
      f.operand = false;
    }
  }
  return [...expr].filter((_, i) => !drop.has(i)).join('').trim();
}

/**
 * How partitionClause writes the expression and a `KEY ()` column list: 'to-write' so that TiDB records the
 * backup's text again (partitionExprToWrite; `KEY ()` kept empty); 'as-shown' as SHOW CREATE TABLE prints the
 * stored text; 'legacy' as brflow wrote it before (the stored text, KEY's columns listed), for plans of restores
 * recorded then, whose content hash must not change.
 */
export type PartitionText = 'to-write' | 'as-shown' | 'legacy';

/** ddl.AppendPartitionInfo: the clause that recreates the partitioning TiDB recorded. */
export function partitionClause(p: PartitionInfo, opts: { text?: PartitionText } = {}): string {
  const type = PARTITION_TYPE[p.type] ?? 'RANGE';
  const hashLike = p.type === 2 || p.type === 4;
  const defaultNames = p.definitions.every((d, i) => d.name.O === `p${i}` && !d.comment);
  const text = opts.text ?? 'to-write';
  const expr = text === 'to-write' ? partitionExprToWrite(p.expr) : p.expr;
  const keyColumns = p['is_empty_columns'] === true && text !== 'legacy' ? '' : (p.columns ?? []).map((c) => quoteIdent(c.O)).join(',');
  if (hashLike && defaultNames) {
    return `\nPARTITION BY ${type} (${p.type === 4 ? keyColumns : expr}) PARTITIONS ${p.num ?? p.definitions.length}`;
  }
  // KEY partitioning names its columns in plain parentheses; `KEY COLUMNS(…)` is not valid SQL.
  let s = p.type === 4
    ? `\nPARTITION BY KEY (${keyColumns})\n(`
    : p.columns && p.columns.length > 0
    ? `\nPARTITION BY ${type} COLUMNS(${p.columns.map((c) => quoteIdent(c.O)).join(',')})\n(`
    : `\nPARTITION BY ${type} (${expr})\n(`;
  s += p.definitions
    .map((d) => {
      let def = `PARTITION ${quoteIdent(d.name.O)}`;
      if (p.type === 1) def += ` VALUES LESS THAN (${(d.less_than ?? []).join(',')})`;
      else if (p.type === 3) {
        const vals = d.in_values ?? [];
        if (vals.length === 0 || (vals.length === 1 && vals[0]!.length === 1 && vals[0]![0]!.toUpperCase() === 'DEFAULT')) def += ' DEFAULT';
        else def += ` VALUES IN (${vals.map((v) => (v.length > 1 ? `(${v.join(',')})` : (v[0] ?? ''))).join(',')})`;
      }
      if (d.comment) def += ` COMMENT ${quoteString(d.comment)}`;
      return def;
    })
    .join(',\n ');
  return s + ')';
}

export interface CreateTableOptions {
  /** Use `CREATE TABLE IF NOT EXISTS` (BR creates with OnExistIgnore). @default false */
  ifNotExists?: boolean;
  /** Print AUTO_INCREMENT=n when > 1 (SHOW CREATE TABLE prints the allocator's next ID). */
  autoIncrement?: number;
  /** Print AUTO_RANDOM_BASE=n when > 1 (in TiDB's versioned comment, as SHOW CREATE TABLE prints it). */
  autoRandomBase?: number;
  /** Replace the column list (column-ids.ts creates gap placeholders). Defaults to the table's columns. */
  columns?: { col: ColumnInfo; opts?: ColumnDefOptions }[];
  /** How to write the partitioning (PartitionText). @default 'to-write' */
  partitionText?: PartitionText;
}

/** CREATE TABLE in SHOW CREATE TABLE layout. */
export function createTableSql(t: TableInfo, opts: CreateTableOptions = {}): string {
  const tblCharset = t.charset || 'utf8mb4';
  const tblCollate = t.collate || DEFAULT_COLLATION[tblCharset] || '';
  const cols: { col: ColumnInfo; opts?: ColumnDefOptions }[] = opts.columns ?? [...t.cols].sort((a, b) => a.offset - b.offset).map((col) => ({ col }));
  const lines: string[] = [];
  let pkCol: ColumnInfo | undefined;
  for (const { col, opts: o } of cols) {
    if (col.hidden) continue;
    lines.push(`  ${columnDefinition(t, col, o)}`);
    if (t.pk_is_handle && col.type.Flag & MysqlFlag.PriKey) pkCol = col;
  }
  if (pkCol) lines.push(`  PRIMARY KEY (${quoteIdent(pkCol.name.O)}) /*T![clustered_index] CLUSTERED */`);
  for (const idx of publicIndexes(t)) lines.push(`  ${indexDefinition(t, idx)}`);
  let s = `CREATE TABLE ${opts.ifNotExists ? 'IF NOT EXISTS ' : ''}${quoteIdent(t.name.O)} (\n${lines.join(',\n')}\n) ENGINE=InnoDB`;
  s += tblCollate === '' || tblCollate === 'binary' ? ` DEFAULT CHARSET=${tblCharset}` : ` DEFAULT CHARSET=${tblCharset} COLLATE=${tblCollate}`;
  if (typeof t['compression'] === 'string' && t['compression'] !== '') s += ` COMPRESSION=${quoteString(t['compression'])}`;
  if ((opts.autoIncrement ?? 0) > 1) s += ` AUTO_INCREMENT=${opts.autoIncrement}`;
  if ((opts.autoRandomBase ?? 0) > 1) s += ` /*T![auto_rand_base] AUTO_RANDOM_BASE=${opts.autoRandomBase} */`;
  if (t.auto_id_cache) s += ` /*T![auto_id_cache] AUTO_ID_CACHE=${t.auto_id_cache} */`;
  const shard = shardRowIdBits(t);
  if (shard > 0) s += ` /*T! SHARD_ROW_ID_BITS=${shard} ${(t.pre_split_regions ?? 0) > 0 ? `PRE_SPLIT_REGIONS=${t.pre_split_regions} ` : ''}*/`;
  if ((t.auto_random_bits ?? 0) > 0 && (t.pre_split_regions ?? 0) > 0) s += ` /*T! PRE_SPLIT_REGIONS=${t.pre_split_regions} */`;
  if (t.comment) s += ` COMMENT=${quoteString(t.comment)}`;
  if (t.partition) s += partitionClause(t.partition, { text: opts.partitionText ?? 'to-write' });
  return s;
}

/** SHOW CREATE DATABASE layout; BR creates databases with OnExistIgnore, hence IF NOT EXISTS by default. */
export function createDatabaseSql(db: DBInfo, opts: { ifNotExists?: boolean } = {}): string {
  const charset = db.charset || 'utf8mb4';
  const collate = db.collate || DEFAULT_COLLATION[charset] || '';
  const ine = opts.ifNotExists === false ? '' : 'IF NOT EXISTS ';
  return `CREATE DATABASE ${ine}${quoteIdent(db.db_name.O)} /*!40100 DEFAULT CHARACTER SET ${charset}${collate ? ` COLLATE ${collate}` : ''} */`;
}
