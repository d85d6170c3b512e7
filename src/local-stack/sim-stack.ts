import { startSimulator, type SimulatorHandle, type SimulatorOptions } from '../simulator/server';
import { startRealPd } from './real-pd';
import { startRealTidb } from './real-tidb';

/** Which PD the simulated stores report to: the simulator's own, a real PD started here, or a running (fresh) PD. */
export type SimPdChoice = { kind: 'simulated' } | { kind: 'real' } | { kind: 'external'; address: string };
/** Which TiDB answers SQL: the simulator's front, a real `tidb-server -store unistore` started here, or none. */
export type SimTidbChoice = 'simulated' | 'real' | 'none';

export interface SimStackOptions extends Omit<SimulatorOptions, 'pd' | 'tidb'> {
  pd: SimPdChoice;
  tidb: SimTidbChoice;
  /** With a real PD: how long to wait for its replica checker to give the first regions their voters. @default 60000 */
  replicaWaitMs?: number;
}

export interface SimStack {
  sim: SimulatorHandle;
  /** What brflow's worker is given as --pd. */
  pdEndpoints: string[];
  /** host:port of the PD HTTP API (real or simulated). */
  pdHttpAddress: string;
  /** Whether PD is a real pd-server (its state is read over its HTTP API, not the simulator's inspector). */
  realPd: boolean;
  tidb?: { address: string; statusAddress: string };
  stop(): Promise<void>;
}

/**
 * The simulator with a choice of real parts: its stores report to a real PD (started here from shared/real-parts
 * or given) and/or the schema goes to a real TiDB on unistore. Data always lives in the simulated stores.
 */
export async function startSimStack(opts: SimStackOptions): Promise<SimStack> {
  const { pd, tidb, replicaWaitMs, ...simOpts } = opts;
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
    stops.length = 0;
  };
  try {
    let pdAddress: string | undefined;
    if (pd.kind === 'real') {
      const real = await startRealPd();
      stops.push(() => real.stop());
      pdAddress = real.address;
    } else if (pd.kind === 'external') pdAddress = pd.address;
    let realTidb: { address: string; statusAddress: string } | undefined;
    if (tidb === 'real') {
      const t = await startRealTidb();
      stops.push(() => t.stop());
      realTidb = { address: t.address, statusAddress: t.statusAddress };
    }
    const sim = await startSimulator({
      ...simOpts,
      ...(pdAddress ? { pd: { external: pdAddress } } : {}),
      ...(tidb === 'simulated' ? {} : { tidb: false as const }),
    });
    stops.push(() => sim.stop());
    // PD's replica checker brings the first regions to max-replicas (3) voters within seconds; a scatter before
    // that is refused ("not fully replicated").
    if (sim.waitForReplicas) await sim.waitForReplicas(Math.min(3, sim.stores.length), replicaWaitMs ?? 60_000);
    const tidbAddrs = realTidb ?? sim.tidb;
    return {
      sim,
      pdEndpoints: sim.pdAddresses,
      pdHttpAddress: sim.pdAddress,
      realPd: pdAddress !== undefined,
      ...(tidbAddrs ? { tidb: tidbAddrs } : {}),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** What a real PD shows of a restore's footprint: paused schedulers, TTL config overrides, brflow safepoints. */
export interface RealPdFootprint {
  pausedSchedulers: string[];
  /** Keys under /config/ttl in PD's etcd (read through its grpc-gateway on the client port). */
  ttlOverrides: string[];
  brflowSafePoints: string[];
}

export async function realPdFootprint(pdAddress: string): Promise<RealPdFootprint> {
  const base = `http://${pdAddress}`;
  const paused = (await (await fetch(`${base}/pd/api/v1/schedulers?status=paused`)).json()) as string[];
  const sp = (await (await fetch(`${base}/pd/api/v1/gc/safepoint`)).json()) as { service_gc_safe_points?: { service_id: string }[] };
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const ttl = (await (await fetch(`${base}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: b64('/config/ttl/'), range_end: b64('/config/ttl0'), keys_only: true }) })).json()) as { kvs?: { key: string }[] };
  return {
    pausedSchedulers: paused,
    ttlOverrides: (ttl.kvs ?? []).map((kv) => Buffer.from(kv.key, 'base64').toString()),
    brflowSafePoints: (sp.service_gc_safe_points ?? []).map((s) => s.service_id).filter((id) => id.startsWith('brflow')),
  };
}
