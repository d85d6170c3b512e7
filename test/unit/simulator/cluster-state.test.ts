import { appendTs, concatBytes, encodeBytes, recordKey } from '../../../src/plan/keys';
import { ManualClock } from '../../../src/simulator/clock';
import { ClusterState } from '../../../src/simulator/cluster-state';
import { encodeMvccWrite } from '../../../src/backup/mvcc-write';

const enc = (tableId: number, handle: number) => encodeBytes(recordKey(tableId, handle));
const dataKey = (tableId: number, handle: number, ts: bigint) => concatBytes(new Uint8Array([0x7a]), appendTs(enc(tableId, handle), ts));

function newState(extra: Partial<ConstructorParameters<typeof ClusterState>[0]> = {}) {
  const clock = new ManualClock();
  return { clock, state: new ClusterState({ clock, stores: 3, ...extra }) };
}

describe('ClusterState regions', () => {
  it('starts with one region covering the key space with a peer on each store', () => {
    const { state } = newState();
    const [r, ...rest] = state.regions();
    expect(rest).toHaveLength(0);
    expect(r!.startKey).toHaveLength(0);
    expect(r!.endKey).toHaveLength(0);
    expect(r!.peers.map((p) => p.storeId).sort()).toEqual([1, 2, 3]);
  });

  it('splits with new IDs, right-derive and an epoch version bump by the number of new regions', () => {
    const { state } = newState();
    const orig = state.regions()[0]!;
    const res = state.split(orig.id, [enc(10, 0), enc(5, 0)]);
    if (!('regions' in res)) throw new Error('split failed');
    expect(res.regions).toHaveLength(3);
    expect(res.regions[2]!.id).toBe(orig.id);
    expect(res.regions.map((r) => r.epoch.version)).toEqual([3, 3, 3]);
    expect(res.regions[0]!.endKey).toEqual(enc(5, 0));
    expect(res.regions[1]!.startKey).toEqual(enc(5, 0));
    expect(res.regions[2]!.startKey).toEqual(enc(10, 0));
    expect(new Set(res.regions.map((r) => r.id)).size).toBe(3);
    expect(state.regionByKey(enc(7, 1))!.id).toBe(res.regions[1]!.id);
    expect(state.scanRegions(enc(6, 0), enc(11, 0), 0).map((r) => r.id)).toEqual([res.regions[1]!.id, orig.id]);
  });

  it('rejects a stale epoch with the regions that now cover the old one', () => {
    const { state } = newState();
    const orig = state.regions()[0]!;
    state.split(orig.id, [enc(5, 0)]);
    const res = state.checkRegionRequest(orig.peers[0]!.storeId, orig.id, orig.epoch, true);
    expect('error' in res && res.error.kind).toBe('EpochNotMatch');
    if ('error' in res && res.error.kind === 'EpochNotMatch') expect(res.error.currentRegions).toHaveLength(2);
  });

  it('answers NotLeader with the leader on a follower store', () => {
    const { state } = newState();
    const r = state.regions()[0]!;
    const follower = r.peers.find((p) => p.storeId !== r.leaderStoreId)!;
    const res = state.checkRegionRequest(follower.storeId, r.id, r.epoch, true);
    expect('error' in res && res.error).toMatchObject({ kind: 'NotLeader', leader: { storeId: r.leaderStoreId } });
  });

  it('rejects split keys outside the region', () => {
    const { state } = newState();
    const r = state.regions()[0]!;
    state.split(r.id, [enc(5, 0)]);
    const res = state.split(r.id, [enc(1, 0)]);
    expect('error' in res && res.error.kind).toBe('KeyNotInRegion');
  });

  it('runs a scatter operator for some polls, then reports success', () => {
    const { state } = newState({ scatterPolls: 2 });
    const r = state.regions()[0]!;
    expect(state.pollOperator(r.id)).toBeUndefined();
    expect(state.scatter(r.id)).toBe(true);
    expect(state.pollOperator(r.id)!.status).toBe('RUNNING');
    expect(state.pollOperator(r.id)!.status).toBe('SUCCESS');
    expect(state.scatter(424242)).toBe(false);
  });
});

describe('ClusterState scatter with leader transfer', () => {
  it('moves the leader to the next peer when the scatter finishes, without an epoch change', () => {
    const { state } = newState({ scatterPolls: 1, scatterTransfersLeader: true });
    const r = state.regions()[0]!;
    state.scatter(r.id);
    state.pollOperator(r.id);
    const after = state.regionById(r.id)!;
    expect(after.leaderStoreId).not.toBe(r.leaderStoreId);
    expect(after.epoch).toEqual(r.epoch);
    const check = state.checkRegionRequest(r.leaderStoreId, r.id, r.epoch, true);
    expect('error' in check && check.error.kind).toBe('NotLeader');
  });
});

describe('ClusterState import mode', () => {
  it('lapses back to Normal after the timeout unless refreshed', () => {
    const { clock, state } = newState({ importModeTimeoutMs: 1000 });
    state.switchMode(1, 'Import');
    clock.advance(900);
    expect(state.mode(1)).toBe('Import');
    state.switchMode(1, 'Import');
    clock.advance(900);
    expect(state.mode(1)).toBe('Import');
    clock.advance(100);
    expect(state.mode(1)).toBe('Normal');
    expect(state.mode(2)).toBe('Normal');
  });
});

describe('GC safepoints', () => {
  it('expires a service safepoint after its TTL and removes it on TTL 0', () => {
    const { clock, state } = newState();
    const r = state.gc.updateService('br-1', 2, 100n);
    expect(r.min.serviceId).toBe('gc_worker');
    expect(state.gc.list().map((s) => s.serviceId).sort()).toEqual(['br-1', 'gc_worker']);
    clock.advance(2000);
    expect(state.gc.list().map((s) => s.serviceId)).toEqual(['gc_worker']);
    state.gc.updateService('br-2', 10, 100n);
    state.gc.updateService('br-2', 0, 0n);
    expect(state.gc.list().map((s) => s.serviceId)).toEqual(['gc_worker']);
  });

  it('lets a GC worker round advance only up to the smallest live service safepoint', () => {
    const { clock, state } = newState();
    state.gc.updateService('br-1', 10, 99n);
    expect(state.gc.runGcWorker(500n)).toBe(99n);
    clock.advance(10_000);
    expect(state.gc.runGcWorker(500n)).toBe(500n);
  });

  it('reports the minimum and refuses to move below it', () => {
    const { state } = newState();
    state.gc.updateService('gc_worker', 1_000_000, 500n);
    const r = state.gc.updateService('br-1', 10, 100n);
    expect(r.min).toMatchObject({ serviceId: 'gc_worker', safePoint: 500n });
    expect(state.gc.list().some((s) => s.serviceId === 'br-1')).toBe(false);
    expect(state.gc.updateGcSafePoint(50n)).toBe(50n);
    expect(state.gc.updateGcSafePoint(0n)).toBe(50n);
  });
});

describe('PD schedule state', () => {
  it('pauses a scheduler until the delay passes; delay 0 resumes', () => {
    const { clock, state } = newState();
    expect(state.schedule.pause('balance-leader-scheduler', 3)).toBe(true);
    expect(state.schedule.schedulers().find((s) => s.name === 'balance-leader-scheduler')!.paused).toBe(true);
    clock.advance(3000);
    expect(state.schedule.schedulers().find((s) => s.name === 'balance-leader-scheduler')!.paused).toBe(false);
    state.schedule.pause('balance-region-scheduler', 300);
    state.schedule.pause('balance-region-scheduler', 0);
    expect(state.schedule.schedulers().every((s) => !s.paused)).toBe(true);
    expect(state.schedule.pause('nope', 1)).toBe(false);
  });

  it('applies TTL config overrides that lapse, and ttl 0 removes them', () => {
    const { clock, state } = newState();
    state.schedule.updateWithTtl({ 'max-merge-region-keys': 0, 'enable-location-replacement': 'false' }, 5);
    expect(state.schedule.effectiveConfig()['max-merge-region-keys']).toBe(0);
    expect(state.schedule.effectiveConfig()['enable-location-replacement']).toBe('false');
    expect(state.schedule.persistedConfig()['max-merge-region-keys']).toBe(540000);
    clock.advance(5000);
    expect(state.schedule.effectiveConfig()['max-merge-region-keys']).toBe(540000);
    state.schedule.updateWithTtl({ 'leader-schedule-limit': 12 }, 300);
    state.schedule.updateWithTtl({ 'leader-schedule-limit': 4 }, 0);
    expect(state.schedule.liveOverrides()).toEqual([]);
    expect(() => state.schedule.updateWithTtl({ 'patrol-region-interval': '1s' }, 5)).toThrow(/unsupported ttl config/);
    expect(() => state.schedule.update({ 'no-such-key': 1 })).toThrow(/not found/);
  });
});

describe('TSO', () => {
  it('is strictly increasing even when the clock stalls, and batches by count', () => {
    const { state } = newState();
    const a = state.tso.allocate(1);
    const b = state.tso.allocate(10);
    expect(b.physical).toBe(a.physical);
    expect(b.logical).toBe(a.logical + 10);
    expect(state.tso.reset(state.tso.current())).toBe(false);
    expect(state.tso.reset((BigInt(a.physical + 5000) << 18n) | 7n)).toBe(true);
    const c = state.tso.allocate(1);
    expect((BigInt(c.physical) << 18n) | BigInt(c.logical)).toBeGreaterThan((BigInt(a.physical + 5000) << 18n) | 7n);
  });
});

describe('MVCC data', () => {
  it('returns the newest committed Put at or before the read ts, honouring Delete and default CF values', () => {
    const { state } = newState();
    const d = state.dataOf(1);
    d.put('write', dataKey(5, 1, 20n), encodeMvccWrite({ type: 'put', startTs: 19n, shortValue: new Uint8Array([1]) }));
    d.put('write', dataKey(5, 1, 30n), encodeMvccWrite({ type: 'put', startTs: 29n, shortValue: new Uint8Array([2]) }));
    d.put('write', dataKey(5, 2, 20n), encodeMvccWrite({ type: 'put', startTs: 19n }));
    d.put('default', dataKey(5, 2, 19n), new Uint8Array(300).fill(9));
    d.put('write', dataKey(5, 3, 25n), encodeMvccWrite({ type: 'delete', startTs: 24n }));
    d.put('write', dataKey(5, 3, 10n), encodeMvccWrite({ type: 'put', startTs: 9n, shortValue: new Uint8Array([3]) }));
    const at = (ts: bigint) => [...d.visible(new Uint8Array(0), new Uint8Array(0), ts)].map((kv) => [kv.rawKey[kv.rawKey.length - 1], kv.value.length, kv.value[0]]);
    expect(at(25n)).toEqual([[1, 1, 1], [2, 300, 9]]);
    expect(at(100n)).toEqual([[1, 1, 2], [2, 300, 9]]);
    expect(at(15n)).toEqual([[3, 1, 3]]);
  });

  it('answers range reads between ingests with every row written so far, in key order (no stale view)', () => {
    const { state } = newState();
    const d = state.dataOf(1);
    const handles: number[] = [];
    // Handles arrive out of order, in ingest-sized bursts, each followed by a read as a checksum would make.
    for (let burst = 0; burst < 40; burst++) {
      for (let i = 0; i < 50; i++) {
        const h = ((burst * 50 + i) * 7919) % 2000;
        handles.push(h);
        d.put('write', dataKey(5, h, 20n), encodeMvccWrite({ type: 'put', startTs: 19n, shortValue: new Uint8Array([h & 0xff]) }));
      }
      const seen = [...d.visible(enc(5, 0), enc(5, 2000), 30n)].map((kv) => kv.value[0]);
      expect(seen).toEqual([...handles].sort((a, b) => a - b).map((h) => h & 0xff));
    }
    // A newer version of one row wins at a later read ts, and the range end is exclusive.
    d.put('write', dataKey(5, 10, 40n), encodeMvccWrite({ type: 'put', startTs: 39n, shortValue: new Uint8Array([99]) }));
    expect([...d.visible(enc(5, 10), enc(5, 11), 50n)].map((kv) => kv.value[0])).toEqual([99]);
    expect([...d.visible(enc(5, 10), enc(5, 11), 30n)].map((kv) => kv.value[0])).toEqual([10]);
    expect(d.rangeStats(enc(5, 0), enc(5, 100)).keys).toBe(101);
  });
});

describe('ClusterState conf changes (as a real PD sends them)', () => {
  const put = (state: ClusterState, store: number, handle: number) =>
    state.dataOf(store).put('write', dataKey(5, handle, 20n), encodeMvccWrite({ type: 'put', startTs: 19n, shortValue: new Uint8Array([handle]) }));
  const handles = (state: ClusterState, store: number) => [...state.dataOf(store).visible(new Uint8Array(0), new Uint8Array(0), 100n)].map((kv) => kv.value[0]);

  it('takes store and first-region IDs from a real PD and starts with its one peer', () => {
    const { state } = newState({ storeIds: [1, 4, 5], firstRegion: { id: 2, peerIds: [3] } });
    expect(state.stores().map((s) => s.id)).toEqual([1, 4, 5]);
    expect(state.regions()).toEqual([expect.objectContaining({ id: 2, peers: [{ id: 3, storeId: 1 }], leaderStoreId: 1 })]);
  });

  it('adds a learner with the leader data in range, promotes it, and bumps conf_ver once per change', () => {
    const { state } = newState({ storeIds: [1, 4, 5], firstRegion: { id: 2, peerIds: [3] } });
    put(state, 1, 1);
    put(state, 1, 2);
    const r = state.split(2, [enc(5, 2)], [{ regionId: 10, peerIds: [11] }]);
    if (!('regions' in r)) throw new Error('split failed');
    const added = state.changePeers(2, [{ kind: 'AddLearnerNode', peer: { id: 20, storeId: 4 } }]);
    expect('region' in added && added.region.peers).toEqual([{ id: 3, storeId: 1 }, { id: 20, storeId: 4, role: 'Learner' }]);
    // Region 2 kept the right half (right-derive): only handle 2 travels with the snapshot.
    expect(handles(state, 4)).toEqual([2]);
    const promoted = state.changePeers(2, [{ kind: 'AddNode', peer: { id: 20, storeId: 4 } }]);
    expect('region' in promoted && promoted.region).toEqual(expect.objectContaining({ epoch: { confVer: 3, version: 2 } }));
    expect(state.regionById(2)!.peers[1]!.role).toBe('Voter');
  });

  it('enters and leaves a joint state (promote one, demote another), then removes the demoted learner and its data', () => {
    const { state } = newState({ storeIds: [1, 4, 5], firstRegion: { id: 2, peerIds: [3] } });
    put(state, 1, 1);
    state.changePeers(2, [{ kind: 'AddNode', peer: { id: 6, storeId: 4 } }]);
    state.changePeers(2, [{ kind: 'AddLearnerNode', peer: { id: 7, storeId: 5 } }]);
    const enter = state.changePeers(2, [
      { kind: 'AddNode', peer: { id: 7, storeId: 5 } },
      { kind: 'AddLearnerNode', peer: { id: 6, storeId: 4 } },
    ]);
    expect('region' in enter && enter.region.peers.map((p) => p.role ?? 'Voter')).toEqual(['Voter', 'DemotingVoter', 'IncomingVoter']);
    expect(state.changePeers(2, [{ kind: 'AddNode', peer: { id: 8, storeId: 1 } }])).toEqual({ error: expect.objectContaining({ kind: 'Other' }) });
    const leave = state.changePeers(2, []);
    expect('region' in leave && leave.region.peers.map((p) => p.role ?? 'Voter')).toEqual(['Voter', 'Learner', 'Voter']);
    expect(state.regionById(2)!.epoch.confVer).toBe(1 + 1 + 1 + 2 + 2);
    expect(handles(state, 4)).toEqual([1]);
    state.changePeers(2, [{ kind: 'RemoveNode', peer: { id: 6, storeId: 4 } }]);
    expect(state.regionById(2)!.peers.map((p) => p.storeId)).toEqual([1, 5]);
    expect(handles(state, 4)).toEqual([]);
    expect(handles(state, 5)).toEqual([1]);
  });

  it('refuses to remove or demote the leader, and a transfer to a learner', () => {
    const { state } = newState({ storeIds: [1, 4, 5], firstRegion: { id: 2, peerIds: [3] } });
    state.changePeers(2, [{ kind: 'AddLearnerNode', peer: { id: 6, storeId: 4 } }]);
    expect(state.changePeers(2, [{ kind: 'RemoveNode', peer: { id: 3, storeId: 1 } }])).toEqual({ error: expect.objectContaining({ kind: 'Other' }) });
    expect(() => state.transferLeader(2, 4)).toThrow(/Learner/);
    expect(state.changePeers(2, [{ kind: 'AddLearnerNode', peer: { id: 3, storeId: 1 } }])).toEqual({ error: expect.objectContaining({ kind: 'Other' }) });
    expect(state.regionById(2)!.epoch.confVer).toBe(2);
  });

  it('lets a joint change demote the leader, which must hand over leadership before leaving the joint state', () => {
    const { state } = newState({ storeIds: [1, 4, 5], firstRegion: { id: 2, peerIds: [3] } });
    state.changePeers(2, [{ kind: 'AddLearnerNode', peer: { id: 6, storeId: 4 } }]);
    const enter = state.changePeers(2, [
      { kind: 'AddNode', peer: { id: 6, storeId: 4 } },
      { kind: 'AddLearnerNode', peer: { id: 3, storeId: 1 } },
    ]);
    expect('region' in enter && enter.region.peers.map((p) => p.role)).toEqual(['DemotingVoter', 'IncomingVoter']);
    expect(state.changePeers(2, [])).toEqual({ error: expect.objectContaining({ kind: 'Other' }) });
    state.transferLeader(2, 4);
    expect('region' in state.changePeers(2, [])).toBe(true);
    expect(state.changePeers(2, [{ kind: 'RemoveNode', peer: { id: 3, storeId: 1 } }])).toEqual({ region: expect.objectContaining({ peers: [{ id: 6, storeId: 4, role: 'Voter' }], leaderStoreId: 4 }) });
  });
});
