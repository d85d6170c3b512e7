import { connectCluster, type ClusterConnection } from '../../../src/cluster/cluster-connection';
import { splitAndScatter } from '../../../src/cluster/region-split';
import { scanAllRegions } from '../../../src/cluster/scan-regions';
import type { RealPd } from '../../../src/local-stack/real-pd';
import { encodeBytes, recordKey, toHex } from '../../../src/plan/keys';
import { tikvRpc } from '../../../src/cluster/tikv-rpc';
import { PdStoreClient } from '../../../src/simulator/pd-store-client';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/server';
import { startRealPdForTest, waitPdSettled } from '../../support/real-parts';
import { eventually } from '../../support/eventually';

interface PdStoreJson {
  store: { id: number; address: string; status_address: string; version: string; state_name: string };
  status: { region_count?: number; leader_count?: number };
}

async function pdGet<T>(pd: RealPd, path: string): Promise<T> {
  const res = await fetch(`http://${pd.address}/pd/api/v1/${path}`);
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}


/**
 * The simulator's stores as TiKV towards a real PD v8.5.4: they bootstrap it, register and heartbeat, and carry
 * out what it schedules; brflow's clients then talk to the real PD and the simulated stores.
 */
describe('simulated stores joined to a real PD', () => {
  let pd: RealPd;
  let sim: SimulatorHandle;
  let conn: ClusterConnection;

  beforeAll(async () => {
    pd = await startRealPdForTest();
    sim = await startSimulator({ stores: 3, tidb: false, pd: { external: pd.address } });
    conn = await connectCluster({ pdEndpoints: [pd.address] });
  });
  afterAll(async () => {
    conn?.close();
    await sim?.stop();
    await pd?.stop();
  });

  it('bootstraps the real PD, which then lists the three stores Up with their addresses and version', async () => {
    const status = await pdGet<{ raft_bootstrap_time?: string }>(pd, 'cluster/status');
    expect(Date.parse(status.raft_bootstrap_time ?? '')).toBeGreaterThan(Date.now() - 60_000);
    // A TiKV registers as Preparing; PD's node-state check (every 10 s) makes a store of a small cluster Serving.
    const stores = await eventually(30_000, async () => {
      const body = await pdGet<{ stores: PdStoreJson[] }>(pd, 'stores');
      expect(body.stores.map((s) => s.store.state_name)).toEqual(['Up', 'Up', 'Up']);
      return body.stores;
    });
    expect(stores.map((s) => s.store.id).sort()).toEqual(sim.stores.map((s) => s.id).sort());
    for (const s of sim.stores) {
      const got = stores.find((x) => x.store.id === s.id)!;
      expect(got.store.address).toBe(s.address);
      expect(got.store.status_address).toBe(s.statusAddress);
      expect(got.store.version).toBe('8.5.0');
    }
    const viaClient = await conn.pd.getAllStores();
    expect(viaClient.map((s) => s.address).sort()).toEqual(sim.stores.map((s) => s.address).sort());
  }, 40_000);

  it('refuses to join a second set of stores to a PD that is already bootstrapped', async () => {
    await expect(startSimulator({ stores: 1, tidb: false, pd: { external: pd.address } })).rejects.toThrow(/already bootstrapped/);
  });

  it('carries out what the real PD schedules: three voters per region, its keyspace splits; brflow scans the result', async () => {
    await sim.waitForReplicas!(3, 30_000);
    await waitPdSettled(pd.address, sim);
    // PD counts the cluster initialized once the first region has max-replicas voters (or it was split).
    await eventually(10_000, async () => expect((await pdGet<{ is_initialized: boolean }>(pd, 'cluster/status')).is_initialized).toBe(true));
    const storeIds = sim.stores.map((s) => s.id).sort();
    const local = sim.state.regions();
    // PD v8.5 splits the new cluster at the keyspace boundaries (r…, x…) through split_region operators.
    expect(local.length).toBeGreaterThan(1);
    const regions = await scanAllRegions(conn.pd, new Uint8Array(0), new Uint8Array(0));
    expect(regions.map((r) => Number(r.region.id))).toEqual(local.map((r) => r.id));
    expect(regions[0]!.region.startKey).toHaveLength(0);
    expect(regions[regions.length - 1]!.region.endKey).toHaveLength(0);
    for (const [i, r] of regions.entries()) {
      const l = local[i]!;
      expect(Buffer.from(r.region.startKey)).toEqual(Buffer.from(l.startKey));
      expect(r.region.peers.map((p) => Number(p.storeId)).sort()).toEqual(storeIds);
      expect(r.region.peers.map((p) => p.role)).toEqual([0, 0, 0]);
      expect(Number(r.leader?.storeId)).toBe(l.leaderStoreId);
      expect(Number(r.region.regionEpoch?.confVer)).toBe(l.epoch.confVer);
    }
    // The added peers got the region's data by "snapshot": every store now holds a peer of every region.
    for (const id of storeIds) expect(local.every((r) => r.peers.some((p) => p.storeId === id))).toBe(true);
  }, 60_000);

  it('splits through AskBatchSplit and scatters with operators the real PD schedules', async () => {
    const before = await pdGet<{ count: number }>(pd, 'regions/count');
    const keys = Array.from({ length: 12 }, (_, i) => toHex(recordKey(100 + i, 0)));
    const res = await splitAndScatter(conn, keys);
    expect(res.newRegionIds).toHaveLength(12);
    expect(res.scatterFailed).toEqual([]);
    expect(res.scatterUnfinished).toEqual([]);
    // The real PD handed out the IDs: its view and the stores' agree region by region.
    const after = await pdGet<{ count: number }>(pd, 'regions/count');
    expect(after.count).toBe(before.count + 12);
    const local = new Map(sim.state.regions().map((r) => [String(r.id), r]));
    for (const id of res.newRegionIds) expect(local.has(id)).toBe(true);
    // Every region and peer ID the stores use came from PD's allocator: its next ID is above all of them.
    const pdIds = await PdStoreClient.connect(pd.address);
    try {
      const next = await pdIds.allocId();
      const used = [...local.values()].flatMap((r) => [r.id, ...r.peers.map((p) => p.id)]);
      expect(Math.max(...used)).toBeLessThan(next);
      expect(new Set(used).size).toBe(used.length);
    } finally {
      pdIds.close();
    }
    const seen = await scanAllRegions(conn.pd, new Uint8Array(0), new Uint8Array(0));
    expect(seen.map((r) => String(r.region.id)).sort()).toEqual([...local.keys()].sort());
    for (const r of seen) {
      const l = local.get(String(r.region.id))!;
      expect(Number(r.region.regionEpoch?.version)).toBe(l.epoch.version);
      expect(r.region.peers.map((p) => Number(p.storeId)).sort()).toEqual(l.peers.map((p) => p.storeId).sort());
      expect(Number(r.leader?.storeId)).toBe(l.leaderStoreId);
    }
    // With three stores and three replicas a scatter can only move leaders: PD spread the new regions' leaders.
    const leaders = new Set(res.newRegionIds.map((id) => local.get(id)!.leaderStoreId));
    expect(leaders.size).toBeGreaterThan(1);
  }, 120_000);
  it('applies concurrent splits of one region in order, as raft would: the one on a stale epoch gets EpochNotMatch', async () => {
    const key = (t: number) => Buffer.from(recordKey(t, 0));
    const info = (await conn.pd.getRegion(encodeBytes(recordKey(400, 0))))!;
    const leader = info.leader!;
    const address = sim.stores.find((s) => s.id === Number(leader.storeId))!.address;
    const ask = (t: number) =>
      tikvRpc(conn.channels, address).splitRegion({ context: { regionId: info.region.id, regionEpoch: info.region.regionEpoch, peer: leader }, splitKeys: [key(t)] });
    const answers = await Promise.all([400, 401, 402, 403, 404, 405, 406, 407].map(ask));
    const outcome = answers.map((a) => (a.regionError ? (a.regionError.epochNotMatch ? 'EpochNotMatch' : a.regionError.message) : 'split'));
    expect(outcome.sort()).toEqual(['EpochNotMatch', 'EpochNotMatch', 'EpochNotMatch', 'EpochNotMatch', 'EpochNotMatch', 'EpochNotMatch', 'EpochNotMatch', 'split']);
    // Both sides agree on the result: the real PD's view (from heartbeats) equals the stores'.
    const local = sim.state.regions();
    const seen = await eventually(5_000, async () => {
      const rs = await scanAllRegions(conn.pd, new Uint8Array(0), new Uint8Array(0));
      expect(rs.map((r) => Number(r.region.id))).toEqual(local.map((r) => r.id));
      return rs;
    });
    expect(seen.map((r) => Number(r.region.regionEpoch?.version))).toEqual(local.map((r) => r.epoch.version));
  }, 60_000);
});

describe('a real PD scattering over four simulated stores (and a TiFlash one)', () => {
  let pd: RealPd;
  let sim: SimulatorHandle;
  let conn: ClusterConnection;

  beforeAll(async () => {
    pd = await startRealPdForTest();
    sim = await startSimulator({ stores: 4, tiflashStores: 1, tidb: false, failoverOnStoreDown: true, pd: { external: pd.address } });
    conn = await connectCluster({ pdEndpoints: [pd.address] });
  });
  afterAll(async () => {
    conn?.close();
    await sim?.stop();
    await pd?.stop();
  });

  it('registers the TiFlash store with its label; PD places no TiKV peer on it and brflow leaves it out', async () => {
    await sim.waitForReplicas!(3, 30_000);
    const tiflash = sim.stores.find((s) => sim.state.isTiFlashStore(s.id))!;
    const body = await pdGet<{ stores: (PdStoreJson & { store: { labels?: { key: string; value: string }[] } })[] }>(pd, 'stores');
    expect(body.stores).toHaveLength(5);
    expect(body.stores.find((s) => s.store.id === tiflash.id)?.store.labels).toEqual([{ key: 'engine', value: 'tiflash' }]);
    expect((await conn.pd.getAllStores()).map((s) => Number(s.id)).sort()).toEqual(sim.stores.filter((s) => s.id !== tiflash.id).map((s) => s.id).sort());
    expect(sim.state.regions().some((r) => r.peers.some((p) => p.storeId === tiflash.id))).toBe(false);
  }, 60_000);

  it('moves peers of the new regions onto the fourth store, and the stores hold what PD reports', async () => {
    const keys = Array.from({ length: 24 }, (_, i) => toHex(recordKey(200 + i, 0)));
    const res = await splitAndScatter(conn, keys);
    expect(res.newRegionIds).toHaveLength(24);
    expect(res.scatterFailed).toEqual([]);
    expect(res.scatterUnfinished).toEqual([]);
    const local = new Map(sim.state.regions().map((r) => [String(r.id), r]));
    const fresh = res.newRegionIds.map((id) => local.get(id)!);
    // Split regions start on their parent's three stores; only the scatter's moves put peers on the fourth.
    const storesUsed = new Set(fresh.flatMap((r) => r.peers.map((p) => p.storeId)));
    expect(storesUsed.size).toBe(4);
    for (const r of fresh) expect(r.peers.map((p) => p.role ?? 'Voter')).toEqual(['Voter', 'Voter', 'Voter']);
    // PD keeps balancing after the scatter (a later move reaches PD by the next heartbeat), so each region's
    // stores are compared with the stores' state as it is when PD answers, until both agree.
    for (const id of res.newRegionIds) {
      await eventually(10_000, async () => {
        const seen = await conn.pd.getRegionById(BigInt(id));
        const now = sim.state.regions().find((x) => String(x.id) === id)!;
        expect(seen?.region.peers.map((p) => Number(p.storeId)).sort()).toEqual(now.peers.map((p) => p.storeId).sort());
        expect(Number(seen?.region.regionEpoch?.confVer)).toBe(now.epoch.confVer);
      });
    }
  }, 120_000);

  it('a store that goes down stops heartbeating; its regions, led by live peers now, reach PD with their new leaders', async () => {
    const victim = sim.state.regions()[0]!.leaderStoreId;
    const led = sim.state.regions().filter((r) => r.leaderStoreId === victim).map((r) => r.id);
    expect(led.length).toBeGreaterThan(0);
    const lastBeat = async (id: number) => (await pdGet<{ status: { last_heartbeat_ts: string } }>(pd, `store/${id}`)).status.last_heartbeat_ts;
    sim.faults.storeDown(victim);
    await new Promise((r) => setTimeout(r, 1500));
    const stoppedAt = await lastBeat(victim);
    const other = sim.stores.find((s) => s.id !== victim && !sim.state.isTiFlashStore(s.id))!.id;
    const otherAt = await lastBeat(other);
    await new Promise((r) => setTimeout(r, 2500));
    expect(await lastBeat(victim)).toBe(stoppedAt);
    expect(Date.parse(await lastBeat(other))).toBeGreaterThan(Date.parse(otherAt));
    await eventually(10_000, async () => {
      for (const id of led) {
        const seen = await conn.pd.getRegionById(BigInt(id));
        expect([id, Number(seen?.leader?.storeId)]).toEqual([id, sim.state.regionById(id)!.leaderStoreId]);
        expect(Number(seen?.leader?.storeId)).not.toBe(victim);
        // The new leaders report the peer on the down store as down.
        const onVictim = sim.state.regionById(id)!.peers.find((p) => p.storeId === victim);
        if (onVictim) {
          const http = await pdGet<{ down_peers?: { peer: { store_id: number } }[] }>(pd, `region/id/${id}`);
          expect(http.down_peers?.map((d) => d.peer.store_id)).toEqual([victim]);
        }
      }
    });
    sim.faults.storeUp(victim);
  }, 60_000);
});
