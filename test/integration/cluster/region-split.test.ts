import { connectCluster, type ClusterConnection } from '../../../src/cluster/cluster-connection';
import { ClusterError } from '../../../src/cluster/errors';
import { SPLIT_CHECK_RETRY } from '../../../src/cluster/backoff';
import { splitAndScatter, waitRegionsVisible } from '../../../src/cluster/region-split';
import { encodeBytes, indexPrefix, recordKey, recordPrefix, toHex } from '../../../src/plan/keys';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/server';

/** Split at raw keys on the leaders, wait for PD, scatter; region errors from TiKV make it rescan and finish. */
describe('splitAndScatter', () => {
  let sim: SimulatorHandle;
  let conn: ClusterConnection;

  beforeEach(async () => {
    sim = await startSimulator({ stores: 3, scatterPolls: 2 });
    conn = await connectCluster({ pdEndpoints: sim.pdAddress });
  });
  afterEach(async () => {
    conn.close();
    await sim.stop();
  });

  const boundaries = () => new Set(sim.inspector.snapshot().regions.map((r) => r.startKey));
  const keysOf = (table: number) => [
    toHex(recordPrefix(table)),
    toHex(recordKey(table, 1000)),
    toHex(recordKey(table, 2000)),
    toHex(indexPrefix(table, 1)),
  ];

  it('makes every key a region boundary, scatters the new regions, and is a no-op the second time', async () => {
    const keys = keysOf(100);
    const res = await splitAndScatter(conn, keys);
    expect(res.newRegionIds.length).toBe(keys.length);
    expect(res.scatterUnfinished).toEqual([]);
    const b = boundaries();
    for (const k of keys) expect(b.has(toHex(encodeBytes(Buffer.from(k, 'hex'))))).toBe(true);
    // Scatter ran to completion for every new region: PD has no running operator on them.
    for (const id of res.newRegionIds) expect(await conn.pd.getOperator(BigInt(id)).then((o) => o?.status !== 4)).toBe(true);
    const again = await splitAndScatter(conn, keys);
    expect(again.newRegionIds).toEqual([]);
    expect(sim.inspector.snapshot().regions.length).toBe(keys.length + 1);
  });

  it('splits of batches in flight at once take turns: each goes through in one round, none meets the region another just split', async () => {
    const tables = [101, 102, 103, 104, 105, 106, 107, 108];
    // Every table's keys lie in the one region of a fresh cluster: split at once, all but one used to get
    // EpochNotMatch and scan again after SPLIT_RETRY's backoff.
    const results = await Promise.all(tables.map((t) => splitAndScatter(conn, keysOf(t))));
    expect(results.map((r) => r.rounds)).toEqual(tables.map(() => 1));
    const b = boundaries();
    for (const t of tables) for (const k of keysOf(t)) expect(b.has(toHex(encodeBytes(Buffer.from(k, 'hex'))))).toBe(true);
    expect(sim.inspector.snapshot().regions.length).toBe(tables.length * 4 + 1);
    expect(results.flatMap((r) => r.scatterUnfinished)).toEqual([]);
  });

  it('splits many keys of one region in several SplitRegion batches, each against the region (and epoch) the previous batch left', async () => {
    const keys = [...keysOf(600), toHex(recordKey(600, 3000)), toHex(recordKey(600, 4000)), toHex(recordKey(600, 5000))];
    const res = await splitAndScatter(conn, keys, { batchKeys: 2 });
    expect(res.rounds).toBe(1);
    expect(res.newRegionIds.length).toBe(keys.length);
    for (const k of keys) expect(boundaries().has(toHex(encodeBytes(Buffer.from(k, 'hex'))))).toBe(true);
  });

  it.each(['NotLeader', 'ServerIsBusy'] as const)('retries SplitRegion on %s without rescanning', async (kind) => {
    sim.faults.injectRegionError({ rpc: 'SplitRegion', kind, count: 1 });
    const keys = keysOf(200);
    const res = await splitAndScatter(conn, keys);
    expect(res.rounds).toBe(1);
    expect(sim.faults.snapshot().regionErrors).toEqual([]);
    for (const k of keys) expect(boundaries().has(toHex(encodeBytes(Buffer.from(k, 'hex'))))).toBe(true);
  });

  it.each(['EpochNotMatch', 'RegionNotFound', 'KeyNotInRegion', 'Other'] as const)('rescans after %s and still splits every key', async (kind) => {
    sim.faults.injectRegionError({ rpc: 'SplitRegion', kind, count: 1 });
    const keys = keysOf(300);
    const res = await splitAndScatter(conn, keys);
    expect(res.rounds).toBe(2);
    for (const k of keys) expect(boundaries().has(toHex(encodeBytes(Buffer.from(k, 'hex'))))).toBe(true);
    expect(sim.inspector.snapshot().regions.length).toBe(keys.length + 1);
  });

  it('scatters one by one when PD lacks the batch ScatterRegion', async () => {
    let batchCalls = 0;
    // An old PD answers the batch form with UNIMPLEMENTED.
    conn.pd.scatterRegions = async () => {
      batchCalls++;
      throw new ClusterError(sim.pdAddress, 'PD ScatterRegion(batch)', { kind: 'unimplemented', retryable: false, detail: 'old PD' });
    };
    const res = await splitAndScatter(conn, keysOf(700));
    expect(batchCalls).toBeGreaterThan(0);
    expect(res.scatterFailed).toEqual([]);
    for (const id of res.newRegionIds) {
      const op = await conn.pd.getOperator(BigInt(id));
      expect(op?.desc).toBe('scatter-region');
    }
  });

  it('every new region gets a scatter operator through the batch form', async () => {
    const res = await splitAndScatter(conn, keysOf(800));
    for (const id of res.newRegionIds) expect((await conn.pd.getOperator(BigInt(id)))?.desc).toBe('scatter-region');
  });

  it('rescatters the regions a PD v8.5.4 batch left out, though it names none of them (finished_percentage < 100 only)', async () => {
    // PD placed operators for one region of the batch; v8.5.4 says so only through finished_percentage.
    sim.state.batchScatterLimit = 1;
    const res = await splitAndScatter(conn, keysOf(900));
    expect(res.newRegionIds.length).toBe(4);
    expect(res.scatterFailed).toEqual([]);
    for (const id of res.newRegionIds) expect((await conn.pd.getOperator(BigInt(id)))?.desc).toBe('scatter-region');
  });

  it('does not scatter on a cluster with fewer TiKV stores than max-replicas (BR skips it too): PD would refuse every region', async () => {
    const small = await startSimulator({ stores: 1, pdMembers: 1, tidb: false });
    const c = await connectCluster({ pdEndpoints: small.pdAddress });
    try {
      const res = await splitAndScatter(c, keysOf(950));
      expect(res.newRegionIds.length).toBe(4);
      expect(res.scatterSkipped).toBe(true);
      expect(res.scatterFailed).toEqual([]);
      for (const id of res.newRegionIds) expect(await c.pd.getOperator(BigInt(id))).toBeUndefined();
    } finally {
      c.close();
      await small.stop();
    }
  });

  it('goes on when PD keeps refusing to scatter, reporting the regions left unscattered', async () => {
    const quick = await connectCluster({ pdEndpoints: sim.pdAddress, pd: { retry: { name: 't', attempts: 2, initialMs: 1, maxMs: 1 } } });
    try {
      sim.faults.injectUnavailable({ rpc: 'ScatterRegion', count: 1000, target: 'pd' });
      const keys = keysOf(500);
      const res = await splitAndScatter(quick, keys);
      expect(res.scatterFailed.map((f) => f.regionId).sort()).toEqual([...res.newRegionIds].sort());
      expect(res.scatterFailed[0]?.error).toContain('PD ScatterRegion');
      for (const k of keys) expect(boundaries().has(toHex(encodeBytes(Buffer.from(k, 'hex'))))).toBe(true);
    } finally {
      sim.faults.clear();
      quick.close();
    }
  });

  it('survives a leader store being UNAVAILABLE once and PD failing the wait for the new regions once', async () => {
    const leader = sim.state.regions()[0]!.leaderStoreId;
    sim.faults.injectUnavailable({ rpc: 'SplitRegion', count: 1, target: leader });
    const keys = keysOf(400);
    // The first ScanRegions is the split round's own; the fault lands on the wait for the new regions after it.
    const realScan = conn.pd.scanRegions.bind(conn.pd);
    let scans = 0;
    conn.pd.scanRegions = async (s, e, l) => {
      if (++scans === 2) sim.faults.injectUnavailable({ rpc: 'ScanRegions', count: 1, target: 'pd' });
      return realScan(s, e, l);
    };
    await splitAndScatter(conn, keys);
    expect(sim.faults.snapshot().fired['ScanRegions']).toBe(1);
    for (const k of keys) expect(boundaries().has(toHex(encodeBytes(Buffer.from(k, 'hex'))))).toBe(true);
  });

  it('asks PD whether the new regions of a split are known with one ScanRegions, not one GetRegionByID per region', async () => {
    const keys = [...keysOf(700), ...keysOf(701), ...keysOf(702)];
    const before = sim.inspector.snapshot().rpcCalls;
    const res = await splitAndScatter(conn, keys);
    const after = sim.inspector.snapshot().rpcCalls;
    const delta = (rpc: string) => (after[rpc] ?? 0) - (before[rpc] ?? 0);
    expect(res.newRegionIds.length).toBe(keys.length);
    expect(res.rounds).toBe(1);
    // The round's scan of the keys' span, then one scan over the 12 new regions.
    expect(delta('ScanRegions')).toBe(2);
    expect(delta('GetRegionByID')).toBe(0);
    expect(delta('SplitRegion')).toBe(1);
  });

  it('waits until PD lists every region a split created, and gives up naming the one it never reported', async () => {
    const res = await splitAndScatter(conn, keysOf(800));
    const regions = sim.state.regions().filter((r) => res.newRegionIds.includes(String(r.id)));
    expect(regions.length).toBe(4);
    const created = regions.map((r) => ({ id: BigInt(r.id), startKey: r.startKey, endKey: r.endKey }));
    await expect(waitRegionsVisible(conn, created, { sleep: async () => undefined })).resolves.toBeUndefined();
    const ghost = { ...created[0]!, id: 999_999n };
    let sleeps = 0;
    const err = await waitRegionsVisible(conn, [...created, ghost], { sleep: async () => void sleeps++ }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterError);
    expect(String((err as Error).message)).toContain('new region 999999 not reported yet');
    expect(sleeps).toBe(SPLIT_CHECK_RETRY.attempts - 1);
  });

  it('tells onWaiting the address it waits on while the leader store is down, and when the wait ends', async () => {
    const leader = sim.state.regions()[0]!.leaderStoreId;
    sim.faults.storeDown(leader);
    const seen: Array<string | undefined> = [];
    // The store comes back while the split loop backs off (no real sleep).
    let tries = 0;
    const sleep = async (): Promise<void> => {
      if (++tries === 5) sim.faults.storeUp(leader);
    };
    const keys = keysOf(500);
    await splitAndScatter(conn, keys, { sleep, onWaiting: (w) => seen.push(w?.address) });
    expect(seen).toEqual([sim.state.stores().find((s) => s.id === leader)!.address, undefined]);
    for (const k of keys) expect(boundaries().has(toHex(encodeBytes(Buffer.from(k, 'hex'))))).toBe(true);
  });
});
