import { KvChecksum } from '../../../../src/backup/crc64';
import { decodeTableId, fromHex, toHex } from '../../../../src/plan/keys';
import { findRuleByNewKey, type TableRewrite } from '../../../../src/plan/rewrite-rules';
import type { SimulatorHandle } from '../../../../src/simulator/server';

const LATEST = (1n << 64n) - 1n;

/**
 * The simulator's own checksum of a restored table, read straight from each region leader's data in process
 * (no gRPC, no client code), with keys translated back to the backup's IDs through the table's rules — so it
 * compares with backupmeta's Schema checksum even when TiDB gave the table new IDs. A key of the table that no
 * rule covers is counted untranslated, which makes the comparison fail, as it should.
 */
export function simTableChecksum(sim: SimulatorHandle, rw: TableRewrite): { crc64xor: string; totalKvs: string; totalBytes: string } {
  const ids = new Set(rw.physical.map((p) => BigInt(p.newId)));
  const sum = new KvChecksum();
  for (const r of sim.state.regions()) {
    for (const kv of sim.state.dataOf(r.leaderStoreId).visible(r.startKey, r.endKey, LATEST)) {
      const id = decodeTableId(kv.rawKey);
      if (id === undefined || !ids.has(id)) continue;
      const rule = findRuleByNewKey(rw.rules, toHex(kv.rawKey));
      if (rule) sum.update(kv.rawKey, kv.value, { oldPrefix: fromHex(rule.oldKeyPrefix), newPrefix: fromHex(rule.newKeyPrefix) });
      else sum.update(kv.rawKey, kv.value);
    }
  }
  return { crc64xor: sum.crc64xor.toString(), totalKvs: sum.totalKvs.toString(), totalBytes: sum.totalBytes.toString() };
}
