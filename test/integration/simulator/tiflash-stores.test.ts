import { status } from '@grpc/grpc-js';
import { connectCluster, type ClusterConnection } from '../../../src/cluster/cluster-connection';
import { DownloadRequest, SwitchMode, SwitchModeRequest } from '../../../src/proto/import_sstpb';
import { SplitRegionRequest } from '../../../src/proto/kvrpcpb';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/server';
import { call, grpcCode, importClient, tikvClient } from './support/grpc-clients';

/** Simulated TiFlash stores: in PD's store list, never a TiKV store to brflow, and they count any TiKV RPC they refuse. */
describe('TiFlash stores in the simulator', () => {
  let sim: SimulatorHandle;
  let conn: ClusterConnection;

  beforeEach(async () => {
    sim = await startSimulator({ stores: 2, tiflashStores: 2, pdMembers: 1 });
    conn = await connectCluster({ pdEndpoints: sim.pdAddresses });
  });

  afterEach(async () => {
    conn?.close();
    await sim?.stop();
  });

  it('are counted as TiFlash by the real PD client (tombstones left out) and not listed as TiKV stores', async () => {
    expect((await conn.pd.getAllStores()).map((s) => Number(s.id))).toEqual([1, 2]);
    expect(await conn.pd.countTiFlashStores()).toBe(2);
    sim.state.setStoreState(4, 'Tombstone');
    expect(await conn.pd.countTiFlashStores()).toBe(1);
  });

  it('refuse ImportSST and Tikv calls with UNIMPLEMENTED, change nothing, and count each call', async () => {
    const tiflash = sim.stores.find((s) => s.id === 3)!;
    const imp = importClient(tiflash.address);
    const kv = tikvClient(tiflash.address);
    try {
      expect(await grpcCode(call(imp.switchMode.bind(imp), SwitchModeRequest.fromPartial({ mode: SwitchMode.Import })))).toBe(status.UNIMPLEMENTED);
      expect(await grpcCode(call(imp.download.bind(imp), DownloadRequest.fromPartial({})))).toBe(status.UNIMPLEMENTED);
      expect(await grpcCode(call(kv.splitRegion.bind(kv), SplitRegionRequest.fromPartial({})))).toBe(status.UNIMPLEMENTED);
    } finally {
      imp.close();
      kv.close();
    }
    expect(sim.state.mode(3)).toBe('Normal');
    expect(sim.state.counters().tiflashRpcs).toEqual({ '3/SwitchMode': 1, '3/Download': 1, '3/SplitRegion': 1 });
    // The TiKV stores still serve.
    const ok = importClient(sim.stores[0]!.address);
    try {
      await call(ok.switchMode.bind(ok), SwitchModeRequest.fromPartial({ mode: SwitchMode.Import }));
    } finally {
      ok.close();
    }
    expect(sim.state.mode(1)).toBe('Import');
  });
});
