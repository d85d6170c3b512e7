/**
 * Recomputes a backup data file's `crc64xor`, `total_kvs` and `total_bytes` from its SST bytes, the way TiKV's
 * backup writer fills them (components/backup/src/writer.rs `BackupWriter::write` → `update_with`, and
 * txn_types `TxnEntry::into_kvpair`):
 *
 * - every committed version is one KV (raw user key, row value) and is counted exactly once: in the default-CF
 *   file when its value lives there (long value), otherwise in the write-CF file;
 * - a write-CF record counts with its short value, or with an empty value when it has none (Delete, Lock,
 *   Rollback) — except a Put without short value, whose value (and count) belongs to the default-CF file;
 * - the key hashed and measured is the raw TiDB key: the stored key minus 'z', memcomparable encoding and ts.
 *
 * So for a backup range, XOR/sum over its [default?, write] pair equals the coprocessor checksum of the same rows.
 */

import { BrflowError, ErrorType } from '../plan/error-types';
import { KvChecksum } from './crc64';
import { peekMvccWrite } from './mvcc-write';
import { openSst } from './sst';

export type BackupCf = 'default' | 'write';

/** The three `brpb.File` checksum fields as decimal strings (uint64 in the proto). */
export interface FileChecksum {
  crc64xor: string;
  totalKvs: string;
  totalBytes: string;
}

const EMPTY = new Uint8Array(0);
const GROUP = 8;

/**
 * Decodes a data key 'z' ‖ memcomparable(raw) ‖ u64 ts into `out` (grown as needed) and returns the raw length,
 * or an error message. Same rules as plan/keys decodeMvccKey, without per-byte allocation: this runs per KV.
 */
function decodeDataKeyInto(key: Uint8Array, scratch: { buf: Uint8Array }): number | string {
  if (key[0] !== 0x7a) return "does not start with 'z'";
  let o = 1;
  let n = 0;
  const need = Math.ceil(key.length / (GROUP + 1)) * GROUP;
  if (scratch.buf.length < need) scratch.buf = new Uint8Array(need * 2);
  const out = scratch.buf;
  for (;;) {
    if (key.length < o + GROUP + 1) return 'memcomparable key is truncated';
    const pad = 0xff - (key[o + GROUP] as number);
    if (pad > GROUP) return `invalid memcomparable marker byte ${key[o + GROUP]}`;
    const real = GROUP - pad;
    for (let i = 0; i < real; i++) out[n++] = key[o + i] as number;
    for (let i = real; i < GROUP; i++) if (key[o + i] !== 0) return 'invalid memcomparable padding byte';
    o += GROUP + 1;
    if (pad !== 0) break;
  }
  if (key.length !== o + 8) return 'no 8-byte timestamp after the key';
  return n;
}

/** Accumulates the KVs of one backup SST into `into` (see module doc for what counts). */
export function accumulateBackupSst(sst: Uint8Array, cf: BackupCf, into: KvChecksum, name?: string): void {
  const table = openSst(sst, { name });
  const scratch = { buf: new Uint8Array(256) };
  let index = 0;
  table.forEach((key, value) => {
    const len = decodeDataKeyInto(key, scratch);
    if (typeof len === 'string') {
      throw new BrflowError(ErrorType.SstCorrupt, `${name ? `SST ${name}` : 'SST'} entry ${index} is not a TiKV data key ('z' ‖ memcomparable key ‖ ts): ${len}; the file is not a TiKV backup file`);
    }
    index++;
    const rawKey = scratch.buf.subarray(0, len);
    if (cf === 'default') {
      into.update(rawKey, value);
      return;
    }
    const w = peekMvccWrite(value);
    if (w.type === 'put' && w.shortValue === undefined) return;
    into.update(rawKey, w.shortValue ?? EMPTY);
  });
}

/** `brpb.File.{crc64xor,total_kvs,total_bytes}` for one backup SST of column family `cf`. */
export function backupFileChecksum(sst: Uint8Array, cf: BackupCf, name?: string): FileChecksum {
  const acc = new KvChecksum();
  accumulateBackupSst(sst, cf, acc, name);
  return { crc64xor: acc.crc64xor.toString(), totalKvs: acc.totalKvs.toString(), totalBytes: acc.totalBytes.toString() };
}
