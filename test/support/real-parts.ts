import { startRealPd, type RealPd } from '../../src/local-stack/real-pd';
import { startRealTidb, type RealTidb } from '../../src/local-stack/real-tidb';
import type { TidbConnectionConfig } from '../../src/cluster/tidb-config';

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
