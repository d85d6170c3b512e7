import { MysqlFlag, MysqlType, type FieldType } from '../../plan/table-info';
import { SqlError } from './sql-error';
import type { TypeSpec } from './sql-ast';

/** TiDB's "unspecified" length/decimal marker (types.UnspecifiedLength). */
const UNSPECIFIED = -1;

/** The default collation TiDB picks for a charset when none is named (TiDB defaults to the *_bin ones). */
export function defaultCollation(charset: string): string {
  switch (charset) {
    case 'binary':
      return 'binary';
    case 'gbk':
      return 'gbk_chinese_ci';
    case 'gb18030':
      return 'gb18030_chinese_ci';
    default:
      return `${charset}_bin`;
  }
}

/** The charset a collation belongs to (its name up to the first underscore). */
export function charsetOfCollation(collate: string): string {
  return collate === 'binary' ? 'binary' : (collate.split('_')[0] as string);
}

interface Defaults {
  tp: number;
  flen: number;
  decimal: number;
  /** String type whose contents carry a charset (char, varchar, text, enum, set). */
  textual?: boolean;
  /** Byte-string type (binary, varbinary, blob): charset binary + Binary flag. */
  bytes?: boolean;
  /** Flags the type itself carries in TableInfo, whatever the column says (v8.5.3: temporal types Binary, BIT Unsigned, YEAR Unsigned|Zerofill). */
  flag?: number;
}

function defaultsOf(t: TypeSpec): Defaults {
  const u = t.unsigned;
  switch (t.name) {
    case 'bit':
      return { tp: MysqlType.Bit, flen: 1, decimal: 0, flag: MysqlFlag.Unsigned };
    case 'bool':
      return { tp: MysqlType.Tiny, flen: 1, decimal: 0 };
    case 'tinyint':
      return { tp: MysqlType.Tiny, flen: u ? 3 : 4, decimal: 0 };
    case 'smallint':
      return { tp: MysqlType.Short, flen: u ? 5 : 6, decimal: 0 };
    case 'mediumint':
      return { tp: MysqlType.Int24, flen: u ? 8 : 9, decimal: 0 };
    case 'int':
      return { tp: MysqlType.Long, flen: u ? 10 : 11, decimal: 0 };
    case 'bigint':
      return { tp: MysqlType.Longlong, flen: 20, decimal: 0 };
    case 'decimal':
      return { tp: MysqlType.NewDecimal, flen: 10, decimal: 0 };
    case 'float':
      return { tp: MysqlType.Float, flen: 12, decimal: UNSPECIFIED };
    case 'double':
      return { tp: MysqlType.Double, flen: 22, decimal: UNSPECIFIED };
    case 'date':
      return { tp: MysqlType.Date, flen: 10, decimal: 0, flag: MysqlFlag.Binary };
    case 'datetime':
      return { tp: MysqlType.Datetime, flen: 19, decimal: 0, flag: MysqlFlag.Binary };
    case 'timestamp':
      return { tp: MysqlType.Timestamp, flen: 19, decimal: 0, flag: MysqlFlag.Binary };
    case 'time':
      return { tp: MysqlType.Duration, flen: 10, decimal: 0, flag: MysqlFlag.Binary };
    case 'year':
      return { tp: MysqlType.Year, flen: 4, decimal: 0, flag: MysqlFlag.Unsigned | MysqlFlag.Zerofill };
    case 'char':
      return { tp: MysqlType.String, flen: 1, decimal: 0, textual: true };
    case 'varchar':
      return { tp: MysqlType.Varchar, flen: UNSPECIFIED, decimal: 0, textual: true };
    case 'binary':
      return { tp: MysqlType.String, flen: 1, decimal: 0, bytes: true };
    case 'varbinary':
      return { tp: MysqlType.Varchar, flen: UNSPECIFIED, decimal: 0, bytes: true };
    case 'tinytext':
      return { tp: MysqlType.TinyBlob, flen: 255, decimal: 0, textual: true };
    case 'text':
      return { tp: MysqlType.Blob, flen: 65535, decimal: 0, textual: true };
    case 'mediumtext':
      return { tp: MysqlType.MediumBlob, flen: 16777215, decimal: 0, textual: true };
    case 'longtext':
      return { tp: MysqlType.LongBlob, flen: 4294967295, decimal: 0, textual: true };
    case 'tinyblob':
      return { tp: MysqlType.TinyBlob, flen: 255, decimal: 0, bytes: true };
    case 'blob':
      return { tp: MysqlType.Blob, flen: 65535, decimal: 0, bytes: true };
    case 'mediumblob':
      return { tp: MysqlType.MediumBlob, flen: 16777215, decimal: 0, bytes: true };
    case 'longblob':
      return { tp: MysqlType.LongBlob, flen: 4294967295, decimal: 0, bytes: true };
    case 'json':
      // TiDB stores JSON with the longest length (mysql.MaxBlobWidth), not "unspecified".
      return { tp: MysqlType.JSON, flen: 4294967295, decimal: 0, bytes: true };
    case 'vector':
      // VECTOR[(dimension)]: TiDB's TypeTiDBVectorFloat32; Flen is the dimension, -1 when not fixed.
      return { tp: MysqlType.TiDBVectorFloat32, flen: UNSPECIFIED, decimal: 0, bytes: true };
    case 'enum':
      return { tp: MysqlType.Enum, flen: Math.max(0, ...(t.elems ?? []).map((e) => e.length)), decimal: 0, textual: true };
    case 'set':
      return { tp: MysqlType.Set, flen: (t.elems ?? []).reduce((n, e) => n + e.length, 0) + Math.max(0, (t.elems?.length ?? 0) - 1), decimal: 0, textual: true };
    default:
      throw SqlError.unsupported(`column type ${t.name.toUpperCase()} in the simulated TiDB front`);
  }
}

/**
 * The FieldType TiDB stores for a column type as written (lengths default the way TiDB's
 * types.GetDefaultFieldLengthAndDecimal does; string columns inherit the table's charset/collation).
 * Key and null flags are added by the catalog, which knows the indexes.
 */
export function fieldTypeOf(spec: TypeSpec, table: { charset: string; collate: string }): FieldType {
  // ENUM/SET members lose their trailing spaces (MySQL rule); FLOAT(p) is a precision: FLOAT up to 24, DOUBLE above.
  let t: TypeSpec = spec.elems ? { ...spec, elems: spec.elems.map((e) => e.replace(/ +$/, '')) } : spec;
  if (t.name === 'float' && t.length !== undefined && t.decimal === undefined) {
    const { length: precision, ...rest } = t;
    t = { ...rest, name: precision > 24 ? 'double' : 'float' };
  }
  const d = defaultsOf(t);
  let flen = t.length ?? d.flen;
  let decimal = t.decimal ?? d.decimal;
  if (t.name === 'varchar' || t.name === 'varbinary') {
    if (t.length === undefined) throw SqlError.syntax(`${t.name.toUpperCase()} without a length`, 0);
  }
  if (t.name === 'decimal' && t.length !== undefined && t.decimal === undefined) decimal = 0;
  if (t.name === 'datetime' || t.name === 'timestamp' || t.name === 'time') {
    // The "length" of a temporal type is its fractional seconds precision.
    const fsp = t.length ?? 0;
    decimal = fsp;
    flen = d.flen + (fsp > 0 ? fsp + 1 : 0);
  }
  let flag = 0;
  if (t.unsigned) flag |= MysqlFlag.Unsigned;
  if (t.zerofill) flag |= MysqlFlag.Zerofill;
  let charset = 'binary';
  let collate = 'binary';
  if (d.textual) {
    if (t.binary) {
      // CHAR(n) BINARY means the charset's _bin collation.
      charset = t.charset ?? table.charset;
      collate = t.collate ?? defaultCollation(charset);
    } else {
      charset = t.charset ?? (t.collate ? charsetOfCollation(t.collate) : table.charset);
      collate = t.collate ?? (t.charset ? defaultCollation(t.charset) : charset === table.charset ? table.collate : defaultCollation(charset));
    }
  } else if (d.bytes) {
    flag |= MysqlFlag.Binary;
  }
  // A text type that ends up in the binary charset (a table or database of charset binary) is a byte string.
  if (d.textual && charset === 'binary') flag |= MysqlFlag.Binary;
  // TiDB's TableInfo never carries BlobFlag (16): it is set on result-set column metadata only.
  if (d.flag !== undefined) flag |= d.flag;
  return { Tp: d.tp, Flag: flag, Flen: flen, Decimal: decimal, Charset: charset, Collate: collate, Elems: t.elems ?? null, ElemsIsBinaryLit: null, Array: false };
}

/** Integer types: a single-column integer primary key becomes the row handle (pk_is_handle). */
export function isIntegerType(tp: number): boolean {
  return [MysqlType.Tiny, MysqlType.Short, MysqlType.Int24, MysqlType.Long, MysqlType.Longlong].includes(tp as 1);
}
