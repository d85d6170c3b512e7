import { compareBytes, concatBytes, encodeKeyPrefix, encodeUint64BE, decodeUint64BE, startsWith } from '../plan/keys';
import { decodeMvccWrite, encodeMvccWrite } from '../backup/mvcc-write';

/** One SST entry as the SST reader returns it: TiKV data key ('z' ‖ encoded ‖ ^ts) and value. */
export interface SstEntry {
  key: Uint8Array;
  value: Uint8Array;
}

export interface DownloadRule {
  oldKeyPrefix: Uint8Array;
  newKeyPrefix: Uint8Array;
  newTimestamp: bigint;
  ignoreAfterTimestamp: bigint;
  ignoreBeforeTimestamp: bigint;
}

export interface DownloadRange {
  /** Encoded key (no 'z', no ts) in the new keyspace. */
  start: Uint8Array;
  end: Uint8Array;
  endExclusive: boolean;
}

export type RewriteResult =
  | { kvs: SstEntry[]; first?: Uint8Array; last?: Uint8Array }
  | { error: string };

const U64_MASK = (1n << 64n) - 1n;
const DATA_PREFIX = 0x7a; // 'z'

/**
 * The rule as TiKV applies it: legacy requests carry prefixes already in encoded form
 * (BR's encodeKeyPrefix); keyspace-mode requests carry raw prefixes that TiKV encodes itself.
 */
export function ruleForRequest(rule: DownloadRule, keyspaceMode: boolean): DownloadRule {
  if (!keyspaceMode) return rule;
  return { ...rule, oldKeyPrefix: encodeKeyPrefix(rule.oldKeyPrefix), newKeyPrefix: encodeKeyPrefix(rule.newKeyPrefix) };
}

/**
 * What TiKV's sst_importer does to a downloaded SST (research §6.5): every key must start with the
 * old prefix (else a WrongKeyPrefix error), the prefix is replaced, versions outside the ignore-ts
 * window are dropped, a non-zero new_timestamp replaces the key ts (and a write record's start_ts),
 * and only keys inside the requested range are kept. The range compares keys *with* their ts
 * suffix, as TiKV does, so a key equal to an exclusive region end never slips in.
 * Returns data keys ('z' ‖ …) sorted, plus the first/last key without 'z' (DownloadResponse.range).
 */
export function rewriteSstEntries(entries: SstEntry[], cf: string, rule: DownloadRule, range: DownloadRange): RewriteResult {
  const out: SstEntry[] = [];
  for (const e of entries) {
    if (e.key[0] !== DATA_PREFIX || e.key.length < 9) return { error: `SST key is not a TiKV data key: ${Buffer.from(e.key).toString('hex')}` };
    const origin = e.key.subarray(1);
    if (!startsWith(origin, rule.oldKeyPrefix)) {
      return { error: `WrongKeyPrefix: key ${Buffer.from(origin).toString('hex')} does not start with ${Buffer.from(rule.oldKeyPrefix).toString('hex')}` };
    }
    const ts = ~decodeUint64BE(origin, origin.length - 8) & U64_MASK;
    if (rule.ignoreAfterTimestamp !== 0n && ts > rule.ignoreAfterTimestamp) continue;
    if (rule.ignoreBeforeTimestamp !== 0n && ts < rule.ignoreBeforeTimestamp) continue;
    const userPart = origin.subarray(rule.oldKeyPrefix.length, origin.length - 8);
    const newTs = rule.newTimestamp !== 0n ? rule.newTimestamp : ts;
    const newKey = concatBytes(rule.newKeyPrefix, userPart, encodeUint64BE(~newTs & U64_MASK));
    if (compareBytes(newKey, range.start) < 0) continue;
    if (range.end.length > 0) {
      const c = compareBytes(newKey, range.end);
      if (c > 0 || (c === 0 && range.endExclusive)) continue;
    }
    let value = e.value;
    if (rule.newTimestamp !== 0n && cf === 'write') value = encodeMvccWrite({ ...decodeMvccWrite(value), startTs: rule.newTimestamp });
    out.push({ key: concatBytes(new Uint8Array([DATA_PREFIX]), newKey), value });
  }
  // Stable sort: versions of one key keep their SST order, newest first.
  out.sort((a, b) => compareBytes(a.key, b.key));
  // A non-zero new_timestamp gives every version of a key the same ts; an SST cannot hold a key twice, so
  // only the first (newest) version survives, which is what the restored MVCC state must show.
  const kvs = rule.newTimestamp === 0n ? out : out.filter((e, i) => i === 0 || compareBytes(e.key, out[i - 1]!.key) !== 0);
  if (kvs.length === 0) return { kvs: [] };
  return { kvs, first: kvs[0]!.key.subarray(1), last: kvs[kvs.length - 1]!.key.subarray(1) };
}
