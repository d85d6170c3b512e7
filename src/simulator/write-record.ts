/**
 * TiKV's write-CF value (txn_types Write::to_bytes, formats §2.3): u8 type ‖ varuint64 start_ts ‖
 * optional 'v' ‖ u8 len ‖ short value, then optional tails the simulator does not need.
 * TODO(simulator): switch to src/backup/mvcc-write.ts once it lands, to keep one decoder.
 */
export type WriteType = 'Put' | 'Delete' | 'Lock' | 'Rollback';

export interface WriteRecord {
  type: WriteType;
  startTs: bigint;
  shortValue?: Uint8Array;
}

const TYPES: Record<number, WriteType> = { 0x50: 'Put', 0x44: 'Delete', 0x4c: 'Lock', 0x52: 'Rollback' };
const SHORT_VALUE_PREFIX = 0x76; // 'v'

function readHead(b: Uint8Array): { type: WriteType; startTs: bigint; next: number } {
  const type = TYPES[b[0] ?? -1];
  if (!type) throw new Error(`invalid write record type byte ${b[0]}`);
  let ts = 0n;
  let shift = 0n;
  let o = 1;
  for (;;) {
    const x = b[o++];
    if (x === undefined) throw new Error('write record truncated in start_ts');
    ts |= BigInt(x & 0x7f) << shift;
    if ((x & 0x80) === 0) break;
    shift += 7n;
  }
  return { type, startTs: ts, next: o };
}

export function decodeWriteRecord(b: Uint8Array): WriteRecord {
  const { type, startTs: ts, next: o } = readHead(b);
  const rec: WriteRecord = { type, startTs: ts };
  if (b[o] === SHORT_VALUE_PREFIX) {
    const len = b[o + 1];
    if (len === undefined || b.length < o + 2 + len) throw new Error('write record truncated in short value');
    rec.shortValue = b.subarray(o + 2, o + 2 + len);
  }
  return rec;
}

/** Encodes a write record (type, start_ts, optional short value): tests and the start_ts rewrite use it. */
export function encodeWriteRecord(rec: WriteRecord, tail: Uint8Array = new Uint8Array(0)): Uint8Array {
  const code = Number(Object.entries(TYPES).find(([, t]) => t === rec.type)![0]);
  const bytes: number[] = [code];
  let ts = rec.startTs;
  do {
    let x = Number(ts & 0x7fn);
    ts >>= 7n;
    if (ts > 0n) x |= 0x80;
    bytes.push(x);
  } while (ts > 0n);
  if (rec.shortValue) {
    bytes.push(SHORT_VALUE_PREFIX, rec.shortValue.length, ...rec.shortValue);
  }
  const out = new Uint8Array(bytes.length + tail.length);
  out.set(bytes);
  out.set(tail, bytes.length);
  return out;
}

/** Replaces start_ts and keeps everything after it (short value, tails): Download's new_timestamp rule. */
export function rewriteWriteStartTs(b: Uint8Array, startTs: bigint): Uint8Array {
  const { type, next } = readHead(b);
  return encodeWriteRecord({ type, startTs }, b.subarray(next));
}
