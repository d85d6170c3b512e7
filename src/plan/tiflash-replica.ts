import type { TableInfo } from './table-info';

/**
 * What to do with a backed-up table's TiFlash replica (BR PreCheckTableTiFlashReplica, pingcap/br#931):
 * - `none`: the backup's table had no TiFlash replica;
 * - `keep`: the target has enough TiFlash stores, so the table gets `count` replicas after creation
 *   (brflow creates tables by SQL, and CREATE TABLE carries no replica: an `ALTER TABLE … SET TIFLASH REPLICA`
 *   follows it);
 * - `drop`: the backup asks for more replicas than the target has TiFlash stores. BR clears the replica info
 *   and goes on: TiDB would refuse the replica ("the tiflash replica count: n should be less than the total
 *   tiflash server count: m"), and the row data lives in TiKV anyway.
 */
export type TiFlashReplicaDecision =
  | { kind: 'none' }
  | { kind: 'keep'; count: number; locationLabels: string[] }
  | { kind: 'drop'; count: number; tiflashStores: number };

/** Decides one table's replica given the TiFlash stores of the target (PD stores labelled engine=tiflash, tombstones left out). */
export function decideTiFlashReplica(info: Pick<TableInfo, 'tiflash_replica'>, tiflashStores: number): TiFlashReplicaDecision {
  const r = info.tiflash_replica;
  const count = r && Number.isSafeInteger(r.Count) && r.Count > 0 ? r.Count : 0;
  if (count === 0) return { kind: 'none' };
  if (count > tiflashStores) return { kind: 'drop', count, tiflashStores };
  return { kind: 'keep', count, locationLabels: [...(r?.LocationLabels ?? [])] };
}

/** Counts of the decisions over a restore's tables: what the pre-check reports. */
export interface TiFlashReplicaSummary {
  tiflashStores: number;
  /** Tables that get their TiFlash replica back. */
  kept: number;
  /** Tables whose replica is dropped for lack of TiFlash stores. */
  dropped: number;
  /** Up to 20 dropped tables as `db.table (n replicas)`, for the log. */
  droppedTables: string[];
}

const LISTED = 20;

export function summarizeTiFlashReplicas(tables: readonly { db: string; name: string; info: Pick<TableInfo, 'tiflash_replica'> }[], tiflashStores: number): TiFlashReplicaSummary {
  const out: TiFlashReplicaSummary = { tiflashStores, kept: 0, dropped: 0, droppedTables: [] };
  for (const t of tables) {
    const d = decideTiFlashReplica(t.info, tiflashStores);
    if (d.kind === 'keep') out.kept++;
    if (d.kind === 'drop') {
      out.dropped++;
      if (out.droppedTables.length < LISTED) out.droppedTables.push(`${t.db}.${t.name} (${d.count} replicas)`);
    }
  }
  return out;
}
