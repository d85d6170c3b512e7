/**
 * TiKV's write-CF record (`txn_types::Write`): one per committed version, keyed by user key + commit_ts.
 * Layout: type byte, varuint64 start_ts, then optional tagged fields in a fixed order:
 * 'v' len value (short value ≤ 255 bytes), 'R' (overlapped rollback), 'F' u64BE (gc fence),
 * 'l' u64BE varuint (last change ts, versions to last change), 'S' varuint (txn source).
 * TiKV stops parsing at an unknown tag for forward compatibility; so do we.
 */

import { BrflowError, ErrorType } from '../plan/error-types';

export type WriteType = 'put' | 'delete' | 'lock' | 'rollback';

const TYPE_TO_BYTE: Record<WriteType, number> = { put: 0x50, delete: 0x44, lock: 0x4c, rollback: 0x52 };
const BYTE_TO_TYPE: Record<number, WriteType> = { 0x50: 'put', 0x44: 'delete', 0x4c: 'lock', 0x52: 'rollback' };

const SHORT_VALUE_PREFIX = 0x76; // 'v'
const OVERLAPPED_ROLLBACK = 0x52; // 'R'
const GC_FENCE_PREFIX = 0x46; // 'F'
const LAST_CHANGE_PREFIX = 0x6c; // 'l'
const TXN_SOURCE_PREFIX = 0x53; // 'S'

/** Values longer than this live in the default CF (`SHORT_VALUE_MAX_LEN`). */
export const SHORT_VALUE_MAX_LEN = 255;

export interface MvccWrite {
  type: WriteType;
  startTs: bigint;
  /** The row value when it is stored inline (≤ 255 bytes); absent when it lives in the default CF. */
  shortValue?: Uint8Array;
  hasOverlappedRollback?: boolean;
  gcFence?: bigint;
  lastChangeTs?: bigint;
  versionsToLastChange?: bigint;
  txnSource?: bigint;
}

function bad(detail: string): BrflowError {
  return new BrflowError(ErrorType.SstCorrupt, `write-CF record is malformed: ${detail}; the backup file is damaged, take a new backup`);
}

/** Decodes a write-CF value. Throws SstCorrupt on a truncated or unknown-typed record. */
export function decodeMvccWrite(b: Uint8Array): MvccWrite {
  if (b.length < 2) throw bad(`${b.length} bytes, too short`);
  const type = BYTE_TO_TYPE[b[0] as number];
  if (!type) throw bad(`unknown write type byte 0x${(b[0] as number).toString(16)}`);
  let pos = 1;
  const readVar = (): bigint => {
    let lo = 0;
    let shift = 0;
    let result = 0n;
    for (let i = 0; i < 10; i++) {
      if (pos >= b.length) throw bad('varint runs past the end');
      const byte = b[pos++] as number;
      if (shift < 28) lo |= (byte & 0x7f) << shift;
      else result |= BigInt(byte & 0x7f) << BigInt(shift);
      shift += 7;
      if ((byte & 0x80) === 0) return result | BigInt(lo >>> 0);
    }
    throw bad('varint longer than 10 bytes');
  };
  const readU64BE = (): bigint => {
    if (pos + 8 > b.length) throw bad('u64 runs past the end');
    const hi = ((b[pos] as number) * 0x1000000 + (((b[pos + 1] as number) << 16) | ((b[pos + 2] as number) << 8) | (b[pos + 3] as number))) >>> 0;
    const lo = ((b[pos + 4] as number) * 0x1000000 + (((b[pos + 5] as number) << 16) | ((b[pos + 6] as number) << 8) | (b[pos + 7] as number))) >>> 0;
    pos += 8;
    return (BigInt(hi) << 32n) | BigInt(lo);
  };
  const w: MvccWrite = { type, startTs: readVar() };
  loop: while (pos < b.length) {
    const tag = b[pos++] as number;
    switch (tag) {
      case SHORT_VALUE_PREFIX: {
        if (pos >= b.length) throw bad('short value length missing');
        const len = b[pos++] as number;
        if (pos + len > b.length) throw bad(`short value of ${len} bytes but only ${b.length - pos} remain`);
        w.shortValue = b.subarray(pos, pos + len);
        pos += len;
        break;
      }
      case OVERLAPPED_ROLLBACK:
        w.hasOverlappedRollback = true;
        break;
      case GC_FENCE_PREFIX:
        w.gcFence = readU64BE();
        break;
      case LAST_CHANGE_PREFIX:
        w.lastChangeTs = readU64BE();
        w.versionsToLastChange = readVar();
        break;
      case TXN_SOURCE_PREFIX:
        w.txnSource = readVar();
        break;
      default:
        break loop;
    }
  }
  return w;
}

function pushVar(out: number[], v: bigint): void {
  let x = BigInt.asUintN(64, v);
  while (x >= 0x80n) {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  out.push(Number(x));
}

function pushU64BE(out: number[], v: bigint): void {
  const x = BigInt.asUintN(64, v);
  for (let s = 56n; s >= 0n; s -= 8n) out.push(Number((x >> s) & 0xffn));
}

/** Encodes a write-CF value byte-for-byte as TiKV's `WriteRef::to_bytes`. */
export function encodeMvccWrite(w: MvccWrite): Uint8Array {
  const out: number[] = [TYPE_TO_BYTE[w.type]];
  pushVar(out, w.startTs);
  if (w.shortValue) {
    if (w.shortValue.length > SHORT_VALUE_MAX_LEN) {
      throw new BrflowError(ErrorType.Internal, `short value of ${w.shortValue.length} bytes exceeds ${SHORT_VALUE_MAX_LEN}; store it in the default CF`);
    }
    out.push(SHORT_VALUE_PREFIX, w.shortValue.length);
    for (const x of w.shortValue) out.push(x);
  }
  if (w.hasOverlappedRollback) out.push(OVERLAPPED_ROLLBACK);
  if (w.gcFence !== undefined) {
    out.push(GC_FENCE_PREFIX);
    pushU64BE(out, w.gcFence);
  }
  if (w.lastChangeTs !== undefined) {
    out.push(LAST_CHANGE_PREFIX);
    pushU64BE(out, w.lastChangeTs);
    pushVar(out, w.versionsToLastChange ?? 0n);
  }
  if (w.txnSource !== undefined) {
    out.push(TXN_SOURCE_PREFIX);
    pushVar(out, w.txnSource);
  }
  return Uint8Array.from(out);
}

/** Position after the varint at `pos` (module-level: no closure per call on the hot path). */
function skipVarint(b: Uint8Array, pos: number): number {
  for (let i = 0; i < 10; i++) {
    if (pos >= b.length) throw bad('varint runs past the end');
    if (((b[pos++] as number) & 0x80) === 0) return pos;
  }
  throw bad('varint longer than 10 bytes');
}

/**
 * The write type and short value only, without allocating or using BigInt: the per-KV hot path of file
 * checksums. Same validation as {@link decodeMvccWrite} for the parts it reads.
 */
export function peekMvccWrite(b: Uint8Array): { type: WriteType; shortValue: Uint8Array | undefined } {
  const type = b.length >= 2 ? BYTE_TO_TYPE[b[0] as number] : undefined;
  if (!type) return decodeMvccWrite(b) as never; // throws the precise error
  let pos = skipVarint(b, 1);
  let shortValue: Uint8Array | undefined;
  while (pos < b.length) {
    const tag = b[pos++] as number;
    if (tag === SHORT_VALUE_PREFIX) {
      if (pos >= b.length) throw bad('short value length missing');
      const len = b[pos++] as number;
      if (pos + len > b.length) throw bad(`short value of ${len} bytes but only ${b.length - pos} remain`);
      shortValue = b.subarray(pos, pos + len);
      pos += len;
    } else if (tag === OVERLAPPED_ROLLBACK) {
      continue;
    } else if (tag === GC_FENCE_PREFIX) {
      if (pos + 8 > b.length) throw bad('u64 runs past the end');
      pos += 8;
    } else if (tag === LAST_CHANGE_PREFIX) {
      if (pos + 8 > b.length) throw bad('u64 runs past the end');
      pos = skipVarint(b, pos + 8);
    } else if (tag === TXN_SOURCE_PREFIX) {
      pos = skipVarint(b, pos);
    } else {
      break;
    }
  }
  return { type, shortValue };
}
