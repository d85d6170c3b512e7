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

import { decodeMvccKey } from '../plan/keys';
import { BrflowError, ErrorType } from '../plan/error-types';
import { KvChecksum } from './crc64';
import { decodeMvccWrite } from './mvcc-write';
import { openSst } from './sst';

export type BackupCf = 'default' | 'write';

/** The three `brpb.File` checksum fields as decimal strings (uint64 in the proto). */
export interface FileChecksum {
  crc64xor: string;
  totalKvs: string;
  totalBytes: string;
}

const EMPTY = new Uint8Array(0);

/** Accumulates the KVs of one backup SST into `into` (see module doc for what counts). */
export function accumulateBackupSst(sst: Uint8Array, cf: BackupCf, into: KvChecksum, name?: string): void {
  const table = openSst(sst, { name });
  let index = 0;
  table.forEach((key, value) => {
    let rawKey: Uint8Array;
    try {
      rawKey = decodeMvccKey(key, true).rawKey;
    } catch (e) {
      throw new BrflowError(ErrorType.SstCorrupt, `${name ? `SST ${name}` : 'SST'} entry ${index} is not a TiKV data key ('z' ‖ memcomparable key ‖ ts): ${(e as Error).message}; the file is not a TiKV backup file`);
    }
    index++;
    if (cf === 'default') {
      into.update(rawKey, value);
      return;
    }
    const w = decodeMvccWrite(value);
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
