import { registerServiceSafePoint, removeServiceSafePoint, renewServiceSafePoint } from '../../../src/cluster/gc-safepoint';
import { connectPd, type PdClient } from '../../../src/cluster/pd';
import { scanAllRegions } from '../../../src/cluster/scan-regions';
import { ClusterError } from '../../../src/cluster/errors';
import { encodeBytes, recordKey, toHex } from '../../../src/plan/keys';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/server';

/** PdClient against the simulated PD over real sockets: leader following, TSO batching, stores, regions, safepoints. */
describe('PdClient', () => {
  let sim: SimulatorHandle;
  let pd: PdClient;

  beforeAll(async () => {
    sim = await startSimulator({ stores: 3, tiflashStores: 1, pdMembers: 2 });
  });
  afterAll(async () => {
    await sim.stop();
  });
  beforeEach(async () => {
    sim.faults.clear();
    // The follower first: the client must find the leader through GetMembers.
    pd = await connectPd({ endpoints: [...sim.pdAddresses].reverse(), timeoutMs: 2000 });
  });
  afterEach(() => pd.close());

  it('learns the cluster id and the leader from any member', () => {
    expect(pd.clusterId).toBe(sim.state.clusterId);
    expect(pd.leaderAddress).toBe(sim.pdAddress);
  });

  it('batches concurrent TSO callers into few requests (100 callers, 100 ms per request, well under 1 s)', async () => {
    await pd.getTs();
    sim.faults.addLatency({ rpc: 'Tso', ms: 100, target: 'pd' });
    const t0 = Date.now();
    const got = await Promise.all(Array.from({ length: 100 }, () => pd.getTs()));
    const elapsed = Date.now() - t0;
    sim.faults.clear();
    expect(new Set(got.map(String)).size).toBe(100);
    // One request per caller would take 10 s; batching needs one or two round trips.
    expect(elapsed).toBeLessThan(1000);
  });

  it('hands out unique, increasing timestamps to concurrent callers', async () => {
    const before = await pd.getTs();
    const many = await Promise.all(Array.from({ length: 200 }, () => pd.getTs()));
    expect(new Set(many.map(String)).size).toBe(200);
    for (const ts of many) expect(ts).toBeGreaterThan(before);
    const after = await pd.getTs();
    for (const ts of many) expect(after).toBeGreaterThan(ts);
    // physical part is wall-clock milliseconds
    expect(Number(after >> 18n)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('lists TiKV stores without TiFlash unless asked', async () => {
    const tikv = await pd.getAllStores();
    const tikvIds = sim.state.stores().filter((s) => !s.labels.some((l) => l.key === 'engine' && l.value === 'tiflash')).map((s) => s.id);
    expect(tikvIds.length).toBe(3);
    expect(tikv.map((s) => Number(s.id)).sort()).toEqual(tikvIds.sort());
    const all = await pd.getAllStores({ includeTiFlash: true });
    expect(all.length).toBe(tikv.length + 1);
    expect(all.some((s) => s.labels.some((l) => l.key === 'engine' && l.value === 'tiflash'))).toBe(true);
  });

  it('skips tombstone stores', async () => {
    const s = sim.state.stores().find((x) => !x.labels.some((l) => l.value === 'tiflash'))!;
    sim.state.setStoreState(s.id, 'Tombstone');
    try {
      const tikv = await pd.getAllStores();
      expect(tikv.map((x) => Number(x.id))).not.toContain(s.id);
    } finally {
      sim.state.setStoreState(s.id, 'Up');
    }
  });

  it('pages ScanRegions 128 at a time and chains the pages without holes', async () => {
    // 300 splits far away from anything else in this file.
    const keys = Array.from({ length: 300 }, (_, i) => encodeBytes(recordKey(990_000, i * 10 + 1)));
    const first = sim.state.regionByKey(keys[0]!)!;
    const res = sim.state.split(first.id, keys);
    expect('regions' in res).toBe(true);
    const regions = await scanAllRegions(pd, keys[0]!, encodeBytes(recordKey(990_000, 100_000)));
    expect(regions.length).toBe(300);
    expect(regions.map((r) => toHex(r.region.startKey))).toEqual(keys.map(toHex));
    expect(regions.every((r) => r.leader !== undefined)).toBe(true);
    const one = await pd.getRegion(keys[5]!);
    expect(one?.region.id).toBe(regions[5]!.region.id);
    expect((await pd.getRegionById(regions[7]!.region.id))?.region.startKey).toEqual(Buffer.from(keys[7]!));
    expect(await pd.getRegionById(987654321n)).toBeUndefined();
  });

  it('follows a PD leader change', async () => {
    const before = await pd.getTs();
    const newLeader = sim.changePdLeader();
    try {
      const ts = await pd.getTs();
      expect(ts).toBeGreaterThan(before);
      expect(pd.leaderAddress).toBe(newLeader);
      expect((await pd.getAllStores()).length).toBe(3);
    } finally {
      sim.changePdLeader();
    }
  });

  it('keeps TSO callers going through a leader change noticed by another call', async () => {
    await pd.getTs();
    // The batch stays in flight (600 ms) while the leader changes and another call notices it.
    sim.faults.addLatency({ rpc: 'Tso', ms: 600, target: 'pd' });
    const pending = Promise.all(Array.from({ length: 20 }, () => pd.getTs()));
    await new Promise((r) => setTimeout(r, 50));
    const newLeader = sim.changePdLeader();
    try {
      // Another call meets "not leader", re-learns the leader and abandons the old TSO stream.
      expect((await pd.getAllStores()).length).toBe(3);
      expect(pd.leaderAddress).toBe(newLeader);
      sim.faults.clear();
      const got = await pending;
      expect(new Set(got.map(String)).size).toBe(20);
    } finally {
      sim.faults.clear();
      sim.changePdLeader();
    }
  });

  it('retries PD calls that fail with UNAVAILABLE', async () => {
    sim.faults.injectUnavailable({ rpc: 'GetAllStores', count: 2, target: 'pd' });
    expect((await pd.getAllStores()).length).toBe(3);
    expect(sim.faults.snapshot().unavailable).toEqual([]);
    sim.faults.injectUnavailable({ rpc: 'Tso', count: 1, target: 'pd' });
    expect(await pd.getTs()).toBeGreaterThan(0n);
  });

  it('gives up with a ClusterError naming PD when UNAVAILABLE outlasts the retry policy', async () => {
    const short = await connectPd({ endpoints: sim.pdAddress, timeoutMs: 1000, retry: { name: 't', attempts: 2, initialMs: 10, maxMs: 10 } });
    try {
      sim.faults.injectUnavailable({ rpc: 'GetStore', count: 5, target: 'pd' });
      const e = await short.getStore(1n).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ClusterError);
      expect((e as ClusterError).message).toContain('PD GetStore');
      expect((e as ClusterError).kind).toBe('unavailable');
    } finally {
      short.close();
    }
  });

  it('registers, renews and removes a service GC safepoint at restoreTs − 1', async () => {
    const restoreTs = await pd.getTs();
    const sp = await registerServiceSafePoint(pd, 'brflow-restore-test', restoreTs);
    const listed = () => sim.inspector.snapshot().serviceSafePoints.filter((s) => s.serviceId === 'brflow-restore-test');
    expect(listed()).toEqual([expect.objectContaining({ safePoint: (restoreTs - 1n).toString() })]);
    const exp1 = listed()[0]!.expireAt!;
    expect(exp1).toBeGreaterThan(Date.now() + 290_000);
    await new Promise((r) => setTimeout(r, 20));
    await renewServiceSafePoint(pd, sp);
    expect(listed()[0]!.expireAt!).toBeGreaterThan(exp1);
    await removeServiceSafePoint(pd, sp.serviceId);
    expect(listed()).toEqual([]);
    await removeServiceSafePoint(pd, sp.serviceId); // idempotent
  });

  it('refuses a safepoint GC already passed', async () => {
    const ts = await pd.getTs();
    sim.state.gc.updateGcSafePoint(ts + 1000n);
    await expect(registerServiceSafePoint(pd, 'late', ts)).rejects.toThrow(/already at or past restore ts/);
  });
});
