import { concatBytes, decodeBytes, decodeInt64Cmp, decodeUint64BE, encodeBytes, encodeInt64Cmp, encodeUint64BE } from '../../plan/keys';
import { decimalBinSize, decimalToBin } from './decimal-bin';
import { type Datum, datumBytes } from './datum';
import { toPackedUint } from './packed-time';

/**
 * TiDB's memcomparable datum encoding (util/codec EncodeKey), used for index values in index keys and for
 * clustered (common handle) row keys. Every datum starts with a flag byte so mixed kinds sort consistently.
 */
export const DatumFlag = {
  Nil: 0x00, Bytes: 0x01, CompactBytes: 0x02, Int: 0x03, Uint: 0x04, Float: 0x05, Decimal: 0x06,
  Duration: 0x07, Varint: 0x08, Uvarint: 0x09, Json: 0x0a, Max: 0xfa,
} as const;

const utf8 = new TextEncoder();
// _bin collations of the new collation framework are PAD SPACE: trailing spaces do not take part in
// comparisons, so their sort key drops them (util/collate binPaddingCollator). `binary` and the NO PAD
// utf8mb4_0900_bin keep every byte.
const PAD_SPACE_BIN = new Set(['utf8mb4_bin', 'utf8_bin', 'latin1_bin', 'ascii_bin', 'gbk_bin']);
const NO_PAD_BIN = new Set(['binary', 'utf8mb4_0900_bin']);

/** The collation sort key of a string (what TiDB puts into keys with new collations enabled). */
export function collationKey(value: string, collation: string): Uint8Array {
  const c = collation.toLowerCase();
  if (NO_PAD_BIN.has(c)) return utf8.encode(value);
  if (PAD_SPACE_BIN.has(c)) return utf8.encode(value.replace(/ +$/, ''));
  throw new Error(`collation ${collation} is not supported by the generator (use a _bin collation or binary)`);
}

/** Number of trailing spaces, which TiDB keeps as "restored data" for _bin varchar columns. */
export function tailSpaceCount(value: string): number {
  return value.length - value.replace(/ +$/, '').length;
}

/** Encodes one datum memcomparably, flag byte first. */
export function encodeKeyDatum(d: Datum): Uint8Array {
  switch (d.kind) {
    case 'null':
      return new Uint8Array([DatumFlag.Nil]);
    case 'int':
      return concatBytes(new Uint8Array([DatumFlag.Int]), encodeInt64Cmp(d.value));
    case 'uint':
      return concatBytes(new Uint8Array([DatumFlag.Uint]), encodeUint64BE(d.value));
    case 'string':
      return concatBytes(new Uint8Array([DatumFlag.Bytes]), encodeBytes(collationKey(d.value, d.collation)));
    case 'bytes':
      return concatBytes(new Uint8Array([DatumFlag.Bytes]), encodeBytes(datumBytes(d)));
    case 'decimal':
      return concatBytes(new Uint8Array([DatumFlag.Decimal, d.precision, d.frac]), decimalToBin(d.value, d.precision, d.frac));
    case 'datetime':
      return concatBytes(new Uint8Array([DatumFlag.Uint]), encodeUint64BE(toPackedUint(d.value)));
    case 'json':
      throw new Error('JSON values cannot be part of an index or handle key');
  }
}

/** EncodeKey over several datums: the concatenation of each encoding. */
export function encodeKeyDatums(ds: readonly Datum[]): Uint8Array {
  return concatBytes(...ds.map(encodeKeyDatum));
}

/** A datum decoded from a key: strings come back as their (collation key) bytes. */
export type KeyDatum =
  | { kind: 'null' }
  | { kind: 'int'; value: bigint }
  | { kind: 'uint'; value: bigint }
  | { kind: 'bytes'; value: Uint8Array }
  | { kind: 'decimal'; precision: number; frac: number; bin: Uint8Array };

/** Decodes a run of memcomparable datums (the inverse of encodeKeyDatums, up to collation keys). */
export function decodeKeyDatums(b: Uint8Array): KeyDatum[] {
  const out: KeyDatum[] = [];
  let o = 0;
  while (o < b.length) {
    const flag = b[o++];
    switch (flag) {
      case DatumFlag.Nil:
        out.push({ kind: 'null' });
        break;
      case DatumFlag.Int:
        out.push({ kind: 'int', value: decodeInt64Cmp(b, o) });
        o += 8;
        break;
      case DatumFlag.Uint:
        out.push({ kind: 'uint', value: decodeUint64BE(b, o) });
        o += 8;
        break;
      case DatumFlag.Bytes: {
        const { value, read } = decodeBytes(b, o);
        out.push({ kind: 'bytes', value });
        o += read;
        break;
      }
      case DatumFlag.Decimal: {
        const precision = b[o] as number;
        const frac = b[o + 1] as number;
        const n = decimalBinSize(precision, frac);
        out.push({ kind: 'decimal', precision, frac, bin: b.subarray(o + 2, o + 2 + n) });
        o += 2 + n;
        break;
      }
      default:
        throw new Error(`unsupported datum flag ${String(flag)} at offset ${o - 1}`);
    }
  }
  return out;
}
