import { KvChecksum } from '../../src/backup/crc64';
import type { ManifestTable } from '../../src/backup/manifest';
import { TidbClient } from '../../src/cluster/tidb';
import { decodeTableId, tablePrefix } from '../../src/plan/keys';
import type { TableInfo } from '../../src/plan/table-info';
import { startSimulator, type SimulatorHandle, type SimulatorOptions } from '../../src/simulator/server';
import type { ScheduleValue } from '../../src/simulator/pd-schedule-state';
import type { ClusterTarget } from '../../src/worker/cluster-deps';

const LATEST = (1n << 64n) - 1n;

/** A simulated cluster (PD + TiKV + TiDB on the real wire) and the addresses a worker process connects to. */
export interface SimCluster {
  sim: SimulatorHandle;
  target: ClusterTarget;
  /** What the scheduling side looked like before the restore touched it. */
  baseline: SchedulingView;
}

export async function startSimCluster(opts: SimulatorOptions = {}): Promise<SimCluster> {
  const sim = await startSimulator({ stores: 3, scatterPolls: 1, ...opts });
  const [host, port] = sim.tidb!.address.split(':') as [string, string];
  const target: ClusterTarget = { pdEndpoints: sim.pdAddresses, tidb: { host, port: Number(port), statusAddress: sim.tidb!.statusAddress, user: 'root', password: '' } };
  return { sim, target, baseline: schedulingView(sim) };
}

/** Schedulers (name → paused) and the effective schedule config: what a restore pauses and overrides. */
export interface SchedulingView {
  schedulers: Record<string, boolean>;
  config: Record<string, ScheduleValue>;
}

export function schedulingView(sim: SimulatorHandle): SchedulingView {
  const snap = sim.inspector.snapshot();
  return { schedulers: Object.fromEntries(snap.schedulers.map((s) => [s.name, s.paused])), config: snap.scheduleConfig };
}

/** Everything a restore changes on the cluster besides data, as an operator would check it afterwards. */
export interface ClusterNormality {
  storeModes: string[];
  speedLimits: number[];
  scheduling: SchedulingView;
  configOverrides: string[];
  brflowSafepoints: string[];
}

export function clusterNormality(sim: SimulatorHandle): ClusterNormality {
  const snap = sim.inspector.snapshot();
  return {
    storeModes: snap.stores.map((s) => s.mode),
    speedLimits: snap.stores.map((s) => s.speedLimit),
    scheduling: schedulingView(sim),
    configOverrides: snap.scheduleConfigOverrides.map((o) => o.key),
    brflowSafepoints: snap.serviceSafePoints.filter((s) => s.serviceId.startsWith('brflow-')).map((s) => s.serviceId),
  };
}

/** The normality a finished (or fully compensated) restore must leave: as before it, nothing held. */
export function expectedNormality(c: SimCluster): ClusterNormality {
  const n = c.sim.state.stores().length;
  return {
    storeModes: Array.from({ length: n }, () => 'Normal'),
    speedLimits: Array.from({ length: n }, () => 0),
    scheduling: c.baseline,
    configOverrides: [],
    brflowSafepoints: [],
  };
}

/** Per restored table, the checksum of what the cluster holds, in the backup's key space. */
export interface RestoredChecksum {
  table: string;
  crc64xor: string;
  totalKvs: string;
  totalBytes: string;
}

/**
 * Checksums each restored table straight from the simulator's region leaders, independently of brflow's own
 * checksum step: every visible KV under a new physical table is hashed with its prefix rewritten back to the
 * backup's table ID (as TiKV's checksum with a rewrite rule does), so the result must equal what BR recorded
 * in backupmeta for that table. New IDs come from TiDB (the real client); partitions are matched by name.
 */
export async function restoredChecksums(c: SimCluster, tables: readonly ManifestTable[]): Promise<RestoredChecksum[]> {
  const tidb = new TidbClient(c.target.tidb);
  // new physical ID → [table index, old physical ID]
  const owner = new Map<bigint, { t: number; oldId: number }>();
  try {
    for (const [i, t] of tables.entries()) {
      const info = await tidb.tableInfo(t.db, t.name);
      if (!info) throw new Error(`${t.db}.${t.name} does not exist in the target`);
      for (const [newId, oldId] of physicalIdPairs(t.info, info)) owner.set(BigInt(newId), { t: i, oldId });
    }
  } finally {
    await tidb.close();
  }
  const sums = tables.map(() => new KvChecksum());
  for (const r of c.sim.state.regions()) {
    for (const kv of c.sim.state.dataOf(r.leaderStoreId).visible(r.startKey, r.endKey, LATEST)) {
      const id = decodeTableId(kv.rawKey);
      const o = id === undefined ? undefined : owner.get(id);
      if (!o) continue;
      sums[o.t]!.update(kv.rawKey, kv.value, { oldPrefix: tablePrefix(o.oldId), newPrefix: tablePrefix(id!) });
    }
  }
  return tables.map((t, i) => ({ table: `${t.db}.${t.name}`, crc64xor: sums[i]!.crc64xor.toString(), totalKvs: sums[i]!.totalKvs.toString(), totalBytes: sums[i]!.totalBytes.toString() }));
}

/** What restoredChecksums must return for tables restored whole: the checksums BR recorded for them in backupmeta. */
export function recordedChecksums(tables: readonly ManifestTable[]): RestoredChecksum[] {
  return tables.map((t) => ({ table: `${t.db}.${t.name}`, crc64xor: t.crc64xor, totalKvs: t.totalKvs, totalBytes: t.totalBytes }));
}

/** [new physical ID, backup physical ID] of a table and each of its partitions (by partition name). */
function physicalIdPairs(oldInfo: TableInfo, newInfo: TableInfo): [number, number][] {
  const pairs: [number, number][] = [[newInfo.id, oldInfo.id]];
  const oldDefs = new Map((oldInfo.partition?.definitions ?? []).map((d) => [d.name.L, d.id]));
  for (const d of newInfo.partition?.definitions ?? []) {
    const oldId = oldDefs.get(d.name.L);
    if (oldId === undefined) throw new Error(`partition ${d.name.O} of table ${newInfo.name.O} is not in the backup`);
    pairs.push([d.id, oldId]);
  }
  return pairs;
}
