import { checksumByTable, type KvChecksumResult } from './checksum';
import type { ClusterState, ImportMode } from './cluster-state';
import type { Faults, FaultsSnapshot } from './faults';
import type { PdMembership } from './pd-membership';
import type { ScheduleValue } from './pd-schedule-state';

const LATEST = (1n << 64n) - 1n;

/** Per physical table: checksum of the data held, as decimal strings (JSON-safe u64). */
export interface TableChecksum {
  tableId: string;
  crc64xor: string;
  totalKvs: string;
  totalBytes: string;
}

export interface ClusterSnapshot {
  pdLeader: string;
  stores: { id: number; address: string; state: string; labels: { key: string; value: string }[]; mode: ImportMode; speedLimit: number; staged: number; down: boolean }[];
  regions: { id: number; startKey: string; endKey: string; confVer: number; version: number; leaderStoreId: number; storeIds: number[] }[];
  schedulers: { name: string; paused: boolean; pausedUntil: number }[];
  scheduleConfig: Record<string, ScheduleValue>;
  scheduleConfigOverrides: { key: string; value: ScheduleValue; expireAt: number }[];
  gcSafePoint: string;
  serviceSafePoints: { serviceId: string; safePoint: string; expireAt: number | null }[];
  counters: ReturnType<ClusterState['counters']>;
  /** gRPC calls received per RPC name (ScanRegions, Download, BatchDownload, MultiIngest, …) since start. */
  rpcCalls: Record<string, number>;
  faults: FaultsSnapshot;
}

/**
 * Read-only views of the simulated cluster for tests and the admin API: what an operator of a real
 * cluster would check after a restore (modes, schedulers, config, safepoints, data checksums).
 */
export class Inspector {
  constructor(
    private readonly state: ClusterState,
    private readonly faults: Faults,
    private readonly membership: PdMembership,
  ) {}

  /**
   * Checksum per physical table over the latest committed versions, read from each region's leader
   * (crc64xor of key‖value, as BR's backup-side table checksum without a rewrite rule).
   */
  tableChecksums(): TableChecksum[] {
    const total = new Map<string, KvChecksumResult>();
    for (const r of this.state.regions()) {
      const part = checksumByTable(this.state.dataOf(r.leaderStoreId).visible(r.startKey, r.endKey, LATEST));
      for (const [id, c] of part) {
        const cur = total.get(id) ?? { crc64xor: 0n, totalKvs: 0n, totalBytes: 0n };
        total.set(id, { crc64xor: cur.crc64xor ^ c.crc64xor, totalKvs: cur.totalKvs + c.totalKvs, totalBytes: cur.totalBytes + c.totalBytes });
      }
    }
    return [...total]
      .sort((a, b) => (BigInt(a[0]) < BigInt(b[0]) ? -1 : 1))
      .map(([tableId, c]) => ({ tableId, crc64xor: c.crc64xor.toString(), totalKvs: c.totalKvs.toString(), totalBytes: c.totalBytes.toString() }));
  }

  tableChecksum(tableId: number | bigint): TableChecksum | undefined {
    return this.tableChecksums().find((t) => t.tableId === BigInt(tableId).toString());
  }

  /** A GC worker round up to `target` (see GcSafePoints.runGcWorker); returns the GC safepoint. */
  runGcWorker(target: bigint): bigint {
    return this.state.gc.runGcWorker(target);
  }

  snapshot(): ClusterSnapshot {
    const s = this.state;
    return {
      pdLeader: this.membership.leader().name,
      stores: s.stores().map((st) => ({
        id: st.id,
        address: st.address,
        state: st.state,
        labels: st.labels,
        mode: s.mode(st.id),
        speedLimit: s.speedLimit(st.id),
        staged: s.stagedCount(st.id),
        down: this.faults.isStoreDown(st.id),
      })),
      regions: s.regions().map((r) => ({
        id: r.id,
        startKey: Buffer.from(r.startKey).toString('hex'),
        endKey: Buffer.from(r.endKey).toString('hex'),
        confVer: r.epoch.confVer,
        version: r.epoch.version,
        leaderStoreId: r.leaderStoreId,
        storeIds: r.peers.map((p) => p.storeId),
      })),
      schedulers: s.schedule.schedulers(),
      scheduleConfig: s.schedule.effectiveConfig(),
      scheduleConfigOverrides: s.schedule.liveOverrides(),
      gcSafePoint: s.gc.gcSafePointValue().toString(),
      serviceSafePoints: s.gc.list().map((p) => ({ serviceId: p.serviceId, safePoint: p.safePoint.toString(), expireAt: Number.isFinite(p.expireAt) ? p.expireAt : null })),
      counters: s.counters(),
      rpcCalls: this.faults.calls(),
      faults: this.faults.snapshot(),
    };
  }
}
