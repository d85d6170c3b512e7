import { createHash } from 'node:crypto';
import type { BackupFile } from '../../../../src/backup/manifest';
import { KvChecksum } from '../../../../src/backup/crc64';
import { buildTableInfo, ColumnTypes } from '../../../../src/backup/generator/schema-builder';
import { intDatum, stringDatum } from '../../../../src/backup/generator/datum';
import { rowKvs } from '../../../../src/backup/generator/table-kv';
import { encodeMvccWrite, SHORT_VALUE_MAX_LEN } from '../../../../src/backup/mvcc-write';
import { writeSst } from '../../../../src/backup/sst';
import type { BackupStorage } from '../../../../src/backup/storage';
import { appendTs, compareBytes, concatBytes, encodeBytes, indexPrefix, recordKey, recordPrefix, toHex } from '../../../../src/plan/keys';
import type { FileRange } from '../../../../src/plan/ranges';
import type { RestorePlan } from '../../../../src/plan/restore-plan';
import { splitCandidates } from '../../../../src/plan/split-keys';
import { findRuleByOldKey, prefixNext, type TableRewrite } from '../../../../src/plan/rewrite-rules';
import type { TableInfo } from '../../../../src/plan/table-info';

/**
 * One table's BR backup files, written the way TiKV's backup writer lays them out (research §2.3): per
 * backup range a write-CF SST (values ≤ 255 bytes inline) and, when a value is longer, a default-CF SST;
 * both carry raw start/end keys and the crc64xor/kvs/bytes of the KVs counted in them. Test support for the
 * cluster clients until the project's backup generator is wired into these tests.
 */
export interface TableBackup {
  info: TableInfo;
  files: BackupFile[];
  /** Schema-level checksum: XOR/sum over the files. */
  checksum: { crc64xor: string; totalKvs: string; totalBytes: string };
  rows: number;
}

const COMMIT_TS = 440_000_000_000_000_000n;
const START_TS = COMMIT_TS - 10n;

export function tableInfoFor(tableId: number, name = `t${tableId}`): TableInfo {
  return buildTableInfo(
    {
      name,
      columns: [
        { name: 'id', type: ColumnTypes.bigint() },
        { name: 'v', type: ColumnTypes.varchar(1024) },
      ],
      indexes: [
        { name: 'PRIMARY', columns: ['id'], primary: true },
        { name: 'iv', columns: ['v'] },
      ],
      handle: 'int-pk',
    },
    { id: tableId, partitionIds: [] },
    COMMIT_TS,
  );
}

/** Writes the backup of `rows` rows (every 7th with a 400-byte value, so default-CF files exist). */
export async function writeTableBackup(storage: BackupStorage, tableId: number, rows: number): Promise<TableBackup> {
  const info = tableInfoFor(tableId);
  const kvs = [];
  for (let i = 1; i <= rows; i++) {
    const v = i % 7 === 0 ? `long-${i}-`.padEnd(400, 'x') : `v${i}`;
    kvs.push(...rowKvs(info, tableId, { datums: [intDatum(i), stringDatum(v)] }));
  }
  kvs.sort((a, b) => compareBytes(a.key, b.key));
  const idx = info.index_info![0]!.id;
  // Backup ranges as TiKV cuts them: the record range in two halves, then the index range.
  const mid = recordKey(tableId, Math.floor(rows / 2) + 1);
  const ranges: [Uint8Array, Uint8Array][] = [
    [recordPrefix(tableId), mid],
    [mid, prefixNext(recordPrefix(tableId))],
    [indexPrefix(tableId, idx), prefixNext(indexPrefix(tableId, idx))],
  ];
  const files: BackupFile[] = [];
  const total = new KvChecksum();
  for (const [start, end] of ranges) {
    const inRange = kvs.filter((kv) => compareBytes(kv.key, start) >= 0 && compareBytes(kv.key, end) < 0);
    const write: { key: Uint8Array; value: Uint8Array }[] = [];
    const dflt: { key: Uint8Array; value: Uint8Array }[] = [];
    const writeSum = new KvChecksum();
    const dfltSum = new KvChecksum();
    for (const kv of inRange) {
      const enc = concatBytes(new Uint8Array([0x7a]), encodeBytes(kv.key));
      const short = kv.value.length <= SHORT_VALUE_MAX_LEN;
      write.push({ key: appendTs(enc, COMMIT_TS), value: encodeMvccWrite({ type: 'put', startTs: START_TS, ...(short ? { shortValue: kv.value } : {}) }) });
      if (short) writeSum.update(kv.key, kv.value);
      else {
        dflt.push({ key: appendTs(enc, START_TS), value: kv.value });
        dfltSum.update(kv.key, kv.value);
      }
    }
    const hash = createHash('sha256').update(encodeBytes(start)).digest('hex');
    for (const [cf, entries, sum] of [['default', dflt, dfltSum], ['write', write, writeSum]] as const) {
      if (entries.length === 0) continue;
      const bytes = writeSst(entries, { compression: 'none' });
      const name = `1/${tableId}_${files.length}_${hash}_1700000000000_${cf}.sst`;
      await storage.write(name, bytes);
      files.push({
        name,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        startKey: toHex(start),
        endKey: toHex(end),
        startVersion: '0',
        endVersion: COMMIT_TS.toString(),
        crc64xor: sum.crc64xor.toString(),
        totalKvs: sum.totalKvs.toString(),
        totalBytes: sum.totalBytes.toString(),
        cf,
        size: String(bytes.length),
      });
      total.merge(sum);
    }
  }
  return { info, files, checksum: { crc64xor: total.crc64xor.toString(), totalKvs: total.totalKvs.toString(), totalBytes: total.totalBytes.toString() }, rows };
}

/**
 * Ranges moved into the new key space the way importFiles clips them: the start through its rule, an end
 * outside the rule's old prefix (t{id}_s, t{id}_i{idx+1}: where BR's backup ranges end) at the end of the
 * rule's new prefix. Used for split keys here, independently of the planner's range rewriting.
 */
export function newRanges(ranges: readonly FileRange[], rw: TableRewrite): (FileRange & { newStartKey: string; newEndKey: string })[] {
  return ranges.map((r) => {
    const rule = findRuleByOldKey(rw.rules, r.startKey);
    if (!rule) throw new Error(`no rule for ${r.startKey}`);
    const newStartKey = rule.newKeyPrefix + r.startKey.slice(rule.oldKeyPrefix.length);
    const newEndKey = r.endKey.startsWith(rule.oldKeyPrefix)
      ? rule.newKeyPrefix + r.endKey.slice(rule.oldKeyPrefix.length)
      : toHex(prefixNext(Buffer.from(rule.newKeyPrefix, 'hex')));
    return { ...r, newStartKey, newEndKey };
  });
}

/**
 * A batch's ranges in the new key space and its split keys. The planner's rewriteBatch would do this, but its
 * rewriteRawKey refuses the end key BR's backup ranges have for an index, t{id}_i{idx+1} (the next index's
 * prefix, which the table has no rule for), so the ranges are rewritten here as importFiles clips them.
 */
export function batchKeys(plan: RestorePlan, batch: number, rw: TableRewrite) {
  const b = plan.batches[batch]!;
  const ranges = newRanges(plan.ranges.slice(b.rangeStart, b.rangeEnd), rw);
  return { ranges, splitKeys: splitCandidates(rw.rules.map((r) => r.newKeyPrefix), ranges.map((r) => r.newEndKey)) };
}
