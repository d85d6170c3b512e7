import { startRealPd, type RealPd } from '../../src/local-stack/real-pd';
import { startRealTidb, type RealTidb } from '../../src/local-stack/real-tidb';
import { publicIndexes } from '../../src/plan/table-info-read';
import type { TableInfo } from '../../src/plan/table-info';
import { TidbClient } from '../../src/cluster/tidb';
import type { TidbConnectionConfig } from '../../src/cluster/tidb-config';
import { TidbSchemaControl } from '../../src/cluster/tidb-schema-control';
import type { RestorePlan } from '../../src/plan/restore-plan';
import type { SimStack } from '../../src/local-stack/sim-stack';
import type { ClusterTarget } from '../../src/worker/cluster-deps';
import { schedulingView, type SimCluster } from './sim-cluster';
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

/** A table's TableInfo as a real TiDB's status API shows it (`GET /schema/<db>/<table>`). */
export async function realTableInfo(t: RealTidb, db: string, table: string): Promise<TableInfo> {
  const res = await fetch(`http://${t.statusAddress}/schema/${db}/${table}`);
  if (!res.ok) throw new Error(`GET /schema/${db}/${table}: ${res.status}`);
  return (await res.json()) as TableInfo;
}

/** Creates a plan's databases, then its tables, on a real TiDB through brflow's production schema control. */
export async function recreateOnRealTidb(t: RealTidb, plan: RestorePlan): Promise<void> {
  const client = new TidbClient(realTidbConfig(t));
  try {
    const control = new TidbSchemaControl(client);
    for (const d of plan.databases) await control.createDatabase(d);
    for (const tbl of plan.tables) await control.createTable(tbl);
  } finally {
    await client.close();
  }
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
    await waitPdSettled(pd.address, handle);
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

/**
 * Waits until the real PD runs no operator and knows as many regions as the simulated stores hold, twice in a
 * row: what it schedules by itself after bootstrap (replicas, its keyspace splits) is done, so region counts
 * a test compares are not moved by it.
 */
export async function waitPdSettled(pdAddress: string, sim: SimulatorHandle, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let calm = 0;
  for (;;) {
    const ops = (await (await fetch(`http://${pdAddress}/pd/api/v1/operators`)).json()) as unknown[] | null;
    const count = ((await (await fetch(`http://${pdAddress}/pd/api/v1/regions/count`)).json()) as { count: number }).count;
    calm = (ops ?? []).length === 0 && count === sim.state.regions().length ? calm + 1 : 0;
    if (calm >= 2) return;
    if (Date.now() > until) throw new Error(`PD at ${pdAddress} did not settle in ${timeoutMs} ms: ${(ops ?? []).length} operators, ${count} regions vs ${sim.state.regions().length} on the stores`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/**
 * The parts of a TableInfo a restore must carry over, for comparing what a real TiDB holds with the backup:
 * columns and indexes with their IDs, the row handle, the partitioning (partition IDs are new by design).
 */
export function restoredShape(t: TableInfo) {
  return {
    cols: [...t.cols].sort((a, b) => a.offset - b.offset).map((c) => [c.name.O, c.id]),
    indexes: publicIndexes(t).map((i) => [i.idx_name.O, i.id]).sort(),
    handle: t.pk_is_handle ? 'int' : t.is_common_handle ? 'clustered' : 'rowid',
    partition: t.partition ? { type: t.partition.type, names: t.partition.definitions.map((d) => d.name.O) } : null,
  };
}

/**
 * The SimCluster view of a sim stack with a real TiDB (`startSimStack({ tidb: 'real' })`): the target brflow's
 * worker is given (its PD, the real TiDB as root without a password, as tidb-server starts) and the stores.
 */
export function realStackCluster(stack: SimStack): SimCluster {
  if (!stack.tidb) throw new Error('the sim stack has no real TiDB: start it with tidb: \'real\'');
  const [host, port] = stack.tidb.address.split(':') as [string, string];
  const target: ClusterTarget = { pdEndpoints: stack.pdEndpoints, tidb: { host, port: Number(port), statusAddress: stack.tidb.statusAddress, user: 'root', password: '' } };
  return { sim: stack.sim, target, baseline: schedulingView(stack.sim) };
}
