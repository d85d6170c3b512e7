import { EventEmitter } from 'node:events';
import { encodeBytes, recordKey } from '../../../src/plan/keys';
import { ConfChangeType } from '../../../src/proto/eraftpb';
import { NodeState, type Region, type Store } from '../../../src/proto/metapb';
import { CheckPolicy, RegionHeartbeatResponse, type RegionHeartbeatRequest } from '../../../src/proto/pdpb';
import { ManualClock } from '../../../src/simulator/clock';
import { ClusterState } from '../../../src/simulator/cluster-state';
import { ExternalPdLink, type StorePdCalls } from '../../../src/simulator/external-pd';
import { Faults } from '../../../src/simulator/faults';

/** A RegionHeartbeat stream as the link sees it: what it writes is kept, PD's answers are emitted as 'data'. */
class FakeStream extends EventEmitter {
  readonly sent: RegionHeartbeatRequest[] = [];
  write(req: RegionHeartbeatRequest): boolean {
    this.sent.push(req);
    return true;
  }
  end(): void {}
  cancel(): void {}
}

/** The PD side of the link, recording each call; IDs come from a counter as PD's allocator would hand them out. */
class FakePd {
  readonly address = '127.0.0.1:1';
  readonly endpoints = ['127.0.0.1:1'];
  readonly bootstraps: { store: Store; region: Region }[] = [];
  readonly puts: Store[] = [];
  readonly asks: { region: Region; count: number }[] = [];
  readonly reports: Region[][] = [];
  readonly streams: FakeStream[] = [];
  private nextId = 100;
  header() {
    return { clusterId: 7n, senderId: 0n, callerId: 'test', callerComponent: 'tikv' };
  }
  async bootstrap(store: Store, region: Region) {
    this.bootstraps.push({ store, region });
  }
  async putStore(store: Store) {
    this.puts.push(store);
  }
  async storeHeartbeat() {}
  async askBatchSplit(region: Region, count: number) {
    this.asks.push({ region, count });
    return Array.from({ length: count }, () => ({ regionId: this.nextId++, peerIds: region.peers.map(() => this.nextId++) }));
  }
  async reportBatchSplit(regions: Region[]) {
    this.reports.push(regions);
  }
  openRegionHeartbeat() {
    const s = new FakeStream();
    this.streams.push(s);
    return s as unknown as ReturnType<StorePdCalls['openRegionHeartbeat']>;
  }
  close() {}
  /** The stream a store heartbeats on (each store opens its own). */
  streamOf(storeId: number): FakeStream {
    const s = this.streams.find((x) => x.sent.some((r) => Number(r.leader?.storeId) === storeId));
    if (!s) throw new Error(`store ${storeId} sent no heartbeat`);
    return s;
  }
}

const last = (s: FakeStream) => s.sent[s.sent.length - 1]!;

describe('ExternalPdLink (the simulated stores towards a real PD)', () => {
  let state: ClusterState;
  let pd: FakePd;
  let link: ExternalPdLink;
  let faults: Faults;

  beforeEach(async () => {
    state = new ClusterState({ clock: new ManualClock(), storeIds: [1, 4, 5], firstRegion: { id: 2, peerIds: [3] } });
    pd = new FakePd();
    // Periods far beyond the test: only the heartbeats the link sends on its own account are seen.
    faults = new Faults();
    link = new ExternalPdLink(state, faults, pd, { external: pd.address, storeHeartbeatMs: 600_000, regionHeartbeatMs: 600_000 });
    await link.start();
  });
  afterEach(() => link.stop());

  const answer = (storeId: number, res: Partial<RegionHeartbeatResponse>) => {
    const r = state.regionById(2)!;
    pd.streamOf(storeId).emit('data', RegionHeartbeatResponse.fromPartial({ regionId: 2n, regionEpoch: { confVer: BigInt(r.epoch.confVer), version: BigInt(r.epoch.version) }, ...res }));
  };
  const peer = (id: number, storeId: number) => ({ id: BigInt(id), storeId: BigInt(storeId), role: 0, isWitness: false });
  const change = (type: ConfChangeType, id: number, storeId: number) => ({ changes: [{ peer: peer(id, storeId), changeType: type }] });

  it('bootstraps with the first store and a one-peer region, registers every store as Preparing, heartbeats the region', () => {
    expect(pd.bootstraps).toHaveLength(1);
    expect(pd.bootstraps[0]!.store.id).toBe(1n);
    expect(pd.bootstraps[0]!.region.peers.map((p) => [p.id, p.storeId])).toEqual([[3n, 1n]]);
    expect(pd.puts.map((s) => [s.id, s.nodeState])).toEqual([[1n, NodeState.Preparing], [4n, NodeState.Preparing], [5n, NodeState.Preparing]]);
    const hb = last(pd.streamOf(1));
    expect([hb.region?.id, hb.leader?.storeId, hb.term, hb.header?.clusterId]).toEqual([2n, 1n, 1n, 7n]);
  });

  it('carries out an add-learner step on the current epoch and heartbeats the new conf_ver', () => {
    answer(1, { changePeerV2: change(ConfChangeType.AddLearnerNode, 10, 4) });
    expect(state.regionById(2)!.peers).toEqual([{ id: 3, storeId: 1 }, { id: 10, storeId: 4, role: 'Learner' }]);
    const hb = last(pd.streamOf(1));
    expect(hb.region?.regionEpoch?.confVer).toBe(2n);
    expect(hb.region?.peers.map((p) => p.role)).toEqual([0, 1]);
  });

  it('drops a step made on a stale epoch and heartbeats the current state instead', () => {
    answer(1, { changePeerV2: change(ConfChangeType.AddLearnerNode, 10, 4) });
    const sent = pd.streamOf(1).sent.length;
    pd.streamOf(1).emit('data', RegionHeartbeatResponse.fromPartial({ regionId: 2n, regionEpoch: { confVer: 1n, version: 1n }, changePeerV2: change(ConfChangeType.RemoveNode, 10, 4) }));
    expect(state.regionById(2)!.peers.map((p) => p.storeId)).toEqual([1, 4]);
    expect(pd.streamOf(1).sent.length).toBe(sent + 1);
    expect(last(pd.streamOf(1)).region?.regionEpoch?.confVer).toBe(2n);
  });

  it('ignores a step that reaches a store which no longer leads the region', () => {
    answer(1, { changePeerV2: change(ConfChangeType.AddNode, 10, 4) });
    answer(1, { transferLeader: { peer: peer(10, 4), peers: [] } });
    answer(4, { transferLeader: { peer: peer(3, 1), peers: [] } });
    expect(state.regionById(2)!.leaderStoreId).toBe(1);
    // Would succeed on the leader.
    answer(4, { changePeerV2: change(ConfChangeType.AddLearnerNode, 20, 5) });
    expect(state.regionById(2)!.peers.map((p) => p.storeId)).toEqual([1, 4]);
    answer(1, { changePeerV2: change(ConfChangeType.AddLearnerNode, 20, 5) });
    expect(state.regionById(2)!.peers.map((p) => p.storeId)).toEqual([1, 4, 5]);
  });

  it('transfers the leader; the new leader heartbeats on its own stream with a higher term', () => {
    answer(1, { changePeerV2: change(ConfChangeType.AddNode, 10, 4) });
    answer(1, { transferLeader: { peer: peer(10, 4), peers: [] } });
    expect(state.regionById(2)!.leaderStoreId).toBe(4);
    const hb = last(pd.streamOf(4));
    expect([hb.leader?.storeId, hb.term]).toEqual([4n, 2n]);
  });

  it('neither hands the leadership nor a new peer to a store that is down (raft cannot), but removes a peer there', () => {
    answer(1, { changePeerV2: change(ConfChangeType.AddNode, 10, 4) });
    faults.storeDown(4);
    answer(1, { transferLeader: { peer: peer(10, 4), peers: [] } });
    expect(state.regionById(2)!.leaderStoreId).toBe(1);
    faults.storeDown(5);
    answer(1, { changePeerV2: change(ConfChangeType.AddLearnerNode, 20, 5) });
    expect(state.regionById(2)!.peers.map((p) => p.storeId)).toEqual([1, 4]);
    answer(1, { changePeerV2: change(ConfChangeType.RemoveNode, 10, 4) });
    expect(state.regionById(2)!.peers.map((p) => p.storeId)).toEqual([1]);
  });

  it('splits by key as PD asks: IDs from AskBatchSplit, the result reported and heartbeated', async () => {
    const key = encodeBytes(recordKey(9, 0));
    answer(1, { splitRegion: { policy: CheckPolicy.USEKEY, keys: [Buffer.from(key)] } });
    await new Promise((r) => setImmediate(r));
    expect(pd.asks.map((a) => [a.region.id, a.count])).toEqual([[2n, 1]]);
    expect(state.regions().map((r) => [r.id, r.peers.map((p) => p.id)])).toEqual([[100, [101]], [2, [3]]]);
    expect(pd.reports.map((rs) => rs.map((r) => r.id))).toEqual([[100n, 2n]]);
    expect(pd.streamOf(1).sent.slice(-2).map((r) => r.region?.id)).toEqual([100n, 2n]);
  });
});
