import { ClusterError } from '../../../src/cluster/errors';
import { GrpcChannels } from '../../../src/cluster/grpc-channel';
import { setSpeedLimitAllStores, supportsMultiIngest, switchModeAllStores, SwitchMode } from '../../../src/cluster/import-sst';
import { connectPd, type PdClient } from '../../../src/cluster/pd';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/server';

/** ImportSST admin calls on every TiKV store: import mode, speed limit, MultiIngest detection, failures. */
describe('store admin over ImportSST', () => {
  let sim: SimulatorHandle;
  let pd: PdClient;
  const channels = new GrpcChannels();

  beforeAll(async () => {
    sim = await startSimulator({ stores: 3, tiflashStores: 1 });
    pd = await connectPd({ endpoints: sim.pdAddress });
  });
  afterAll(async () => {
    channels.close();
    pd.close();
    await sim.stop();
  });
  beforeEach(() => sim.faults.clear());

  const modes = () => sim.inspector.snapshot().stores.map((s) => [s.id, s.mode, s.labels.some((l) => l.value === 'tiflash')] as const);

  it('switches every TiKV store (not TiFlash) to Import and back to Normal', async () => {
    const stores = await pd.getAllStores();
    await switchModeAllStores(channels, stores, SwitchMode.Import);
    for (const [, mode, tiflash] of modes()) expect(mode).toBe(tiflash ? 'Normal' : 'Import');
    await switchModeAllStores(channels, stores, SwitchMode.Normal);
    await switchModeAllStores(channels, stores, SwitchMode.Normal); // idempotent
    for (const [, mode] of modes()) expect(mode).toBe('Normal');
  });

  it('sets and clears the per-store download speed limit', async () => {
    const stores = await pd.getAllStores();
    await setSpeedLimitAllStores(channels, stores, 8 * 1024 * 1024);
    for (const s of sim.inspector.snapshot().stores.filter((x) => stores.some((y) => Number(y.id) === x.id))) expect(s.speedLimit).toBe(8 * 1024 * 1024);
    await setSpeedLimitAllStores(channels, stores, 0);
    for (const s of sim.inspector.snapshot().stores) expect(s.speedLimit).toBe(0);
  });

  it('retries a store that is briefly UNAVAILABLE', async () => {
    const stores = await pd.getAllStores();
    sim.faults.injectUnavailable({ rpc: 'SwitchMode', count: 2, target: Number(stores[1]!.id) });
    await switchModeAllStores(channels, stores, SwitchMode.Import);
    for (const [, mode, tiflash] of modes()) expect(mode).toBe(tiflash ? 'Normal' : 'Import');
    await switchModeAllStores(channels, stores, SwitchMode.Normal);
  });

  it('reports a down store by id and address after its retries, having switched the others', async () => {
    const stores = await pd.getAllStores();
    const down = stores[2]!;
    sim.faults.storeDown(Number(down.id));
    const e = await switchModeAllStores(channels, stores, SwitchMode.Import).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ClusterError);
    expect((e as ClusterError).message).toContain(`store ${down.id} (${down.address})`);
    expect((e as ClusterError).retryable).toBe(true);
    const byId = new Map(sim.inspector.snapshot().stores.map((s) => [s.id, s.mode]));
    expect(byId.get(Number(stores[0]!.id))).toBe('Import');
    sim.faults.storeUp(Number(down.id));
    await switchModeAllStores(channels, stores, SwitchMode.Normal);
  });

  it('detects MultiIngest support', async () => {
    expect(await supportsMultiIngest(channels, await pd.getAllStores())).toBe(true);
  });
});
