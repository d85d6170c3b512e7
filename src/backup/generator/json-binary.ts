import type { JsonValue } from './datum';

/**
 * TiDB's binary JSON (types/json_binary.go), as stored in row values: one type-code byte, then the value.
 * Objects and arrays carry element count and total size (u32 LE), fixed-size key entries (u32 offset,
 * u16 length) and value entries (type byte + u32 offset, or the literal inline), then keys and values.
 * Keys are sorted bytewise (TiDB sorts by Go string order, unlike MySQL's length-first order).
 */
export const JsonTypeCode = {
  Object: 0x01, Array: 0x03, Literal: 0x04, Int64: 0x09, Uint64: 0x0a, Float64: 0x0b, String: 0x0c,
} as const;
const LITERAL_NULL = 0x00;
const LITERAL_TRUE = 0x01;
const LITERAL_FALSE = 0x02;
const VALUE_ENTRY_SIZE = 5;
const KEY_ENTRY_SIZE = 6;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

const utf8 = new TextEncoder();

class Buf {
  bytes: number[] = [];
  get length(): number {
    return this.bytes.length;
  }
  u32At(at: number, v: number): void {
    for (let i = 0; i < 4; i++) this.bytes[at + i] = (v >>> (8 * i)) & 0xff;
  }
  u16At(at: number, v: number): void {
    this.bytes[at] = v & 0xff;
    this.bytes[at + 1] = (v >>> 8) & 0xff;
  }
  zeros(n: number): void {
    for (let i = 0; i < n; i++) this.bytes.push(0);
  }
  push(b: Iterable<number>): void {
    for (const x of b) this.bytes.push(x);
  }
}

function u64le(v: bigint): number[] {
  const out: number[] = [];
  let x = BigInt.asUintN(64, v);
  for (let i = 0; i < 8; i++) {
    out.push(Number(x & 0xffn));
    x >>= 8n;
  }
  return out;
}

function uvarint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

function compareBytewise(a: string, b: string): number {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  return x.length - y.length;
}

/** Appends the value body and returns its type code. */
function appendValue(buf: Buf, v: JsonValue): number {
  if (v === null) {
    buf.push([LITERAL_NULL]);
    return JsonTypeCode.Literal;
  }
  if (typeof v === 'boolean') {
    buf.push([v ? LITERAL_TRUE : LITERAL_FALSE]);
    return JsonTypeCode.Literal;
  }
  if (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))) {
    const n = BigInt(v);
    buf.push(u64le(n));
    if (n >= INT64_MIN && n <= INT64_MAX) return JsonTypeCode.Int64;
    return JsonTypeCode.Uint64;
  }
  if (typeof v === 'number') {
    const dv = new DataView(new ArrayBuffer(8));
    dv.setFloat64(0, v, true);
    buf.push(new Uint8Array(dv.buffer));
    return JsonTypeCode.Float64;
  }
  if (typeof v === 'string') {
    const b = utf8.encode(v);
    buf.push(uvarint(b.length));
    buf.push(b);
    return JsonTypeCode.String;
  }
  if (Array.isArray(v)) {
    const docOff = buf.length;
    buf.zeros(8);
    buf.u32At(docOff, v.length);
    const entries = buf.length;
    buf.zeros(v.length * VALUE_ENTRY_SIZE);
    v.forEach((el, i) => appendElement(buf, docOff, entries + i * VALUE_ENTRY_SIZE, el));
    buf.u32At(docOff + 4, buf.length - docOff);
    return JsonTypeCode.Array;
  }
  const keys = Object.keys(v).sort(compareBytewise);
  const docOff = buf.length;
  buf.zeros(8);
  buf.u32At(docOff, keys.length);
  const keyEntries = buf.length;
  buf.zeros(keys.length * KEY_ENTRY_SIZE);
  const valEntries = buf.length;
  buf.zeros(keys.length * VALUE_ENTRY_SIZE);
  keys.forEach((k, i) => {
    const kb = utf8.encode(k);
    buf.u32At(keyEntries + i * KEY_ENTRY_SIZE, buf.length - docOff);
    buf.u16At(keyEntries + i * KEY_ENTRY_SIZE + 4, kb.length);
    buf.push(kb);
  });
  keys.forEach((k, i) => appendElement(buf, docOff, valEntries + i * VALUE_ENTRY_SIZE, v[k] as JsonValue));
  buf.u32At(docOff + 4, buf.length - docOff);
  return JsonTypeCode.Object;
}

function appendElement(buf: Buf, docOff: number, entryOff: number, v: JsonValue): void {
  const at = buf.length;
  const code = appendValue(buf, v);
  if (code === JsonTypeCode.Literal) {
    // Literals live inside the value entry itself.
    const lit = buf.bytes[at] as number;
    buf.bytes.length = at;
    buf.bytes[entryOff] = code;
    buf.bytes[entryOff + 1] = lit;
    return;
  }
  buf.bytes[entryOff] = code;
  buf.u32At(entryOff + 1, at - docOff);
}

/** Type code and body of a JSON value, as a row value stores them (type code first). */
export function encodeJsonBinary(v: JsonValue): Uint8Array {
  const buf = new Buf();
  buf.zeros(1);
  const code = appendValue(buf, v);
  buf.bytes[0] = code;
  return new Uint8Array(buf.bytes);
}

/** Decodes what encodeJsonBinary wrote (numbers come back as bigint for Int64/Uint64). */
export function decodeJsonBinary(bytes: Uint8Array): JsonValue {
  return decodeValue(bytes[0] as number, bytes, 1);
}

function readU32(b: Uint8Array, at: number): number {
  return ((b[at] as number) | ((b[at + 1] as number) << 8) | ((b[at + 2] as number) << 16)) + (b[at + 3] as number) * 0x1000000;
}

function decodeValue(code: number, b: Uint8Array, at: number): JsonValue {
  switch (code) {
    case JsonTypeCode.Literal:
      return b[at] === LITERAL_NULL ? null : b[at] === LITERAL_TRUE;
    case JsonTypeCode.Int64:
    case JsonTypeCode.Uint64: {
      let x = 0n;
      for (let i = 7; i >= 0; i--) x = (x << 8n) | BigInt(b[at + i] as number);
      return code === JsonTypeCode.Int64 ? BigInt.asIntN(64, x) : x;
    }
    case JsonTypeCode.Float64:
      return new DataView(b.buffer, b.byteOffset + at, 8).getFloat64(0, true);
    case JsonTypeCode.String: {
      let len = 0;
      let shift = 1;
      let o = at;
      for (;;) {
        const x = b[o++] as number;
        len += (x & 0x7f) * shift;
        shift *= 128;
        if (x < 0x80) break;
      }
      return new TextDecoder().decode(b.subarray(o, o + len));
    }
    case JsonTypeCode.Array:
    case JsonTypeCode.Object: {
      const n = readU32(b, at);
      const isObj = code === JsonTypeCode.Object;
      const valBase = at + 8 + (isObj ? n * KEY_ENTRY_SIZE : 0);
      const elem = (i: number): JsonValue => {
        const e = valBase + i * VALUE_ENTRY_SIZE;
        const c = b[e] as number;
        return c === JsonTypeCode.Literal ? decodeValue(c, b, e + 1) : decodeValue(c, b, at + readU32(b, e + 1));
      };
      if (!isObj) return Array.from({ length: n }, (_, i) => elem(i));
      const out: { [k: string]: JsonValue } = {};
      for (let i = 0; i < n; i++) {
        const ke = at + 8 + i * KEY_ENTRY_SIZE;
        const off = readU32(b, ke);
        const len = (b[ke + 4] as number) | ((b[ke + 5] as number) << 8);
        out[new TextDecoder().decode(b.subarray(at + off, at + off + len))] = elem(i);
      }
      return out;
    }
    default:
      throw new Error(`unsupported JSON type code 0x${code.toString(16)}`);
  }
}
