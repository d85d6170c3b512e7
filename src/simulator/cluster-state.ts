import { randomInt } from 'node:crypto';
import { compareBytes } from '../plan/keys';
import type { Clock } from './clock';
import { GcSafePoints } from './gc-safepoints';
import { MvccData } from './mvcc-data';
import { PdScheduleState } from './pd-schedule-state';
import { RegionIndex } from './region-index';
import type { RegionError } from './region-error';
import { TsoAllocator } from './tso-allocator';

/**
 * The simulated cluster as plain data: PD's view (stores, regions, epochs, leaders, operators,
 * schedulers, safepoints) and each TiKV's view (import mode, staged SSTs, committed KVs).
 * Pure: no I/O, time only from the injected clock. gRPC/HTTP handlers are thin layers over it.
 *
 * Region keys are memcomparable-encoded TiDB keys without 'z' or ts; an empty end key is +∞.
 */

export type StoreStateName = 'Up' | 'Offline' | 'Tombstone';
export type ImportMode = 'Normal' | 'Import';

export interface StoreLabel {
  key: string;
  value: string;
}

export interface SimStore {
  id: number;
  /** gRPC host:port; filled by the server once it listens. */
  address: string;
  statusAddress: string;
  state: StoreStateName;
  labels: StoreLabel[];
  version: string;
}

export interface RegionEpochState {
  confVer: number;
  version: number;
}

/** metapb.PeerRole; the two joint ones exist only between entering and leaving a joint conf change. */
export type PeerRoleName = 'Voter' | 'Learner' | 'IncomingVoter' | 'DemotingVoter';

export interface SimPeer {
  id: number;
  storeId: number;
  /** @default 'Voter' */
  role?: PeerRoleName;
}

/** eraftpb.ConfChangeType with the peer it applies to, as PD sends them in a region heartbeat response. */
export interface ConfChange {
  kind: 'AddNode' | 'RemoveNode' | 'AddLearnerNode';
  peer: { id: number; storeId: number };
}

/** IDs for one region a split creates: the region and one peer per peer of the region split (same order). */
export interface SplitIds {
  regionId: number;
  peerIds: number[];
}

export interface SimRegion {
  id: number;
  startKey: Uint8Array;
  endKey: Uint8Array;
  epoch: RegionEpochState;
  peers: SimPeer[];
  leaderStoreId: number;
}

export type OperatorStatusName = 'RUNNING' | 'SUCCESS';

export interface SimOperator {
  regionId: number;
  desc: string;
  kind: string;
  status: OperatorStatusName;
  /** GetOperator polls left until the operator finishes. */
  pollsLeft: number;
}

/** KVs downloaded (and already rewritten) onto one store, waiting for Ingest. */
export interface StagedSst {
  uuidHex: string;
  /** Object names the Download read (several for a BatchDownload): counters are kept per SST name. */
  names: string[];
  cfName: string;
  regionId: number;
  epoch: RegionEpochState;
  /** TiKV data keys ('z' ‖ encoded ‖ ^ts) and values, sorted by key. */
  kvs: { key: Uint8Array; value: Uint8Array }[];
}

export interface ClusterStateOptions {
  clock: Clock;
  /** TiKV stores (each gets peers). @default 3 */
  stores?: number;
  /** Extra stores labelled engine=tiflash: listed by PD, hold no peers (BR must skip them). @default 0 */
  tiflashStores?: number;
  /** Peers per region. @default min(3, stores) */
  replicas?: number;
  /** TiKV import.import-mode-timeout: Import lapses back to Normal unless refreshed. @default 600000 (10 min) */
  importModeTimeoutMs?: number;
  /** GetOperator polls that answer RUNNING before a scatter finishes. @default 2 */
  scatterPolls?: number;
  /** A finished scatter moves the leader to the next peer, as a real scatter may. @default false */
  scatterTransfersLeader?: boolean;
  /** PD cluster id reported in every response header. @default a new one per cluster, as a PD bootstraps it */
  clusterId?: bigint;
  /** Version string of TiKV stores. @default '8.5.0' */
  tikvVersion?: string;
  /**
   * Whether the stores serve ImportSST.BatchDownload (TiKV #19062, several SSTs downloaded and merged in one
   * request); false: they answer UNIMPLEMENTED, as TiKV builds without it do. @default true
   */
  batchDownload?: boolean;
  /**
   * False: PD answers as before any TiKV bootstrapped the cluster (NOT_BOOTSTRAPPED / ErrNotBootstrapped for
   * stores, regions, scatter, operators, safepoints and schedulers), as a fresh real PD does. @default true
   */
  bootstrapped?: boolean;
  /** IDs of the TiKV stores, when a real PD allocated them. @default 1..stores */
  storeIds?: number[];
  /** IDs of the TiFlash stores, when a real PD allocated them. @default after the TiKV store IDs */
  tiflashStoreIds?: number[];
  /** The first region's ID and its peers' IDs (one per replica), when a real PD allocated them. @default from the local allocator */
  firstRegion?: { id: number; peerIds: number[] };
}

/** PD's replication.max-replicas default: a region with fewer peers is "not fully replicated" and is not scattered. */
export const PD_MAX_REPLICAS = 3;

export const DEFAULT_IMPORT_MODE_TIMEOUT_MS = 10 * 60 * 1000;
/**
 * A cluster ID as PD makes one at bootstrap (its seconds since the epoch in the high 32 bits, random low bits):
 * every simulated cluster its own, as real clusters are, so nothing keyed by it (the cluster lock) can mix two.
 */
function newClusterId(): bigint {
  return (BigInt(Math.floor(Date.now() / 1000)) << 32n) | BigInt(randomInt(1, 2 ** 32 - 1));
}
/** PD hands out region and peer IDs from one allocator; start above the store IDs like a bootstrapped PD. */
const FIRST_ALLOCATED_ID = 1000;

interface ImportModeEntry {
  mode: ImportMode;
  /** When Import lapses (clock ms). */
  until: number;
}

export class ClusterState {
  readonly clock: Clock;
  readonly clusterId: bigint;
  readonly importModeTimeoutMs: number;
  readonly tso: TsoAllocator;
  readonly gc: GcSafePoints;
  readonly schedule: PdScheduleState;

  private readonly storeList: SimStore[] = [];
  /** Sorted by start key, non-overlapping, covering the whole key space; binary-searched by key, hashed by ID. */
  private readonly regionIndex: RegionIndex<SimRegion>;
  /** Regions split off each region (transitively): the candidates for EpochNotMatch.current_regions. */
  private readonly derived = new Map<number, Set<number>>();
  private readonly operators = new Map<number, SimOperator>();
  private readonly importModes = new Map<number, ImportModeEntry>();
  private readonly speedLimits = new Map<number, number>();
  private readonly stagedByStore = new Map<number, Map<string, StagedSst>>();
  private readonly data = new Map<number, MvccData>();
  private readonly downloadsByName = new Map<string, number>();
  private readonly ingestsByName = new Map<string, number>();
  private readonly downloadsByStore = new Map<number, number>();
  private readonly ingestsByStore = new Map<number, number>();
  /** RPCs a TiFlash store refused, by "storeId/Method": import, split and mode switches must never reach it. */
  private readonly tiflashRpcs = new Map<string, number>();
  private readonly scatterPolls: number;
  private readonly scatterTransfersLeader: boolean;
  private nextId = FIRST_ALLOCATED_ID;
  /** See ClusterStateOptions.bootstrapped. */
  bootstrapped: boolean;
  /** See ClusterStateOptions.batchDownload. */
  readonly batchDownload: boolean;
  /**
   * How many regions one batch ScatterRegion starts operators for; the rest are left unscattered, as PD does
   * when it cannot place more operators (store limit, waiting-operator limit). @default Infinity
   */
  batchScatterLimit = Number.POSITIVE_INFINITY;

  constructor(opts: ClusterStateOptions) {
    this.clock = opts.clock;
    this.clusterId = opts.clusterId ?? newClusterId();
    this.importModeTimeoutMs = opts.importModeTimeoutMs ?? DEFAULT_IMPORT_MODE_TIMEOUT_MS;
    this.scatterPolls = opts.scatterPolls ?? 2;
    this.scatterTransfersLeader = opts.scatterTransfersLeader ?? false;
    this.bootstrapped = opts.bootstrapped ?? true;
    this.batchDownload = opts.batchDownload ?? true;
    this.tso = new TsoAllocator(opts.clock);
    this.gc = new GcSafePoints(opts.clock);
    this.schedule = new PdScheduleState(opts.clock);
    const tikv = opts.storeIds?.length ?? opts.stores ?? 3;
    if (tikv < 1) throw new Error(`stores must be at least 1, got ${tikv}`);
    const version = opts.tikvVersion ?? '8.5.0';
    const storeIds = opts.storeIds ?? Array.from({ length: tikv }, (_, i) => i + 1);
    for (const id of storeIds) this.addStore({ id, labels: [], version });
    const lastId = Math.max(...storeIds);
    const tiflashIds = opts.tiflashStoreIds ?? Array.from({ length: opts.tiflashStores ?? 0 }, (_, i) => lastId + i + 1);
    for (const id of tiflashIds) this.addStore({ id, labels: [{ key: 'engine', value: 'tiflash' }], version });
    const replicas = Math.min(opts.firstRegion?.peerIds.length ?? opts.replicas ?? 3, tikv);
    const peerIds = opts.firstRegion?.peerIds;
    const peers = this.storeList.slice(0, replicas).map((s, i) => ({ id: peerIds?.[i] ?? this.allocId(), storeId: s.id }));
    this.regionIndex = new RegionIndex<SimRegion>([
      {
        id: opts.firstRegion?.id ?? this.allocId(),
        startKey: new Uint8Array(0),
        endKey: new Uint8Array(0),
        epoch: { confVer: 1, version: 1 },
        peers,
        leaderStoreId: peers[0]!.storeId,
      },
    ]);
  }

  allocId(): number {
    return this.nextId++;
  }

  // ---- stores ----

  private addStore(s: { id: number; labels: StoreLabel[]; version: string }): void {
    this.storeList.push({ ...s, address: '', statusAddress: '', state: 'Up' });
    this.data.set(s.id, new MvccData());
    this.stagedByStore.set(s.id, new Map());
  }

  stores(): SimStore[] {
    return this.storeList.map((s) => ({ ...s, labels: s.labels.map((l) => ({ ...l })) }));
  }

  store(id: number): SimStore | undefined {
    const s = this.storeList.find((x) => x.id === id);
    return s && { ...s, labels: s.labels.map((l) => ({ ...l })) };
  }

  setStoreAddress(id: number, address: string, statusAddress: string): void {
    const s = this.mustStore(id);
    s.address = address;
    s.statusAddress = statusAddress;
  }

  /** Replaces a store's labels (e.g. exclusive=restore for online-restore tests). */
  setStoreLabels(id: number, labels: StoreLabel[]): void {
    this.mustStore(id).labels = labels.map((l) => ({ ...l }));
  }

  setStoreState(id: number, state: StoreStateName): void {
    this.mustStore(id).state = state;
  }

  private mustStore(id: number): SimStore {
    const s = this.storeList.find((x) => x.id === id);
    if (!s) throw new Error(`no store ${id}`);
    return s;
  }

  // ---- regions ----

  regions(): SimRegion[] {
    return this.regionIndex.all().map(cloneRegion);
  }

  regionById(id: number): SimRegion | undefined {
    const r = this.regionIndex.byId(id);
    return r && cloneRegion(r);
  }

  /** The region containing an encoded key. */
  regionByKey(key: Uint8Array): SimRegion | undefined {
    const r = this.regionIndex.atKey(key);
    return r && cloneRegion(r);
  }

  /** Regions overlapping [start, end) in key order, at most `limit` (0 = all), like PD ScanRegions. */
  scanRegions(start: Uint8Array, end: Uint8Array, limit: number): SimRegion[] {
    return this.regionIndex.scan(start, end, limit).map(cloneRegion);
  }

  /**
   * Checks a region-addressed request received by `storeId` the way TiKV does before serving it:
   * the store must hold a peer (else RegionNotFound), be the leader when required (else NotLeader
   * naming the leader), and the caller's epoch must be current (else EpochNotMatch with the regions
   * that now cover the old one).
   */
  checkRegionRequest(
    storeId: number,
    regionId: number,
    epoch: RegionEpochState | undefined,
    requireLeader: boolean,
  ): { region: SimRegion } | { error: RegionError } {
    const r = this.regionIndex.byId(regionId);
    if (!r || !r.peers.some((p) => p.storeId === storeId)) return { error: { kind: 'RegionNotFound', regionId } };
    if (requireLeader && r.leaderStoreId !== storeId) {
      return { error: { kind: 'NotLeader', regionId, leader: leaderPeer(r) } };
    }
    if (epoch && (epoch.confVer !== r.epoch.confVer || epoch.version !== r.epoch.version)) {
      return { error: { kind: 'EpochNotMatch', currentRegions: this.currentRegionsOf(regionId) } };
    }
    return { region: cloneRegion(r) };
  }

  /** The region and every region split off it, in key order. */
  currentRegionsOf(regionId: number): SimRegion[] {
    const ids = new Set([regionId, ...(this.derived.get(regionId) ?? [])]);
    return [...ids].flatMap((id) => {
      const r = this.regionIndex.byId(id);
      return r ? [r] : [];
    }).sort((a, b) => compareBytes(a.startKey, b.startKey)).map(cloneRegion);
  }

  /**
   * Batch split as TiKV applies it (right-derive, TiKV's default): the original region keeps the
   * right-most piece and its ID, each new region gets new region and peer IDs on the same stores, and
   * every resulting region's epoch version grows by the number of new regions. Keys are encoded,
   * must lie strictly inside the region; duplicates are dropped. Returns all resulting regions.
   * New IDs come from `ids` (one entry per new region, as a real PD's AskBatchSplit hands them out) or,
   * without it, from the local allocator.
   */
  split(regionId: number, encodedKeys: Uint8Array[], ids?: SplitIds[]): { regions: SimRegion[] } | { error: RegionError } {
    const checked = this.checkSplit(regionId, encodedKeys);
    if ('error' in checked) return checked;
    const keys = checked.keys;
    const r = this.regionIndex.byId(regionId)!;
    if (ids && (ids.length !== keys.length || ids.some((x) => x.peerIds.length !== r.peers.length))) {
      return { error: { kind: 'Other', message: `split of region ${regionId} got IDs for ${ids.length} regions, needs ${keys.length} with ${r.peers.length} peers each` } };
    }
    const version = r.epoch.version + keys.length;
    const pieces: SimRegion[] = [];
    let start = r.startKey;
    for (const [i, k] of keys.entries()) {
      const given = ids?.[i];
      pieces.push({
        id: given?.regionId ?? this.allocId(),
        startKey: start,
        endKey: k,
        epoch: { confVer: r.epoch.confVer, version },
        peers: r.peers.map((p, j) => ({ ...p, id: given?.peerIds[j] ?? this.allocId() })),
        leaderStoreId: r.leaderStoreId,
      });
      start = k;
    }
    r.startKey = start;
    r.epoch = { confVer: r.epoch.confVer, version };
    pieces.push(r);
    this.regionIndex.replace(regionId, pieces);
    const mine = this.derived.get(regionId) ?? new Set<number>();
    for (const p of pieces) if (p.id !== regionId) mine.add(p.id);
    this.derived.set(regionId, mine);
    return { regions: pieces.map(cloneRegion) };
  }

  /**
   * The keys a split of `regionId` would use (sorted, deduplicated), or why TiKV would refuse it: lets a
   * caller ask a real PD for exactly as many IDs as the split needs.
   */
  checkSplit(regionId: number, encodedKeys: Uint8Array[]): { keys: Uint8Array[] } | { error: RegionError } {
    const r = this.regionIndex.byId(regionId);
    if (!r) return { error: { kind: 'RegionNotFound', regionId } };
    const keys = dedupSorted(encodedKeys);
    if (keys.length === 0) return { error: { kind: 'Other', message: 'no valid key found for split.' } };
    for (const k of keys) {
      const inside = compareBytes(k, r.startKey) > 0 && (r.endKey.length === 0 || compareBytes(k, r.endKey) < 0);
      if (!inside) {
        return { error: { kind: 'KeyNotInRegion', key: k, regionId, startKey: r.startKey, endKey: r.endKey } };
      }
    }
    return { keys };
  }

  /** Moves a region's leader to the peer on `storeId` (no epoch change, like a leader transfer). */
  transferLeader(regionId: number, storeId: number): void {
    const r = this.regionIndex.byId(regionId);
    if (!r) throw new Error(`no region ${regionId}`);
    const p = r.peers.find((x) => x.storeId === storeId);
    if (!p) throw new Error(`region ${regionId} has no peer on store ${storeId}`);
    if (p.role === 'Learner' || p.role === 'DemotingVoter') throw new Error(`region ${regionId}: the peer on store ${storeId} is a ${p.role}, it cannot lead`);
    r.leaderStoreId = storeId;
  }

  /**
   * A raft conf change applied as TiKV applies it. One change is simple: AddLearnerNode adds a learner (a
   * snapshot brings it the region's data from the leader), AddNode adds a voter or promotes the learner with
   * that ID, RemoveNode removes the peer and clears its data. Several changes enter the joint state
   * (a promoted learner becomes IncomingVoter, a demoted voter DemotingVoter); no change leaves it.
   * conf_ver grows by the number of changes, or, leaving a joint state, by the number of peers that were in it.
   * Like TiKV, the leader cannot be removed, nor demoted but on entering a joint state, which it cannot leave
   * while it is still the demoting leader.
   */
  changePeers(regionId: number, changes: ConfChange[]): { region: SimRegion } | { error: RegionError } {
    const r = this.regionIndex.byId(regionId);
    if (!r) return { error: { kind: 'RegionNotFound', regionId } };
    const refuse = (message: string) => ({ error: { kind: 'Other' as const, message: `region ${regionId}: ${message}` } });
    const joint = r.peers.filter((p) => p.role === 'IncomingVoter' || p.role === 'DemotingVoter');
    if (changes.length === 0) {
      if (joint.length === 0) return refuse('not in a joint state');
      if (joint.some((p) => p.role === 'DemotingVoter' && p.storeId === r.leaderStoreId)) return refuse('cannot demote the leader');
      for (const p of joint) p.role = p.role === 'IncomingVoter' ? 'Voter' : 'Learner';
      r.epoch = { ...r.epoch, confVer: r.epoch.confVer + joint.length };
      return { region: cloneRegion(r) };
    }
    if (joint.length > 0) return refuse('already in a joint state');
    const entering = changes.length > 1;
    const next = r.peers.map((p) => ({ ...p }));
    const added: SimPeer[] = [];
    const removed: SimPeer[] = [];
    for (const c of changes) {
      const cur = next.find((p) => p.storeId === c.peer.storeId);
      if (cur && cur.id !== c.peer.id) return refuse(`store ${c.peer.storeId} already holds peer ${cur.id}`);
      if (c.kind === 'RemoveNode') {
        if (!cur) return refuse(`no peer ${c.peer.id} to remove`);
        if (cur.storeId === r.leaderStoreId) return refuse('cannot remove the leader');
        next.splice(next.indexOf(cur), 1);
        removed.push(cur);
      } else if (c.kind === 'AddLearnerNode') {
        if (!cur) {
          const p: SimPeer = { id: c.peer.id, storeId: c.peer.storeId, role: 'Learner' };
          next.push(p);
          added.push(p);
        } else if (isVoter(cur)) {
          // Entering a joint state may demote the leader (PD then moves the leader before leaving it).
          if (cur.storeId === r.leaderStoreId && !entering) return refuse('cannot demote the leader');
          cur.role = entering ? 'DemotingVoter' : 'Learner';
        } else return refuse(`peer ${cur.id} is already a learner`);
      } else if (!cur) {
        const p: SimPeer = { id: c.peer.id, storeId: c.peer.storeId, role: entering ? 'IncomingVoter' : 'Voter' };
        next.push(p);
        added.push(p);
      } else if (cur.role === 'Learner') cur.role = entering ? 'IncomingVoter' : 'Voter';
      else return refuse(`peer ${cur.id} is already a voter`);
    }
    const leaderData = this.data.get(r.leaderStoreId)!;
    for (const p of added) this.dataOf(p.storeId).copyRange(leaderData, r.startKey, r.endKey);
    for (const p of removed) this.dataOf(p.storeId).deleteRange(r.startKey, r.endKey);
    r.peers = next;
    r.epoch = { ...r.epoch, confVer: r.epoch.confVer + changes.length };
    return { region: cloneRegion(r) };
  }

  /**
   * Raft failover: every region led by `storeId` elects a leader among its peers on stores that are
   * still up (no epoch change). Regions with no live peer keep their leader. Returns how many moved.
   */
  failoverLeaders(storeId: number, isUp: (storeId: number) => boolean): number {
    let moved = 0;
    for (const r of this.regionIndex.all()) {
      if (r.leaderStoreId !== storeId) continue;
      const next = r.peers.find((p) => p.storeId !== storeId && isUp(p.storeId));
      if (next) {
        r.leaderStoreId = next.storeId;
        moved++;
      }
    }
    return moved;
  }

  // ---- scatter operators ----

  /** A region PD would scatter: it has at least max-replicas peers. */
  isFullyReplicated(regionId: number): boolean {
    const r = this.regionIndex.byId(regionId);
    return r !== undefined && r.peers.length >= PD_MAX_REPLICAS;
  }

  /** Starts a scatter-region operator; false when PD does not know the region. */
  scatter(regionId: number): boolean {
    if (!this.regionIndex.byId(regionId)) return false;
    this.operators.set(regionId, {
      regionId,
      desc: 'scatter-region',
      kind: 'admin,region',
      status: this.scatterPolls > 0 ? 'RUNNING' : 'SUCCESS',
      pollsLeft: this.scatterPolls,
    });
    return true;
  }

  /** One GetOperator poll: RUNNING until the configured polls have passed, then SUCCESS (kept, as PD keeps finished status). */
  pollOperator(regionId: number): SimOperator | undefined {
    const op = this.operators.get(regionId);
    if (!op) return undefined;
    if (op.status === 'RUNNING') {
      op.pollsLeft -= 1;
      if (op.pollsLeft <= 0) {
        op.status = 'SUCCESS';
        if (this.scatterTransfersLeader) this.rotateLeader(regionId);
      }
    }
    return { ...op };
  }

  private rotateLeader(regionId: number): void {
    const r = this.regionIndex.byId(regionId);
    if (!r || r.peers.length < 2) return;
    const i = r.peers.findIndex((p) => p.storeId === r.leaderStoreId);
    r.leaderStoreId = r.peers[(i + 1) % r.peers.length]!.storeId;
  }

  // ---- import mode, speed limit ----

  switchMode(storeId: number, mode: ImportMode): void {
    this.mustStore(storeId);
    this.importModes.set(storeId, { mode, until: this.clock.now() + this.importModeTimeoutMs });
  }

  /** Current mode; Import lapses to Normal once the timeout passed without a refresh (TiKV's auto-revert). */
  mode(storeId: number): ImportMode {
    const e = this.importModes.get(storeId);
    if (!e || e.mode === 'Normal') return 'Normal';
    if (this.clock.now() >= e.until) {
      this.importModes.set(storeId, { mode: 'Normal', until: 0 });
      return 'Normal';
    }
    return 'Import';
  }

  setSpeedLimit(storeId: number, bytesPerSecond: number): void {
    this.speedLimits.set(storeId, bytesPerSecond);
  }

  /** Download speed limit in bytes/s; 0 = unlimited. */
  speedLimit(storeId: number): number {
    return this.speedLimits.get(storeId) ?? 0;
  }

  // ---- staged SSTs, ingest, data ----

  stage(storeId: number, sst: StagedSst): void {
    this.mustStaged(storeId).set(sst.uuidHex, sst);
    for (const n of sst.names) this.downloadsByName.set(n, (this.downloadsByName.get(n) ?? 0) + 1);
    this.downloadsByStore.set(storeId, (this.downloadsByStore.get(storeId) ?? 0) + 1);
  }

  /** Counts a download that found nothing to stage (is_empty) too: it still read the object. */
  countEmptyDownload(storeId: number, name: string): void {
    this.downloadsByName.set(name, (this.downloadsByName.get(name) ?? 0) + 1);
    this.downloadsByStore.set(storeId, (this.downloadsByStore.get(storeId) ?? 0) + 1);
  }

  staged(storeId: number, uuidHex: string): StagedSst | undefined {
    return this.mustStaged(storeId).get(uuidHex);
  }

  stagedCount(storeId: number): number {
    return this.mustStaged(storeId).size;
  }

  private mustStaged(storeId: number): Map<string, StagedSst> {
    const m = this.stagedByStore.get(storeId);
    if (!m) throw new Error(`no store ${storeId}`);
    return m;
  }

  /**
   * Applies staged SSTs to a region as raft would: the leader's staged KVs are written to the data of
   * every store holding a peer, and each peer's staged copy is consumed (a repeated ingest of the same
   * uuid then finds nothing, like TiKV's StaleCommand). Callers check leadership/epoch/range first.
   */
  ingest(leaderStoreId: number, regionId: number, uuids: string[]): void {
    const r = this.regionIndex.byId(regionId);
    if (!r) throw new Error(`no region ${regionId}`);
    for (const uuid of uuids) {
      const sst = this.mustStaged(leaderStoreId).get(uuid);
      if (!sst) throw new Error(`uuid ${uuid} not staged on store ${leaderStoreId}`);
      for (const p of r.peers) {
        const d = this.data.get(p.storeId)!;
        for (const kv of sst.kvs) d.put(sst.cfName, kv.key, kv.value);
        this.mustStaged(p.storeId).delete(uuid);
      }
      for (const n of sst.names) this.ingestsByName.set(n, (this.ingestsByName.get(n) ?? 0) + 1);
      this.ingestsByStore.set(leaderStoreId, (this.ingestsByStore.get(leaderStoreId) ?? 0) + 1);
    }
  }

  /** Committed KVs held by a store. */
  dataOf(storeId: number): MvccData {
    const d = this.data.get(storeId);
    if (!d) throw new Error(`no store ${storeId}`);
    return d;
  }

  /** Whether a store registered as TiFlash (label engine=tiflash), which holds no peers and serves no import. */
  isTiFlashStore(storeId: number): boolean {
    return this.storeList.some((s) => s.id === storeId && s.labels.some((l) => l.key === 'engine' && l.value === 'tiflash'));
  }

  countTiFlashRpc(storeId: number, method: string): void {
    const key = `${storeId}/${method}`;
    this.tiflashRpcs.set(key, (this.tiflashRpcs.get(key) ?? 0) + 1);
  }

  counters(): {
    downloadsByName: Record<string, number>;
    ingestsByName: Record<string, number>;
    downloadsByStore: Record<string, number>;
    ingestsByStore: Record<string, number>;
    tiflashRpcs: Record<string, number>;
  } {
    return {
      tiflashRpcs: Object.fromEntries(this.tiflashRpcs),
      downloadsByName: Object.fromEntries(this.downloadsByName),
      ingestsByName: Object.fromEntries(this.ingestsByName),
      downloadsByStore: Object.fromEntries([...this.downloadsByStore].map(([k, v]) => [String(k), v])),
      ingestsByStore: Object.fromEntries([...this.ingestsByStore].map(([k, v]) => [String(k), v])),
    };
  }
}

export function leaderPeer(r: SimRegion): SimPeer | undefined {
  return r.peers.find((p) => p.storeId === r.leaderStoreId);
}

export function containsKey(r: SimRegion, key: Uint8Array): boolean {
  return compareBytes(key, r.startKey) >= 0 && (r.endKey.length === 0 || compareBytes(key, r.endKey) < 0);
}

function isVoter(p: SimPeer): boolean {
  return p.role === undefined || p.role === 'Voter';
}

function cloneRegion(r: SimRegion): SimRegion {
  return { ...r, epoch: { ...r.epoch }, peers: r.peers.map((p) => ({ ...p })) };
}

function dedupSorted(keys: Uint8Array[]): Uint8Array[] {
  const sorted = [...keys].filter((k) => k.length > 0).sort(compareBytes);
  return sorted.filter((k, i) => i === 0 || compareBytes(k, sorted[i - 1]!) !== 0);
}
