import { startRealPd, type RealPd } from '../../src/local-stack/real-pd';
import { startRealTidb, type RealTidb } from '../../src/local-stack/real-tidb';
import type { TidbConnectionConfig } from '../../src/cluster/tidb-config';
import { startSimulator, type SimulatorHandle, type SimulatorOptions } from '../../src/simulator/server';

/**
 * The real servers from shared/real-parts, started per test file (each in ~1.5 s): a test that mutates PD
 * (bootstrap, schedulers) or TiDB's catalog owns its servers, so files never see each other's state.
 */
export async function startRealPdForTest(): Promise<RealPd> {
  return startRealPd();
}

export async function startRealTidbForTest(): Promise<RealTidb> {
  return startRealTidb();
}

/** brflow's TiDB connection config for a real TiDB started here (root, no password, as tidb-server starts). */
export function realTidbConfig(t: RealTidb): TidbConnectionConfig {
  const [host, port] = t.address.split(':') as [string, string];
  return { host, port: Number(port), statusAddress: t.statusAddress, user: 'root', password: '' };
}

/**
 * A real PD bootstrapped by the simulator's stores (`startSimulator({ pd: { external } })`), with its first
 * regions replicated to min(3, stores) voters: what GC safepoints, schedulers and regions need on a real PD.
 * Stop the simulator before the PD (stop() does).
 */
export async function startBootstrappedRealPd(sim: Omit<SimulatorOptions, 'pd'> = {}): Promise<{ pd: RealPd; sim: SimulatorHandle; stop(): Promise<void> }> {
  const pd = await startRealPd();
  let handle: SimulatorHandle | undefined;
  try {
    handle = await startSimulator({ stores: 3, tidb: false, ...sim, pd: { external: pd.address } });
    await handle.waitForReplicas!(Math.min(3, handle.stores.length), 60_000);
  } catch (e) {
    await handle?.stop();
    await pd.stop();
    throw e;
  }
  const s = handle;
  return {
    pd,
    sim: s,
    async stop() {
      await s.stop();
      await pd.stop();
    },
  };
}
