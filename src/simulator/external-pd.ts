import type { ClientDuplexStream } from '@grpc/grpc-js';
import { ConfChangeType } from '../proto/eraftpb';
import { NodeState } from '../proto/metapb';
import { CheckPolicy, RegionHeartbeatRequest, StoreStats, type ChangePeer, type RegionHeartbeatResponse } from '../proto/pdpb';
import { leaderPeer, type ClusterState, type ConfChange, type SimRegion, type SplitIds } from './cluster-state';
import type { Faults } from './faults';
import { PdStoreClient } from './pd-store-client';
import { toPeer, toRegion, toStore } from './proto-convert';
import type { RegionError } from './region-error';

/** The simulator's stores join a real PD instead of the simulated one. */
export interface ExternalPdOptions {
  /** host:port (or URL) of a PD member; the stores follow its leader. The PD must not be bootstrapped yet. */
  external: string;
  /** StoreHeartbeat period in ms. @default 1000 */
  storeHeartbeatMs?: number;
  /** Period in ms of every region's heartbeat; each change is heartbeated at once besides. @default 2000 */
  regionHeartbeatMs?: number;
}

/** What a store reports as its disk (PD refuses to place peers on a store short of space). */
const STORE_CAPACITY_BYTES = 1024n ** 4n;
const DEFAULT_STORE_HEARTBEAT_MS = 1000;
const DEFAULT_REGION_HEARTBEAT_MS = 2000;
/** down_seconds reported for a peer on a down store (the simulated PD reports the same). */
const DOWN_PEER_SECONDS = 60n;
/** A broken RegionHeartbeat stream is reopened by the next heartbeat, at most this often. */
const STREAM_RETRY_MS = 500;

/** IDs a fresh PD allocated for the stores and the first region before they start (as TiKV allocates its store ID). */
export interface ExternalPdIds {
  client: PdStoreClient;
  storeIds: number[];
  tiflashStoreIds: number[];
  firstRegion: { id: number; peerIds: number[] };
}

/**
 * Connects to the real PD, checks it is not bootstrapped (the stores would otherwise join a cluster whose
 * regions live on stores that do not exist), and allocates store, region and peer IDs from it.
 */
export async function allocateExternalPdIds(endpoint: string, stores: number, tiflashStores = 0): Promise<ExternalPdIds> {
  const client = await PdStoreClient.connect(endpoint);
  try {
    if (await client.isBootstrapped()) {
      throw new Error(`PD at ${client.address} is already bootstrapped: the simulator's stores need a fresh PD (a new data dir)`);
    }
    const storeIds: number[] = [];
    for (let i = 0; i < stores; i++) storeIds.push(await client.allocId());
    const tiflashStoreIds: number[] = [];
    for (let i = 0; i < tiflashStores; i++) tiflashStoreIds.push(await client.allocId());
    const regionId = await client.allocId();
    const peerId = await client.allocId();
    return { client, storeIds, tiflashStoreIds, firstRegion: { id: regionId, peerIds: [peerId] } };
  } catch (e) {
    client.close();
    throw e;
  }
}

type HeartbeatStream = ClientDuplexStream<RegionHeartbeatRequest, RegionHeartbeatResponse>;

/** The PD calls the link makes once the IDs are allocated (PdStoreClient; a fake in unit tests). */
export type StorePdCalls = Pick<
  PdStoreClient,
  'address' | 'endpoints' | 'header' | 'bootstrap' | 'putStore' | 'storeHeartbeat' | 'askBatchSplit' | 'reportBatchSplit' | 'openRegionHeartbeat' | 'close'
>;

/**
 * The simulator's stores behaving towards a real PD as TiKV does: the first store bootstraps the cluster with
 * the first region, every store registers (PutStore) and heartbeats; each region's leader store streams
 * RegionHeartbeats, periodically and after every change; splits take their IDs from AskBatchSplit and are
 * reported with ReportBatchSplit; the operator steps PD answers with (add/remove/promote/demote peers, joint
 * changes, leader transfers, splits by key) are carried out on the cluster state and heartbeated back.
 * Merges are not carried out (PD does not ask for them in a cluster's first hour).
 */
export class ExternalPdLink {
  private readonly streams = new Map<number, HeartbeatStream>();
  private readonly streamRetryAt = new Map<number, number>();
  /** Raft term per region as reported: grows when the leader moves. */
  private readonly terms = new Map<number, { leaderStoreId: number; term: number }>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly storeBeating = new Set<number>();
  /** The split in progress per region (splits of one region apply in order). */
  private readonly splitting = new Map<number, Promise<void>>();
  private readonly startSec = Math.floor(Date.now() / 1000);
  private lastRegionBeatSec = Math.floor(Date.now() / 1000);
  private stopped = false;

  constructor(
    private readonly state: ClusterState,
    private readonly faults: Faults,
    readonly client: StorePdCalls,
    private readonly opts: ExternalPdOptions,
  ) {}

  /** Bootstraps the cluster from the first store, registers every store and starts the heartbeats. */
  async start(): Promise<void> {
    const stores = this.state.stores();
    const first = stores[0]!;
    const region = this.state.regions()[0]!;
    await this.client.bootstrap(this.storeMeta(first.id), toRegion(region));
    for (const s of stores) await this.client.putStore(this.storeMeta(s.id));
    await Promise.all(stores.map((s) => this.beatStore(s.id)));
    for (const r of this.state.regions()) this.beatRegion(r);
    this.timers.push(setInterval(() => this.state.stores().forEach((s) => void this.beatStore(s.id)), this.opts.storeHeartbeatMs ?? DEFAULT_STORE_HEARTBEAT_MS));
    this.timers.push(setInterval(() => this.beatAllRegions(), this.opts.regionHeartbeatMs ?? DEFAULT_REGION_HEARTBEAT_MS));
  }

  /**
   * SplitRegion as a TiKV leader carries it out with a real PD: new IDs from AskBatchSplit, the split applied,
   * ReportBatchSplit and a heartbeat of every resulting region.
   */
  async split(regionId: number, encodedKeys: Uint8Array[]): Promise<{ regions: SimRegion[] } | { error: RegionError }> {
    const before = this.state.regionById(regionId);
    // Raft applies one split of a region after another: a second split proposed on the same epoch then fails
    // its epoch check. Chaining per region gives the same answer (and keeps AskBatchSplit in epoch order).
    const prev = this.splitting.get(regionId) ?? Promise.resolve();
    const run = prev.then(() => this.splitNow(regionId, encodedKeys, before));
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.splitting.set(regionId, tail);
    void tail.then(() => {
      if (this.splitting.get(regionId) === tail) this.splitting.delete(regionId);
    });
    return run;
  }

  private async splitNow(regionId: number, encodedKeys: Uint8Array[], before: SimRegion | undefined): Promise<{ regions: SimRegion[] } | { error: RegionError }> {
    const changed = () => {
      const now = this.state.regionById(regionId);
      return !before || !now || now.epoch.version !== before.epoch.version || now.epoch.confVer !== before.epoch.confVer;
    };
    const epochNotMatch = () => ({ error: { kind: 'EpochNotMatch' as const, currentRegions: this.state.currentRegionsOf(regionId) } });
    if (changed()) return epochNotMatch();
    const checked = this.state.checkSplit(regionId, encodedKeys);
    if ('error' in checked) return checked;
    let ids: SplitIds[];
    try {
      ids = await this.client.askBatchSplit(toRegion(before!), checked.keys.length);
    } catch (e) {
      if (changed()) return epochNotMatch();
      return { error: { kind: 'Other', message: `ask PD for split IDs: ${e instanceof Error ? e.message : String(e)}` } };
    }
    if (changed()) return epochNotMatch();
    const res = this.state.split(regionId, checked.keys, ids);
    if ('error' in res) return res;
    const term = this.terms.get(regionId);
    for (const r of res.regions) if (term && r.id !== regionId) this.terms.set(r.id, { ...term });
    this.client.reportBatchSplit(res.regions.map(toRegion)).catch(() => undefined);
    for (const r of res.regions) this.beatRegion(r);
    return res;
  }

  /**
   * Resolves once every region has `replicas` voters (the real PD's replica checker adds them after bootstrap),
   * or rejects after `timeoutMs`.
   */
  async waitForReplicas(replicas: number, timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const short = this.state.regions().filter((r) => r.peers.filter((p) => (p.role ?? 'Voter') === 'Voter').length < replicas);
      if (short.length === 0) return;
      if (this.stopped) throw new Error('simulator stopped');
      if (Date.now() >= until) throw new Error(`${short.length} regions still have fewer than ${replicas} voters after ${timeoutMs} ms (region ${short[0]!.id})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
    for (const s of this.streams.values()) {
      s.end();
      s.cancel();
    }
    this.streams.clear();
    this.client.close();
  }

  private storeMeta(storeId: number) {
    // A TiKV registers as Preparing; PD moves it to Serving (state "Up") on its own.
    return { ...toStore(this.state.store(storeId)!, this.startSec), nodeState: NodeState.Preparing };
  }

  private async beatStore(storeId: number): Promise<void> {
    if (this.stopped || this.storeBeating.has(storeId) || this.faults.isStoreDown(storeId)) return;
    this.storeBeating.add(storeId);
    try {
      const used = BigInt(this.state.dataOf(storeId).rangeStats(new Uint8Array(0), new Uint8Array(0)).bytes);
      const regions = this.state.regions().filter((r) => r.peers.some((p) => p.storeId === storeId));
      const nowSec = Math.floor(Date.now() / 1000);
      await this.client.storeHeartbeat(
        StoreStats.fromPartial({
          storeId: BigInt(storeId),
          capacity: STORE_CAPACITY_BYTES,
          available: STORE_CAPACITY_BYTES - used,
          usedSize: used,
          regionCount: regions.length,
          startTime: this.startSec,
          interval: { startTimestamp: BigInt(nowSec - 1), endTimestamp: BigInt(nowSec) },
        }),
      );
    } catch {
      // PD unreachable or briefly leaderless: the next heartbeat tries again, as TiKV's does.
    } finally {
      this.storeBeating.delete(storeId);
    }
  }

  private beatAllRegions(): void {
    // One pass over a snapshot of the regions: looking each up by ID would be quadratic in the region count.
    for (const r of this.state.regions()) this.beatRegion(r);
    this.lastRegionBeatSec = Math.floor(Date.now() / 1000);
  }

  /** One RegionHeartbeat from the region's leader store (none while that store is down). */
  private beatRegion(region: number | SimRegion): void {
    if (this.stopped) return;
    const r = typeof region === 'number' ? this.state.regionById(region) : region;
    const leader = r && leaderPeer(r);
    if (!r || !leader || this.faults.isStoreDown(leader.storeId)) return;
    const stream = this.stream(leader.storeId);
    if (!stream) return;
    const stats = this.state.dataOf(leader.storeId).rangeStats(r.startKey, r.endKey);
    const nowSec = Math.floor(Date.now() / 1000);
    stream.write(
      RegionHeartbeatRequest.fromPartial({
        header: this.client.header(),
        region: toRegion(r),
        leader: toPeer(leader),
        // As the simulated PD shows them: peers on a down store (TiKV's leader reports them once they stop answering).
        downPeers: r.peers.filter((p) => this.faults.isStoreDown(p.storeId)).map((p) => ({ peer: toPeer(p), downSeconds: DOWN_PEER_SECONDS })),
        approximateSize: BigInt(stats.bytes),
        approximateKeys: BigInt(stats.keys),
        interval: { startTimestamp: BigInt(Math.min(this.lastRegionBeatSec, nowSec - 1)), endTimestamp: BigInt(nowSec) },
        term: BigInt(this.termOf(r)),
      }),
    );
  }

  private termOf(r: SimRegion): number {
    const t = this.terms.get(r.id);
    if (!t) {
      this.terms.set(r.id, { leaderStoreId: r.leaderStoreId, term: 1 });
      return 1;
    }
    if (t.leaderStoreId !== r.leaderStoreId) {
      t.leaderStoreId = r.leaderStoreId;
      t.term++;
    }
    return t.term;
  }

  private stream(storeId: number): HeartbeatStream | undefined {
    const open = this.streams.get(storeId);
    if (open) return open;
    if (Date.now() < (this.streamRetryAt.get(storeId) ?? 0)) return undefined;
    const s = this.client.openRegionHeartbeat();
    const drop = () => {
      if (this.streams.get(storeId) === s) this.streams.delete(storeId);
      this.streamRetryAt.set(storeId, Date.now() + STREAM_RETRY_MS);
    };
    s.on('data', (res: RegionHeartbeatResponse) => this.onCommand(storeId, res));
    s.on('error', drop);
    s.on('end', drop);
    this.streams.set(storeId, s);
    return s;
  }

  /** An operator step from PD for a region led from `storeId`: carried out unless stale, then heartbeated. */
  private onCommand(storeId: number, res: RegionHeartbeatResponse): void {
    if (this.stopped || (res.header?.error && res.header.error.type !== 0)) return;
    const regionId = Number(res.regionId);
    const r = this.state.regionById(regionId);
    // Like TiKV: only the leader acts, and only on the epoch PD saw (a stale step is dropped; PD resends).
    if (!r || r.leaderStoreId !== storeId) return;
    const epoch = res.regionEpoch;
    if (epoch && (Number(epoch.confVer) !== r.epoch.confVer || Number(epoch.version) !== r.epoch.version)) {
      this.beatRegion(regionId);
      return;
    }
    // A down store cannot take a snapshot nor the leadership: raft makes no progress there, PD retries or times out.
    const down = (storeId: bigint | undefined) => storeId !== undefined && this.faults.isStoreDown(Number(storeId));
    if (res.changePeer) {
      const c = res.changePeer;
      if (c.changeType === ConfChangeType.RemoveNode || !down(c.peer?.storeId)) this.state.changePeers(regionId, [fromChangePeer(c)]);
    } else if (res.changePeerV2) {
      if (!res.changePeerV2.changes.some((c) => c.changeType !== ConfChangeType.RemoveNode && down(c.peer?.storeId))) {
        this.state.changePeers(regionId, res.changePeerV2.changes.map(fromChangePeer));
      }
    } else if (res.transferLeader) {
      const target = res.transferLeader.peer ?? res.transferLeader.peers[0];
      try {
        if (target && !down(target.storeId)) this.state.transferLeader(regionId, Number(target.storeId));
      } catch {
        // Not a voter there (any more): TiKV ignores such a transfer too.
      }
    } else if (res.splitRegion && res.splitRegion.policy === CheckPolicy.USEKEY && res.splitRegion.keys.length > 0) {
      void this.split(regionId, res.splitRegion.keys.map((k) => new Uint8Array(k)));
      return;
    }
    this.beatRegion(regionId);
  }
}

function fromChangePeer(c: ChangePeer): ConfChange {
  const kind = c.changeType === ConfChangeType.RemoveNode ? 'RemoveNode' : c.changeType === ConfChangeType.AddLearnerNode ? 'AddLearnerNode' : 'AddNode';
  return { kind, peer: { id: Number(c.peer?.id ?? 0n), storeId: Number(c.peer?.storeId ?? 0n) } };
}

