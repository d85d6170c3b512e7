import { concatBytes } from '../../plan/keys';
import { decimalToBin } from './decimal-bin';
import { type Datum, datumBytes } from './datum';
import { encodeJsonBinary } from './json-binary';
import { toPackedUint } from './packed-time';

/**
 * TiDB row format v2 (util/rowcodec): the value of every record key, and the "restored data" inside index
 * values. Layout: 0x80 (CodecVer), flags (bit 0 = large), u16 LE not-null count, u16 LE null count,
 * column IDs (not-null ones ascending, then null ones ascending; u8 each, u32 LE when large), end offsets of
 * the not-null values (u16 LE, u32 LE when large), then the values. "Large" is chosen when a column ID
 * exceeds 255 or the data exceeds 65535 bytes.
 */
export const ROW_CODEC_VERSION = 0x80;
const FLAG_LARGE = 1;

export interface RowColumn {
  id: number;
  datum: Datum;
}

function le(v: bigint, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = BigInt.asUintN(64, v);
  for (let i = 0; i < n; i++) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

/** rowcodec encodeInt: the smallest of 1/2/4/8 little-endian bytes that holds the value. */
export function encodeCompactInt(v: bigint): Uint8Array {
  if (v >= -128n && v <= 127n) return le(v, 1);
  if (v >= -32768n && v <= 32767n) return le(v, 2);
  if (v >= -2147483648n && v <= 2147483647n) return le(v, 4);
  return le(v, 8);
}

/** rowcodec encodeUint: as encodeCompactInt, unsigned. */
export function encodeCompactUint(v: bigint): Uint8Array {
  if (v <= 0xffn) return le(v, 1);
  if (v <= 0xffffn) return le(v, 2);
  if (v <= 0xffffffffn) return le(v, 4);
  return le(v, 8);
}

export function decodeCompactInt(b: Uint8Array): bigint {
  let x = 0n;
  for (let i = b.length - 1; i >= 0; i--) x = (x << 8n) | BigInt(b[i] as number);
  return BigInt.asIntN(b.length * 8, x);
}

export function decodeCompactUint(b: Uint8Array): bigint {
  let x = 0n;
  for (let i = b.length - 1; i >= 0; i--) x = (x << 8n) | BigInt(b[i] as number);
  return x;
}

/** One value as rowcodec encodeValueDatum writes it. */
export function encodeRowValueDatum(d: Datum): Uint8Array {
  switch (d.kind) {
    case 'int':
      return encodeCompactInt(d.value);
    case 'uint':
      return encodeCompactUint(d.value);
    case 'string':
    case 'bytes':
      return datumBytes(d);
    case 'datetime':
      return encodeCompactUint(toPackedUint(d.value));
    case 'decimal':
      // codec.EncodeDecimal: precision and frac bytes, then the binary decimal.
      return concatBytes(new Uint8Array([d.precision, d.frac]), decimalToBin(d.value, d.precision, d.frac));
    case 'json':
      return encodeJsonBinary(d.value);
    case 'null':
      throw new Error('null has no row value; it is listed among the null column IDs');
  }
}

/** Encodes a row (or restored data) in row format v2. */
export function encodeRowV2(columns: readonly RowColumn[]): Uint8Array {
  const notNull = columns.filter((c) => c.datum.kind !== 'null').sort((a, b) => a.id - b.id);
  const nulls = columns.filter((c) => c.datum.kind === 'null').sort((a, b) => a.id - b.id);
  const values = notNull.map((c) => encodeRowValueDatum(c.datum));
  const dataLen = values.reduce((n, v) => n + v.length, 0);
  const large = columns.some((c) => c.id > 255) || dataLen > 0xffff;
  const idSize = large ? 4 : 1;
  const offSize = large ? 4 : 2;
  const ids = [...notNull, ...nulls];
  const out = new Uint8Array(6 + ids.length * idSize + notNull.length * offSize + dataLen);
  const dv = new DataView(out.buffer);
  out[0] = ROW_CODEC_VERSION;
  out[1] = large ? FLAG_LARGE : 0;
  dv.setUint16(2, notNull.length, true);
  dv.setUint16(4, nulls.length, true);
  let o = 6;
  for (const c of ids) {
    if (large) dv.setUint32(o, c.id, true);
    else out[o] = c.id;
    o += idSize;
  }
  let end = 0;
  for (const v of values) {
    end += v.length;
    if (large) dv.setUint32(o, end, true);
    else dv.setUint16(o, end, true);
    o += offSize;
  }
  for (const v of values) {
    out.set(v, o);
    o += v.length;
  }
  return out;
}

/** A decoded v2 row: raw value bytes by column ID, and the IDs stored as NULL. */
export interface DecodedRowV2 {
  values: Map<number, Uint8Array>;
  nullIds: number[];
}

export function decodeRowV2(b: Uint8Array): DecodedRowV2 {
  if (b[0] !== ROW_CODEC_VERSION) throw new Error(`not a v2 row: first byte ${String(b[0])}`);
  const large = ((b[1] as number) & FLAG_LARGE) !== 0;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const nNotNull = dv.getUint16(2, true);
  const nNull = dv.getUint16(4, true);
  const idSize = large ? 4 : 1;
  const offSize = large ? 4 : 2;
  let o = 6;
  const ids: number[] = [];
  for (let i = 0; i < nNotNull + nNull; i++) {
    ids.push(large ? dv.getUint32(o, true) : (b[o] as number));
    o += idSize;
  }
  const ends: number[] = [];
  for (let i = 0; i < nNotNull; i++) {
    ends.push(large ? dv.getUint32(o, true) : dv.getUint16(o, true));
    o += offSize;
  }
  const values = new Map<number, Uint8Array>();
  let start = 0;
  for (let i = 0; i < nNotNull; i++) {
    const end = ends[i] as number;
    values.set(ids[i] as number, b.subarray(o + start, o + end));
    start = end;
  }
  return { values, nullIds: ids.slice(nNotNull) };
}
