import { MysqlType, type FieldType } from '../../plan/table-info';
import type { ColumnDef } from './sql-ast';

/** A column default as TiDB stores it in ColumnInfo: `default`, `default_bit` and `default_is_expr`. */
export interface StoredDefault {
  value: string | null;
  /** base64 of the raw bytes, for BIT columns only (ColumnInfo.DefaultValueBit). */
  bit: string | null;
  isExpr: boolean;
}

/** CURRENT_TIMESTAMP and its synonyms, with or without a precision: TiDB stores them all as "CURRENT_TIMESTAMP". */
const NOW_SYNONYM = /^(current_timestamp|now|localtime|localtimestamp)\s*(\(\s*\d*\s*\))?$/i;

/**
 * The bytes of a BIT default: b'…' / 0b… by bit count, x'…' / 0x… by digits, a decimal number as its
 * shortest big-endian form (at least one byte). TiDB keeps them raw (v8.5.3: b'101' → "\u0005",
 * default_bit "BQ=="), not as the literal's text.
 */
export function bitDefaultBytes(text: string): Buffer {
  const bin = /^(?:b'([01]*)'|0b([01]+))$/i.exec(text);
  if (bin) {
    const bits = bin[1] ?? bin[2] ?? '';
    const padded = bits.padStart(Math.max(8, Math.ceil(bits.length / 8) * 8), '0');
    return Buffer.from(padded.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
  }
  const hex = /^(?:x'([0-9a-f]*)'|0x([0-9a-f]+))$/i.exec(text);
  if (hex) {
    const digits = hex[1] ?? hex[2] ?? '';
    return Buffer.from(digits.length % 2 ? `0${digits}` : digits, 'hex');
  }
  let n = BigInt(/^\d+$/.test(text) ? text : '0');
  const out: number[] = [];
  do {
    out.unshift(Number(n & 0xffn));
    n >>= 8n;
  } while (n > 0n);
  return Buffer.from(out);
}

/**
 * Raw bytes as Go's encoding/json writes a []byte-in-string: ASCII stays, every byte of an invalid UTF-8
 * sequence becomes U+FFFD (what the status API shows for a BIT default with a high bit set).
 */
function bytesAsGoString(b: Buffer): string {
  const s = b.toString('utf8');
  return Buffer.from(s, 'utf8').equals(b) ? s : [...b].map((x) => (x < 0x80 ? String.fromCharCode(x) : '\ufffd')).join('');
}

/** The stored default of a column definition with this type (no DEFAULT clause: null). */
export function storedDefault(def: ColumnDef['default'], type: FieldType): StoredDefault {
  if (!def || def.value === null) return { value: null, bit: null, isExpr: false };
  const text = def.value;
  if (NOW_SYNONYM.test(text.trim())) return { value: 'CURRENT_TIMESTAMP', bit: null, isExpr: false };
  if (def.isExpr) return { value: text, bit: null, isExpr: true };
  if (type.Tp === MysqlType.Bit) {
    const bytes = def.quoted ? Buffer.from(text, 'utf8') : bitDefaultBytes(text.trim());
    return { value: bytesAsGoString(bytes), bit: bytes.toString('base64'), isExpr: false };
  }
  if ((type.Tp === MysqlType.Float || type.Tp === MysqlType.Double) && /e/i.test(text) && Number.isFinite(Number(text))) {
    // An exponent is evaluated: DOUBLE DEFAULT 1e3 is stored as "1000".
    return { value: String(Number(text)), bit: null, isExpr: false };
  }
  if (type.Tp === MysqlType.String && type.Charset === 'binary' && type.Flen > text.length) {
    // BINARY(n) pads with zero bytes to its length, the stored default included.
    return { value: text.padEnd(type.Flen, '\u0000'), bit: null, isExpr: false };
  }
  return { value: text, bit: null, isExpr: false };
}

/**
 * The origin default TiDB records when ADD COLUMN runs: the default itself, the time of the ALTER for
 * CURRENT_TIMESTAMP (rows written before read it), and the type's zero value for a NOT NULL column without a
 * default (v8.5.3: int "0", varchar "", bit "" with default_bit "").
 */
export function originDefaultOnAdd(d: StoredDefault, type: FieldType, notNull: boolean, now: Date): { value: string | null; bit: string | null } {
  if (d.value === 'CURRENT_TIMESTAMP' && !d.isExpr) return { value: formatNow(now, type), bit: null };
  if (d.value !== null) return { value: d.value, bit: d.bit };
  if (!notNull) return { value: null, bit: null };
  return zeroValue(type);
}

function formatNow(now: Date, type: FieldType): string {
  const iso = now.toISOString();
  const base = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  if (type.Tp === MysqlType.Date) return base.slice(0, 10);
  const fsp = type.Decimal > 0 ? type.Decimal : 0;
  return fsp > 0 ? `${base}.${iso.slice(20, 23).padEnd(6, '0').slice(0, fsp)}` : base;
}

function zeroValue(type: FieldType): { value: string | null; bit: string | null } {
  switch (type.Tp) {
    case MysqlType.Bit:
      return { value: '', bit: '' };
    case MysqlType.Tiny: case MysqlType.Short: case MysqlType.Int24: case MysqlType.Long: case MysqlType.Longlong:
    case MysqlType.Float: case MysqlType.Double: case MysqlType.NewDecimal:
      return { value: '0', bit: null };
    case MysqlType.Year:
      return { value: '0000', bit: null };
    case MysqlType.Date:
      return { value: '0000-00-00', bit: null };
    case MysqlType.Datetime: case MysqlType.Timestamp:
      return { value: '0000-00-00 00:00:00', bit: null };
    case MysqlType.Duration:
      return { value: '00:00:00', bit: null };
    case MysqlType.Enum:
      return { value: type.Elems?.[0] ?? '', bit: null };
    case MysqlType.JSON:
      return { value: 'null', bit: null };
    default:
      return { value: '', bit: null };
  }
}
