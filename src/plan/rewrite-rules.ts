import { BrflowError, ErrorType } from './error-types';
import { concatBytes, encodeKeyPrefix, fromHex, INDEX_SEP, indexPrefix, recordPrefix, tablePrefix, toHex } from './keys';

const INDEX_SEP_HEX = toHex(INDEX_SEP);
import type { TableInfo } from './table-info';
import { publicIndexes } from './table-info-read';

/** One key-prefix rewrite, raw TiDB keys in lower-case hex (import_sstpb.RewriteRule old/new_key_prefix). */
export interface RewriteRule {
  oldKeyPrefix: string;
  newKeyPrefix: string;
}

/** Old → new IDs of one restored table and the rules derived from them. */
export interface TableRewrite {
  oldTableId: number;
  newTableId: number;
  /** The table itself and each partition matched by name: old physical ID → new physical ID. */
  physical: { oldId: number; newId: number; partition?: string }[];
  /** Indexes matched by name; index IDs are per table, shared by its partitions. */
  indexes: { name: string; oldId: number; newId: number }[];
  /** Per physical pair: `t{old}_r → t{new}_r` and `t{old}_i{idx} → t{new}_i{idx'}`; sorted by old prefix. */
  rules: RewriteRule[];
}

/** The coprocessor checksum request for one key space of the new table (tipb.ChecksumRewriteRule + range). */
export interface ChecksumRequestPlan {
  kind: 'record' | 'index';
  physicalId: number;
  indexName?: string;
  /** Raw key range to scan in the restored table, [start, end). */
  startKey: string;
  endKey: string;
  /** tipb ChecksumRewriteRule: raw prefixes; TiKV hashes old ‖ key[len(new):] so results compare with the backup. */
  oldPrefix: string;
  newPrefix: string;
}

function partitionDefs(t: TableInfo): { id: number; name: string }[] {
  return (t.partition?.definitions ?? []).map((d) => ({ id: d.id, name: d.name.L }));
}

/**
 * BR's GetRewriteRules (pkg/restore/util.go, research §4.1) from the backup's TableInfo and the restored
 * table's TableInfo. Partitions and indexes are matched by lower-case name (MySQL identifiers for both are
 * case-insensitive, so this is the same match BR's CIStr equality makes for a table created from the
 * backup's definition). A partition or public index of the backup that the new table lacks is an error
 * here, where BR would fail later on the first file it cannot rewrite.
 */
export function buildTableRewrite(oldInfo: TableInfo, newInfo: TableInfo): TableRewrite {
  const where = `table \`${oldInfo.name.O}\``;
  const physical: TableRewrite['physical'] = [{ oldId: oldInfo.id, newId: newInfo.id }];
  const newParts = new Map(partitionDefs(newInfo).map((p) => [p.name, p.id]));
  for (const p of partitionDefs(oldInfo)) {
    const newId = newParts.get(p.name);
    if (newId === undefined) {
      throw new BrflowError(
        ErrorType.UnsupportedTable,
        `${where}: partition \`${p.name}\` (backup ID ${p.id}) has no partition of that name in the restored table; drop the existing table so it is re-created from the backup`,
      );
    }
    physical.push({ oldId: p.id, newId, partition: p.name });
  }
  const newIdx = new Map((newInfo.index_info ?? []).map((i) => [i.idx_name.L, i.id]));
  const indexes: TableRewrite['indexes'] = [];
  for (const i of publicIndexes(oldInfo)) {
    const newId = newIdx.get(i.idx_name.L);
    if (newId === undefined) {
      throw new BrflowError(
        ErrorType.UnsupportedTable,
        `${where}: index \`${i.idx_name.O}\` (backup ID ${i.id}) is missing from the restored table; drop the existing table so it is re-created from the backup`,
      );
    }
    indexes.push({ name: i.idx_name.O, oldId: i.id, newId });
  }
  const rules: RewriteRule[] = [];
  for (const p of physical) {
    rules.push({ oldKeyPrefix: toHex(recordPrefix(p.oldId)), newKeyPrefix: toHex(recordPrefix(p.newId)) });
    for (const i of indexes) {
      rules.push({ oldKeyPrefix: toHex(indexPrefix(p.oldId, i.oldId)), newKeyPrefix: toHex(indexPrefix(p.newId, i.newId)) });
    }
  }
  rules.sort((a, b) => (a.oldKeyPrefix < b.oldKeyPrefix ? -1 : a.oldKeyPrefix > b.oldKeyPrefix ? 1 : 0));
  return { oldTableId: oldInfo.id, newTableId: newInfo.id, physical, indexes, rules };
}

/**
 * The rule as v5.3 BR puts it in DownloadRequest.rewrite_rule (request_type Legacy): both prefixes through
 * encodeKeyPrefix, so they prefix the memcomparable-encoded keys inside the SST (research §3.3).
 */
export function encodeRuleForDownload(rule: RewriteRule): RewriteRule {
  return {
    oldKeyPrefix: toHex(encodeKeyPrefix(fromHex(rule.oldKeyPrefix))),
    newKeyPrefix: toHex(encodeKeyPrefix(fromHex(rule.newKeyPrefix))),
  };
}

/** The first rule whose old prefix starts `rawKeyHex` (BR matchOldPrefix). */
export function findRuleByOldKey(rules: readonly RewriteRule[], rawKeyHex: string): RewriteRule | undefined {
  return rules.find((r) => rawKeyHex.startsWith(r.oldKeyPrefix));
}

/** The rule whose new prefix starts `rawKeyHex` (BR matchNewPrefix, used on a region's decoded start key). */
export function findRuleByNewKey(rules: readonly RewriteRule[], rawKeyHex: string): RewriteRule | undefined {
  return rules.find((r) => rawKeyHex.startsWith(r.newKeyPrefix));
}

/**
 * Rewrites a raw key (hex) into the new table: by its record/index rule, else (range bounds such as
 * `t{id}_s` or a bare table prefix) by the table-prefix pair of its physical table. Undefined when the key
 * belongs to no restored physical table or to an index the restored table does not have.
 */
export function rewriteRawKey(rw: TableRewrite, rawKeyHex: string): string | undefined {
  const rule = findRuleByOldKey(rw.rules, rawKeyHex);
  if (rule) return rule.newKeyPrefix + rawKeyHex.slice(rule.oldKeyPrefix.length);
  for (const p of rw.physical) {
    const oldT = toHex(tablePrefix(p.oldId));
    if (!rawKeyHex.startsWith(oldT)) continue;
    // Keys of an index the table does not have (or of no public index) must not be restored: BR fails them.
    if (rawKeyHex.startsWith(INDEX_SEP_HEX, oldT.length)) return undefined;
    return toHex(tablePrefix(p.newId)) + rawKeyHex.slice(oldT.length);
  }
  return undefined;
}

/**
 * Rewrites an *exclusive end* key. A range over index i ends at PrefixNext(t{id}_i{i}) = t{id}_i{i+1}, which
 * may name an index the table does not have; as a bound it only has to stay ordered, so a key with no
 * record/index rule maps through its physical table's prefix instead of being refused.
 */
export function rewriteRawEndKey(rw: TableRewrite, rawKeyHex: string): string | undefined {
  const viaRule = rewriteRawKey(rw, rawKeyHex);
  if (viaRule !== undefined) return viaRule;
  for (const p of rw.physical) {
    const oldT = toHex(tablePrefix(p.oldId));
    if (rawKeyHex.startsWith(oldT)) return toHex(tablePrefix(p.newId)) + rawKeyHex.slice(oldT.length);
  }
  return undefined;
}

/** Smallest key greater than every key with this prefix (kv.Key.PrefixNext). */
export function prefixNext(prefix: Uint8Array): Uint8Array {
  const out = new Uint8Array(prefix);
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] !== 0xff) {
      out[i] = (out[i] as number) + 1;
      return out.subarray(0, i + 1);
    }
  }
  // All 0xff: no finite successor shorter than it; append a byte instead.
  return concatBytes(prefix, new Uint8Array([0]));
}

/**
 * The checksum requests BR sends for a restored table (pkg/checksum/executor.go, research §9.3): per
 * physical table one record-range request and one per public index, each with its old→new prefix rule.
 * XOR of the checksums and sums of kvs/bytes over all of them compare with the backup's Schema values.
 */
export function checksumRequests(rw: TableRewrite): ChecksumRequestPlan[] {
  const out: ChecksumRequestPlan[] = [];
  for (const p of rw.physical) {
    const newRec = recordPrefix(p.newId);
    out.push({
      kind: 'record', physicalId: p.newId, startKey: toHex(newRec), endKey: toHex(prefixNext(newRec)),
      oldPrefix: toHex(recordPrefix(p.oldId)), newPrefix: toHex(newRec),
    });
    for (const i of rw.indexes) {
      const newIdx = indexPrefix(p.newId, i.newId);
      out.push({
        kind: 'index', physicalId: p.newId, indexName: i.name, startKey: toHex(newIdx), endKey: toHex(prefixNext(newIdx)),
        oldPrefix: toHex(indexPrefix(p.oldId, i.oldId)), newPrefix: toHex(newIdx),
      });
    }
  }
  return out;
}

/** True when no rule changes anything (IDs reused): TiKV can then take its download fast path. */
export function isIdentityRewrite(rw: TableRewrite): boolean {
  return rw.rules.every((r) => r.oldKeyPrefix === r.newKeyPrefix);
}

/** Byte order of two lower-case hex keys: hex keeps byte order under string comparison (keys.ts toHex). */
export function compareHexKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
