import { decodeTableId, startsWith, toHex } from '../plan/keys';
import { Crc64 } from './crc64-xz';
import type { VisibleKv } from './mvcc-data';

export interface KvChecksumResult {
  crc64xor: bigint;
  totalKvs: bigint;
  totalBytes: bigint;
}

export interface ChecksumRule {
  oldPrefix: Uint8Array;
  newPrefix: Uint8Array;
}

export class WrongPrefixError extends Error {}

/**
 * TiKV's coprocessor checksum (src/coprocessor/checksum.rs, research §9.2): each visible KV must
 * start with new_prefix; its digest is crc64(old_prefix ‖ key[len(new_prefix):] ‖ value), XORed;
 * bytes count as if the key still had the old prefix. Without a rule both prefixes are empty.
 */
export function checksumKvs(kvs: Iterable<VisibleKv>, rule?: ChecksumRule): KvChecksumResult {
  const oldP = rule?.oldPrefix ?? new Uint8Array(0);
  const newP = rule?.newPrefix ?? new Uint8Array(0);
  let crc = 0n;
  let n = 0n;
  let bytes = 0n;
  for (const kv of kvs) {
    if (!startsWith(kv.rawKey, newP)) throw new WrongPrefixError(`Wrong prefix expect: ${toHex(newP)}, key: ${toHex(kv.rawKey)}`);
    crc ^= new Crc64().update(oldP).update(kv.rawKey.subarray(newP.length)).update(kv.value).digest();
    n += 1n;
    bytes += BigInt(kv.rawKey.length + kv.value.length + oldP.length - newP.length);
  }
  return { crc64xor: crc, totalKvs: n, totalBytes: bytes };
}

/** Per physical table ID checksums (no rule) over the given KVs: the inspector's view of restored data. */
export function checksumByTable(kvs: Iterable<VisibleKv>): Map<string, KvChecksumResult> {
  const out = new Map<string, KvChecksumResult>();
  for (const kv of kvs) {
    const id = decodeTableId(kv.rawKey);
    if (id === undefined) continue;
    const k = id.toString();
    const cur = out.get(k) ?? { crc64xor: 0n, totalKvs: 0n, totalBytes: 0n };
    cur.crc64xor ^= new Crc64().update(kv.rawKey).update(kv.value).digest();
    cur.totalKvs += 1n;
    cur.totalBytes += BigInt(kv.rawKey.length + kv.value.length);
    out.set(k, cur);
  }
  return out;
}
