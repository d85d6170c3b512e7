/**
 * A TiDB datum: one column value as the codecs see it. Only the kinds the generator writes are modelled.
 * 64-bit integers are bigint so TiDB's full range round-trips.
 */
export type Datum =
  | { kind: 'null' }
  | { kind: 'int'; value: bigint }
  | { kind: 'uint'; value: bigint }
  /** Text in a character set (utf8mb4); `collation` decides its sort key in index/handle keys. */
  | { kind: 'string'; value: string; collation: string }
  /** Binary strings and blobs (charset binary). */
  | { kind: 'bytes'; value: Uint8Array }
  /** `value` is a plain decimal literal ("-12.50"); precision/frac are the column's Flen/Decimal. */
  | { kind: 'decimal'; value: string; precision: number; frac: number }
  | { kind: 'datetime'; value: DateTimeParts }
  | { kind: 'json'; value: JsonValue };

export interface DateTimeParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  microsecond: number;
}

export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | { [key: string]: JsonValue };

export const NULL_DATUM: Datum = { kind: 'null' };

export function intDatum(v: number | bigint): Datum {
  return { kind: 'int', value: BigInt(v) };
}

export function uintDatum(v: number | bigint): Datum {
  return { kind: 'uint', value: BigInt(v) };
}

export function stringDatum(value: string, collation = 'utf8mb4_bin'): Datum {
  return { kind: 'string', value, collation };
}

const utf8 = new TextEncoder();

/** UTF-8 bytes of a string datum, raw bytes of a bytes datum. */
export function datumBytes(d: Datum): Uint8Array {
  if (d.kind === 'string') return utf8.encode(d.value);
  if (d.kind === 'bytes') return d.value;
  throw new Error(`datum of kind ${d.kind} has no byte value`);
}

/** Formats a datetime the way MySQL prints it (fsp 6 only when microseconds are set). */
export function formatDateTime(t: DateTimeParts): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const base = `${p(t.year, 4)}-${p(t.month)}-${p(t.day)} ${p(t.hour)}:${p(t.minute)}:${p(t.second)}`;
  return t.microsecond === 0 ? base : `${base}.${p(t.microsecond, 6)}`;
}
