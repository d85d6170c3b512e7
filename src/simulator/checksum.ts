import { decodeTableId, startsWith, toHex } from '../plan/keys';
import { KvChecksum } from '../backup/crc64';
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
  const sum = new KvChecksum();
  for (const kv of kvs) {
    // Checked here so the coprocessor can answer TiKV's other_error instead of failing the call.
    if (!startsWith(kv.rawKey, newP)) throw new WrongPrefixError(`Wrong prefix expect: ${toHex(newP)}, key: ${toHex(kv.rawKey)}`);
    sum.update(kv.rawKey, kv.value, { oldPrefix: oldP, newPrefix: newP });
  }
  return { crc64xor: sum.crc64xor, totalKvs: sum.totalKvs, totalBytes: sum.totalBytes };
}

/** Per physical table ID checksums (no rule) over the given KVs: the inspector's view of restored data. */
export function checksumByTable(kvs: Iterable<VisibleKv>): Map<string, KvChecksumResult> {
  const sums = new Map<string, KvChecksum>();
  for (const kv of kvs) {
    const id = decodeTableId(kv.rawKey);
    if (id === undefined) continue;
    const k = id.toString();
    const cur = sums.get(k) ?? new KvChecksum();
    cur.update(kv.rawKey, kv.value);
    sums.set(k, cur);
  }
  return new Map([...sums].map(([k, s]) => [k, { crc64xor: s.crc64xor, totalKvs: s.totalKvs, totalBytes: s.totalBytes }]));
}
