import { status } from '@grpc/grpc-js';
import { ErrorType, GetMembersRequest, OperatorStatus, type PDClient, type TsoResponse } from '../../../src/proto/pdpb';
import { encodeBytes, recordKey } from '../../../src/plan/keys';
import { Context } from '../../../src/proto/kvrpcpb';
import { ManualClock } from '../../../src/simulator/clock';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/server';
import { call, grpcCode, pdClient, tikvClient } from './support/grpc-clients';

const header = (sim: SimulatorHandle) => ({ clusterId: sim.state.clusterId, senderId: 0n, callerId: 'test', callerComponent: 'test' });

async function http(addr: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`http://${addr}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    /* plain text (404 page) */
  }
  return { status: res.status, json };
}

function tsoBatch(client: PDClient, sim: SimulatorHandle, counts: number[]): Promise<TsoResponse[]> {
  return new Promise((resolve, reject) => {
    const stream = client.tso();
    const got: TsoResponse[] = [];
    stream.on('data', (r: TsoResponse) => {
      got.push(r);
      if (got.length === counts.length) stream.end();
    });
    stream.on('error', reject);
    stream.on('end', () => resolve(got));
    for (const count of counts) stream.write({ header: header(sim), count, dcLocation: '' });
  });
}

describe('simulated PD over real sockets', () => {
  let sim: SimulatorHandle;
  let clock: ManualClock;
  let pd: PDClient;

  beforeEach(async () => {
    clock = new ManualClock();
    sim = await startSimulator({ clock, stores: 3, scatterPolls: 2, tidb: false });
    pd = pdClient(sim.pdAddress);
  });
  afterEach(async () => {
    pd.close();
    await sim.stop();
  });

  it('serves gRPC and HTTP on the same port', async () => {
    const members = await call(pd.getMembers.bind(pd), GetMembersRequest.fromPartial({}));
    expect(members.header!.clusterId).toBe(sim.state.clusterId);
    expect(members.leader!.clientUrls).toEqual([`http://${sim.pdAddress}`]);
    const v = await http(sim.pdAddress, 'GET', '/pd/api/v1/version');
    expect(v).toEqual({ status: 200, json: { version: 'v8.5.4', build_time: '', hash: '', branch: '' } });
    expect((await http(sim.pdAddress, 'GET', '/pd/api/v1/config/cluster-version')).json).toBe('8.5.0');
  });

  it('hands out strictly increasing TSOs, batching by count, and rejects a foreign cluster id', async () => {
    const rs = await tsoBatch(pd, sim, [1, 10, 3]);
    const ts = rs.map((r) => (r.timestamp!.physical << 18n) | r.timestamp!.logical);
    expect(ts[1]! - ts[0]!).toBe(10n);
    expect(ts[2]! - ts[1]!).toBe(3n);
    clock.advance(1);
    const [later] = await tsoBatch(pd, sim, [1]);
    expect((later!.timestamp!.physical << 18n) | later!.timestamp!.logical).toBeGreaterThan(ts[2]!);
    const bad = new Promise<number>((resolve) => {
      const s = pd.tso();
      s.on('data', () => resolve(-1));
      s.on('error', (e: { code: number }) => resolve(e.code));
      s.write({ header: { ...header(sim), clusterId: 1n }, count: 1, dcLocation: '' });
    });
    expect(await bad).toBe(status.FAILED_PRECONDITION);
  });

  it('splits a region through TiKV with an epoch bump that PD then reports, and scatters it', async () => {
    const scan = await call(pd.scanRegions.bind(pd), { header: header(sim), startKey: Buffer.alloc(0), endKey: Buffer.alloc(0), limit: 0 });
    expect(scan.regionMetas).toHaveLength(1);
    expect(scan.regions).toHaveLength(1);
    const region = scan.regionMetas[0]!;
    const leader = scan.leaders[0]!;
    const leaderAddr = sim.stores.find((s) => BigInt(s.id) === leader.storeId)!.address;
    const tikv = tikvClient(leaderAddr);
    const res = await call(tikv.splitRegion.bind(tikv), {
      context: Context.fromPartial({ regionId: region.id, regionEpoch: region.regionEpoch, peer: leader }),
      splitKey: Buffer.alloc(0),
      splitKeys: [Buffer.from(recordKey(5, 0)), Buffer.from(recordKey(9, 0))],
      isRawKv: false,
    });
    tikv.close();
    expect(res.regionError).toBeUndefined();
    expect(res.regions).toHaveLength(3);
    expect(res.regions.map((r) => r.regionEpoch!.version)).toEqual([3n, 3n, 3n]);
    const got = await call(pd.getRegion.bind(pd), { header: header(sim), regionKey: Buffer.from(encodeBytes(recordKey(6, 1))), needBuckets: false });
    expect(got.region!.startKey).toEqual(Buffer.from(encodeBytes(recordKey(5, 0))));
    expect(got.region!.regionEpoch!.version).toBe(3n);
    const byId = await call(pd.getRegionById.bind(pd), { header: header(sim), regionId: got.region!.id, needBuckets: false });
    expect(byId.region!.id).toBe(got.region!.id);

    const newId = res.regions[0]!.id;
    const sc = await call(pd.scatterRegion.bind(pd), { header: header(sim), regionId: newId, region: undefined, leader: undefined, group: '', regionsId: [], retryLimit: 0n, skipStoreLimit: false });
    expect(sc.header!.error).toBeUndefined();
    const op1 = await call(pd.getOperator.bind(pd), { header: header(sim), regionId: newId });
    expect(op1.status).toBe(OperatorStatus.RUNNING);
    expect(op1.desc.toString()).toBe('scatter-region');
    const op2 = await call(pd.getOperator.bind(pd), { header: header(sim), regionId: newId });
    expect(op2.status).toBe(OperatorStatus.SUCCESS);
    const none = await call(pd.getOperator.bind(pd), { header: header(sim), regionId: 999999n });
    expect(none.header!.error!.type).toBe(ErrorType.REGION_NOT_FOUND);
  });

  it('lists stores with their addresses and tiflash labels, excluding tombstones on request', async () => {
    await sim.stop();
    sim = await startSimulator({ clock, stores: 2, tiflashStores: 1, pdMembers: 1, tidb: false });
    pd.close();
    pd = pdClient(sim.pdAddress);
    sim.state.setStoreState(2, 'Tombstone');
    const all = await call(pd.getAllStores.bind(pd), { header: header(sim), excludeTombstoneStores: false });
    expect(all.stores.map((s) => Number(s.id))).toEqual([1, 2, 3]);
    expect(all.stores[2]!.labels).toEqual([{ key: 'engine', value: 'tiflash' }]);
    const live = await call(pd.getAllStores.bind(pd), { header: header(sim), excludeTombstoneStores: true });
    expect(live.stores.map((s) => Number(s.id))).toEqual([1, 3]);
    const one = await call(pd.getStore.bind(pd), { header: header(sim), storeId: 1n });
    expect(one.store!.address).toBe(sim.stores[0]!.address);
    const http1 = await http(sim.pdAddress, 'GET', '/pd/api/v1/store/1');
    expect(http1.json).toMatchObject({ store: { id: 1, address: sim.stores[0]!.address, state_name: 'Up' } });
  });

  it('expires a service GC safepoint after its TTL and answers the minimum', async () => {
    const upd = (id: string, ttl: bigint, sp: bigint) =>
      call(pd.updateServiceGcSafePoint.bind(pd), { header: header(sim), serviceId: Buffer.from(id), TTL: ttl, safePoint: sp });
    await call(pd.updateGcSafePoint.bind(pd), { header: header(sim), safePoint: 50n });
    const read = await call(pd.updateGcSafePoint.bind(pd), { header: header(sim), safePoint: 0n });
    expect(read.newSafePoint).toBe(50n);
    const r = await upd('br-1', 5n, 100n);
    expect(r.minSafePoint).toBe(0n);
    expect(sim.inspector.snapshot().serviceSafePoints.map((s) => s.serviceId).sort()).toEqual(['br-1', 'gc_worker']);
    clock.advance(5000);
    expect(sim.inspector.snapshot().serviceSafePoints.map((s) => s.serviceId)).toEqual(['gc_worker']);
    await upd('br-2', 300n, 100n);
    await upd('br-2', 0n, 0n);
    expect(sim.inspector.snapshot().serviceSafePoints.map((s) => s.serviceId)).toEqual(['gc_worker']);
    expect((await call(pd.getGcSafePoint.bind(pd), { header: header(sim) })).safePoint).toBe(50n);
  });

  it('pauses schedulers over HTTP until the delay lapses, and resumes on delay 0', async () => {
    const names = (await http(sim.pdAddress, 'GET', '/pd/api/v1/schedulers')).json as string[];
    expect(names).toContain('balance-leader-scheduler');
    expect(await http(sim.pdAddress, 'POST', '/pd/api/v1/schedulers/balance-leader-scheduler', { delay: 5 })).toEqual({
      status: 200,
      json: 'Pause or resume the scheduler successfully.',
    });
    await http(sim.pdAddress, 'POST', '/pd/api/v1/schedulers/balance-region-scheduler', { delay: 300 });
    // PD lists schedulers in no fixed order (the real one answers differently from call to call).
    expect(((await http(sim.pdAddress, 'GET', '/pd/api/v1/schedulers?status=paused')).json as string[]).sort()).toEqual(['balance-leader-scheduler', 'balance-region-scheduler']);
    clock.advance(5000);
    expect((await http(sim.pdAddress, 'GET', '/pd/api/v1/schedulers?status=paused')).json).toEqual(['balance-region-scheduler']);
    await http(sim.pdAddress, 'POST', '/pd/api/v1/schedulers/balance-region-scheduler', { delay: 0 });
    expect((await http(sim.pdAddress, 'GET', '/pd/api/v1/schedulers?status=paused')).json).toEqual([]);
    expect((await http(sim.pdAddress, 'POST', '/pd/api/v1/schedulers/nope', { delay: 5 })).status).toBe(500);
  });

  it('applies schedule config with a TTL that lapses, and permanently without one', async () => {
    const set = await http(sim.pdAddress, 'POST', '/pd/api/v1/config?ttlSecond=3', {
      'schedule.max-merge-region-keys': 0,
      'schedule.enable-location-replacement': 'false',
      'schedule.max-pending-peer-count': 2147483647,
    });
    expect(set.status).toBe(200);
    // In force, but not shown by GET config/schedule: like PD, that answers the saved values.
    expect(sim.state.schedule.effectiveConfig()).toMatchObject({ 'max-merge-region-keys': 0, 'enable-location-replacement': 'false', 'max-pending-peer-count': 2147483647 });
    const during = (await http(sim.pdAddress, 'GET', '/pd/api/v1/config/schedule')).json as Record<string, unknown>;
    expect(during).toMatchObject({ 'max-merge-region-keys': 540000, 'enable-location-replacement': 'true', 'max-pending-peer-count': 64 });
    clock.advance(3000);
    expect(sim.state.schedule.liveOverrides()).toEqual([]);
    expect(sim.state.schedule.effectiveConfig()).toMatchObject({ 'max-merge-region-keys': 540000, 'enable-location-replacement': 'true', 'max-pending-peer-count': 64 });
    // PD v5.3's bug surface: ttlSecond on /config/schedule is ignored, the change sticks.
    await http(sim.pdAddress, 'POST', '/pd/api/v1/config/schedule?ttlSecond=3', { 'leader-schedule-limit': 12 });
    clock.advance(10_000);
    expect(((await http(sim.pdAddress, 'GET', '/pd/api/v1/config/schedule')).json as Record<string, unknown>)['leader-schedule-limit']).toBe(12);
    expect((await http(sim.pdAddress, 'POST', '/pd/api/v1/config?ttlSecond=3', { 'schedule.patrol-region-interval': '1s' })).status).toBe(400);
  });

  it('resets the TSO forward only (403 when not larger), like PD admin reset-ts', async () => {
    const [r] = await tsoBatch(pd, sim, [1]);
    const now = (r!.timestamp!.physical << 18n) | r!.timestamp!.logical;
    expect((await http(sim.pdAddress, 'POST', '/pd/api/v1/admin/reset-ts', { tso: now.toString() })).status).toBe(403);
    const target = now + (100_000n << 18n);
    expect((await http(sim.pdAddress, 'POST', '/pd/api/v1/admin/reset-ts', { tso: target.toString() })).status).toBe(200);
    const [n] = await tsoBatch(pd, sim, [1]);
    expect((n!.timestamp!.physical << 18n) | n!.timestamp!.logical).toBeGreaterThan(target);
    expect((await http(sim.pdAddress, 'POST', '/pd/api/v1/admin/reset-ts', { tso: 'abc' })).status).toBe(400);
  });

  it('follows a PD leader change: the old leader answers GetMembers with the new one and refuses the rest', async () => {
    const newLeader = sim.changePdLeader();
    expect(newLeader).toBe(sim.pdAddresses[1]);
    const m = await call(pd.getMembers.bind(pd), GetMembersRequest.fromPartial({}));
    expect(m.leader!.clientUrls).toEqual([`http://${newLeader}`]);
    expect(await grpcCode(call(pd.getAllStores.bind(pd), { header: header(sim), excludeTombstoneStores: false }))).toBe(status.UNAVAILABLE);
    const pd2 = pdClient(newLeader);
    const stores = await call(pd2.getAllStores.bind(pd2), { header: header(sim), excludeTombstoneStores: false });
    pd2.close();
    expect(stores.stores).toHaveLength(3);
  });

  it('scatters a batch of regions; like PD v8.5.4 only finished_percentage tells of an unknown one', async () => {
    const r = sim.state.regions()[0]!;
    const res = await call(pd.scatterRegion.bind(pd), { header: header(sim), regionId: 0n, region: undefined, leader: undefined, group: '', regionsId: [BigInt(r.id), 424242n], retryLimit: 3n, skipStoreLimit: true });
    expect(res.finishedPercentage).toBe(50n);
    expect(res.failedRegionsId).toEqual([]);
    expect((await call(pd.getOperator.bind(pd), { header: header(sim), regionId: BigInt(r.id) })).status).toBe(OperatorStatus.RUNNING);
  });

  it('a simulated PD v8.5.5 also lists the regions a batch scatter left out', async () => {
    const newer = await startSimulator({ clock, stores: 3, tidb: false, pdVersion: 'v8.5.5' });
    const client = pdClient(newer.pdAddress);
    try {
      const r = newer.state.regions()[0]!;
      const res = await call(client.scatterRegion.bind(client), { header: header(newer), regionId: 0n, region: undefined, leader: undefined, group: '', regionsId: [BigInt(r.id), 424242n], retryLimit: 3n, skipStoreLimit: true });
      expect(res.finishedPercentage).toBe(50n);
      expect(res.failedRegionsId).toEqual([424242n]);
    } finally {
      client.close();
      await newer.stop();
    }
  });

  it('reports region stats over an encoded key range and the peers of a down store', async () => {
    const r0 = sim.state.regions()[0]!;
    sim.state.split(r0.id, [encodeBytes(recordKey(5, 0))]);
    const q = (b: Uint8Array) => [...b].map((x) => `%${x.toString(16).padStart(2, '0')}`).join('');
    const stats = (await http(sim.pdAddress, 'GET', `/pd/api/v1/stats/region?start_key=${q(encodeBytes(recordKey(6, 0)))}&end_key=`)).json as { count: number };
    expect(stats.count).toBe(1);
    const all = (await http(sim.pdAddress, 'GET', '/pd/api/v1/stats/region?start_key=&end_key=')).json as { count: number; store_peer_count: Record<string, number> };
    expect(all.count).toBe(2);
    expect(all.store_peer_count).toEqual({ 1: 2, 2: 2, 3: 2 });
    sim.faults.storeDown(2);
    const got = await call(pd.getRegion.bind(pd), { header: header(sim), regionKey: Buffer.from(encodeBytes(recordKey(6, 1))), needBuckets: false });
    expect(got.downPeers.map((d) => Number(d.peer!.storeId))).toEqual([2]);
  });

  it('answers scripted PD faults: UNAVAILABLE and latency', async () => {
    sim.faults.injectUnavailable({ rpc: 'GetAllStores', count: 1, target: 'pd' });
    expect(await grpcCode(call(pd.getAllStores.bind(pd), { header: header(sim), excludeTombstoneStores: false }))).toBe(status.UNAVAILABLE);
    expect(await grpcCode(call(pd.getAllStores.bind(pd), { header: header(sim), excludeTombstoneStores: false }))).toBeUndefined();
    sim.faults.addLatency({ rpc: 'GetStore', ms: 150, target: 'pd' });
    const t0 = Date.now();
    await call(pd.getStore.bind(pd), { header: header(sim), storeId: 1n });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });
});

describe('simulated PD before v4.0.8', () => {
  it('has no pause endpoint, so clients remove and re-add schedulers', async () => {
    const sim = await startSimulator({ pdVersion: 'v4.0.0', pdMembers: 1, tidb: false });
    try {
      expect((await http(sim.pdAddress, 'POST', '/pd/api/v1/schedulers/balance-leader-scheduler', { delay: 5 })).status).toBe(404);
      expect((await http(sim.pdAddress, 'DELETE', '/pd/api/v1/schedulers/balance-leader-scheduler')).status).toBe(200);
      expect((await http(sim.pdAddress, 'GET', '/pd/api/v1/schedulers')).json).not.toContain('balance-leader-scheduler');
      expect((await http(sim.pdAddress, 'POST', '/pd/api/v1/schedulers', { name: 'balance-leader-scheduler' })).status).toBe(200);
      expect((await http(sim.pdAddress, 'GET', '/pd/api/v1/schedulers')).json).toContain('balance-leader-scheduler');
      // ttlSecond is not understood: the change is permanent.
      await http(sim.pdAddress, 'POST', '/pd/api/v1/config?ttlSecond=1', { 'schedule.max-merge-region-keys': 0 });
      expect(sim.state.schedule.persistedConfig()['max-merge-region-keys']).toBe(0);
    } finally {
      await sim.stop();
    }
  });
});
