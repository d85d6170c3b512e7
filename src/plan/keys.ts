/**
 * TiDB key encoding (tablecodec + codec), pure: Uint8Array in, Uint8Array out, no Buffer, so workflows may use it.
 *
 * Raw ("TiDB") keys: row    't' ‖ i64cmp(tableID) ‖ "_r" ‖ i64cmp(handle)
 *                    index  't' ‖ i64cmp(tableID) ‖ "_i" ‖ i64cmp(indexID) ‖ encoded values
 * TiKV stores 'z' ‖ memcomparable(raw) ‖ u64BE(^ts); regions and split keys use memcomparable(raw).
 */

const SIGN_MASK = 1n << 63n;
const U64_MASK = (1n << 64n) - 1n;
const ENC_GROUP_SIZE = 8;
const ENC_MARKER = 0xff;
const ENC_PAD = 0x00;

export const TABLE_PREFIX = 0x74; // 't'
export const RECORD_SEP = new Uint8Array([0x5f, 0x72]); // "_r"
export const INDEX_SEP = new Uint8Array([0x5f, 0x69]); // "_i"
/** Length of 't' ‖ i64cmp(tableID). */
export const TABLE_PREFIX_LEN = 9;
/** Length of 't' ‖ i64cmp(tableID) ‖ "_r" / "_i". */
export const RECORD_PREFIX_LEN = 11;

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Byte-wise comparison, like bytes.Compare. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

export function startsWith(key: Uint8Array, prefix: Uint8Array): boolean {
  if (key.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (key[i] !== prefix[i]) return false;
  return true;
}

const HEX_CODES = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
/** Characters per String.fromCharCode call: well under engines' argument limits. */
const HEX_CHUNK = 8192;
/**
 * Lower-case hex. Hex strings keep byte order under JS string comparison, so plans can hold keys as JSON strings.
 * Built from char codes in one go, so the result is a flat string: appending two characters at a time made a
 * rope of ~30 nodes per key, several KB per file once a manifest held 100,000 of them.
 */
export function toHex(b: Uint8Array): string {
  const codes = new Array<number>(Math.min(b.length * 2, HEX_CHUNK));
  let out = '';
  for (let start = 0; start < b.length; start += HEX_CHUNK / 2) {
    const end = Math.min(b.length, start + HEX_CHUNK / 2);
    codes.length = (end - start) * 2;
    for (let i = start, j = 0; i < end; i++) {
      const x = b[i]!;
      codes[j++] = HEX_CODES[x >> 4]!;
      codes[j++] = HEX_CODES[x & 15]!;
    }
    out += String.fromCharCode(...codes);
  }
  return out;
}

/** Value of a hex digit's char code, -1 for any other character. */
const HEX_VALUE = (() => {
  const t = new Int8Array(128).fill(-1);
  for (let i = 0; i < 10; i++) t[48 + i] = i;
  for (let i = 0; i < 6; i++) {
    t[65 + i] = 10 + i;
    t[97 + i] = 10 + i;
  }
  return t;
})();

function notHex(h: string): Error {
  return new Error(`not a hex string: ${h.slice(0, 40)}`);
}

export function fromHex(h: string): Uint8Array {
  if (h.length % 2 !== 0) throw notHex(h);
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) {
    const a = h.charCodeAt(2 * i);
    const b = h.charCodeAt(2 * i + 1);
    const hi = a < 128 ? HEX_VALUE[a]! : -1;
    const lo = b < 128 ? HEX_VALUE[b]! : -1;
    if (hi < 0 || lo < 0) throw notHex(h);
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/** 8-byte big-endian of (v XOR 1<<63): int64 in memcomparable order. */
export function encodeInt64Cmp(v: bigint | number): Uint8Array {
  const u = (BigInt(v) & U64_MASK) ^ SIGN_MASK;
  return encodeUint64BE(u);
}

export function decodeInt64Cmp(b: Uint8Array, offset = 0): bigint {
  const u = decodeUint64BE(b, offset) ^ SIGN_MASK;
  return BigInt.asIntN(64, u);
}

export function encodeUint64BE(v: bigint): Uint8Array {
  const out = new Uint8Array(8);
  let x = v & U64_MASK;
  for (let i = 7; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

export function decodeUint64BE(b: Uint8Array, offset = 0): bigint {
  if (b.length < offset + 8) throw new Error('key too short for a 64-bit integer');
  let x = 0n;
  for (let i = 0; i < 8; i++) x = (x << 8n) | BigInt(b[offset + i] as number);
  return x;
}

export function tablePrefix(tableId: number | bigint): Uint8Array {
  return concatBytes(new Uint8Array([TABLE_PREFIX]), encodeInt64Cmp(tableId));
}

export function recordPrefix(tableId: number | bigint): Uint8Array {
  return concatBytes(tablePrefix(tableId), RECORD_SEP);
}

export function indexPrefix(tableId: number | bigint, indexId: number | bigint): Uint8Array {
  return concatBytes(tablePrefix(tableId), INDEX_SEP, encodeInt64Cmp(indexId));
}

/** Row key with an int handle (non-clustered table or int primary key as handle). */
export function recordKey(tableId: number | bigint, handle: number | bigint): Uint8Array {
  return concatBytes(recordPrefix(tableId), encodeInt64Cmp(handle));
}

/** Table ID of a raw key, or undefined when the key is not a table key. */
export function decodeTableId(key: Uint8Array): bigint | undefined {
  if (key.length < TABLE_PREFIX_LEN || key[0] !== TABLE_PREFIX) return undefined;
  return decodeInt64Cmp(key, 1);
}

const HEX_TEXT = /^(?:[0-9a-fA-F]{2})*$/;

/**
 * The 16 hex digits of a raw key's table ID (its i64cmp bytes, lower-cased), or undefined when it is no table
 * key (decodeTableId's cases). Equal digits ⇔ equal table IDs, so grouping a plan's 100,000 files by table needs
 * no decoded bytes and no BigInt per key. Throws like fromHex on text that is not hex.
 */
export function hexTableIdDigits(hex: string): string | undefined {
  if (!HEX_TEXT.test(hex)) throw notHex(hex);
  if (hex.length < TABLE_PREFIX_LEN * 2 || hex.charCodeAt(0) !== 0x37 || hex.charCodeAt(1) !== 0x34) return undefined;
  return hex.slice(2, TABLE_PREFIX_LEN * 2).toLowerCase();
}

/** hexTableIdDigits of table ID 0 (the sign bit of i64cmp set). */
export const TABLE_ID_ZERO_DIGITS = '8000000000000000';

/** codec.EncodeBytes: groups of 8 bytes, zero padded, each followed by 0xFF − pad count. */
export function encodeBytes(data: Uint8Array): Uint8Array {
  const groups = Math.floor(data.length / ENC_GROUP_SIZE) + 1;
  const out = new Uint8Array(groups * (ENC_GROUP_SIZE + 1));
  let o = 0;
  for (let g = 0; g < groups; g++) {
    const start = g * ENC_GROUP_SIZE;
    const remain = data.length - start;
    const take = Math.min(remain, ENC_GROUP_SIZE);
    for (let i = 0; i < ENC_GROUP_SIZE; i++) out[o + i] = i < take ? (data[start + i] as number) : ENC_PAD;
    out[o + ENC_GROUP_SIZE] = ENC_MARKER - (ENC_GROUP_SIZE - take);
    o += ENC_GROUP_SIZE + 1;
  }
  return out;
}

/** Inverse of encodeBytes; returns the decoded bytes and how many input bytes were consumed. */
export function decodeBytes(enc: Uint8Array, offset = 0): { value: Uint8Array; read: number } {
  const parts: number[] = [];
  let o = offset;
  for (;;) {
    if (enc.length < o + ENC_GROUP_SIZE + 1) throw new Error('memcomparable bytes: insufficient bytes to decode');
    const marker = enc[o + ENC_GROUP_SIZE] as number;
    const pad = ENC_MARKER - marker;
    if (pad > ENC_GROUP_SIZE) throw new Error(`memcomparable bytes: invalid marker byte ${marker}`);
    const real = ENC_GROUP_SIZE - pad;
    for (let i = 0; i < real; i++) parts.push(enc[o + i] as number);
    for (let i = real; i < ENC_GROUP_SIZE; i++) {
      if (enc[o + i] !== ENC_PAD) throw new Error('memcomparable bytes: invalid padding byte');
    }
    o += ENC_GROUP_SIZE + 1;
    if (pad !== 0) break;
  }
  return { value: new Uint8Array(parts), read: o - offset };
}

/**
 * BR's encodeKeyPrefix (pkg/restore/util.go): the memcomparable form of a key *prefix*, as sent in
 * DownloadRequest.rewrite_rule. Whole 8-byte groups are encoded (without the final empty group), the
 * remaining tail is appended raw, so it is a byte prefix of every encoded key that starts with `key`.
 */
export function encodeKeyPrefix(key: Uint8Array): Uint8Array {
  const ungrouped = key.length % ENC_GROUP_SIZE;
  const grouped = encodeBytes(key.subarray(0, key.length - ungrouped));
  return concatBytes(grouped.subarray(0, grouped.length - (ENC_GROUP_SIZE + 1)), key.subarray(key.length - ungrouped));
}

/** Appends a commit/start ts the way TiKV does (u64 BE of the bitwise complement, so newer versions sort first). */
export function appendTs(encodedKey: Uint8Array, ts: bigint): Uint8Array {
  return concatBytes(encodedKey, encodeUint64BE(~ts & U64_MASK));
}

/** Splits 'z'? ‖ memcomparable ‖ ts into the raw key and ts. `hasDataPrefix` for TiKV data keys ('z'). */
export function decodeMvccKey(key: Uint8Array, hasDataPrefix = true): { rawKey: Uint8Array; ts: bigint } {
  const start = hasDataPrefix ? 1 : 0;
  if (hasDataPrefix && key[0] !== 0x7a) throw new Error('data key does not start with z');
  const { value, read } = decodeBytes(key, start);
  const tsOff = start + read;
  if (key.length !== tsOff + 8) throw new Error('MVCC key has no 8-byte timestamp suffix');
  const ts = ~decodeUint64BE(key, tsOff) & U64_MASK;
  return { rawKey: value, ts };
}

/** TSO: physical milliseconds << 18 | logical. */
export const TSO_LOGICAL_BITS = 18n;
export function composeTs(physicalMs: number | bigint, logical: number | bigint): bigint {
  return (BigInt(physicalMs) << TSO_LOGICAL_BITS) | BigInt(logical);
}
export function extractPhysical(ts: bigint): bigint {
  return ts >> TSO_LOGICAL_BITS;
}
