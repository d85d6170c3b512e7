import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { ClusterLease } from '../activities/cluster-router';
import type { ActivityDeps } from '../activities/deps';
import { parsePdEndpoints } from '../cluster/pd-address';
import { TIDB_DEFAULT_PORT, TIDB_DEFAULT_STATUS_PORT, parseHostPort, type TidbConnectionConfig } from '../cluster/tidb-config';
import { readTlsSetting, type TlsOptions } from '../cluster/tls';
import { BrflowError, ErrorType } from '../plan/error-types';
import type { ClusterRef, ClusterTlsPaths } from '../workflows/types';
import { connectClusterDeps, type ClusterDeps, type ClusterTarget } from './cluster-deps';

export interface ClusterPoolOptions {
  /** The worker's own cluster (from its environment); restores whose input names no cluster go there. */
  home?: ClusterTarget;
  /**
   * Connection settings for clusters named by restore inputs: user, password, TLS and timeouts come from here
   * (the worker's environment) unless the input names a user or a password file.
   */
  tidbDefaults: TidbConnectionConfig;
  /**
   * TLS towards PD and TiKV of a cluster named by a restore input without its own `cluster.tls` (the worker's
   * BRFLOW_CLUSTER_CA/CERT/KEY). Absent: plain text.
   */
  tlsDefault?: TlsOptions;
  /** Replaceable in tests. */
  connect?: (target: ClusterTarget) => Promise<ClusterDeps>;
  /**
   * A connection set of a cluster named by an input is closed once no lease has been open on it for this long
   * (the worker's own cluster never is); 0 = never. @default 0
   */
  idleCloseMs?: number;
  /** Time and the sweep timer; replaceable in tests. @default the process clock, an unref'd setInterval */
  clock?: PoolClock;
  /** Where closing an idle set (and a failure to) is told; pino's Logger fits. */
  log?: PoolLog;
}

/** The pool's view of time: `every` starts a repeating timer and returns its stop. */
export interface PoolClock {
  now(): number;
  every(ms: number, fn: () => void): () => void;
}

/** The two levels the pool logs at. */
export interface PoolLog {
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
}

/** One connection set in the pool; `leases` counts activities using it, `idleSince` the last release. */
interface PoolEntry {
  conn: Promise<ClusterDeps>;
  /**
   * What logs say about it: addresses only (the key also holds the password file path and TLS paths); 'home' is
   * the worker's own cluster, never closed for idleness.
   */
  describe: { pd: string[]; tidb: string } | 'home';
  leases: number;
  idleSince: number;
}

const isHome = (e: PoolEntry): boolean => e.describe === 'home';

/** How often idle sets are looked for, as a share of the idle time (a set closes within 1¼ of it). */
const SWEEPS_PER_IDLE_TIME = 4;
const SWEEP_MIN_MS = 100;
const SWEEP_MAX_MS = 60_000;

const processClock: PoolClock = {
  now: () => Date.now(),
  every(ms, fn) {
    const t = setInterval(fn, ms);
    // The sweep alone must never keep a stopping worker (or a test) alive.
    t.unref();
    return () => clearInterval(t);
  },
};

/**
 * One connection set (PD, TiKV channels, TiDB pool) per target cluster, opened on first use: every activity
 * of every restore into that cluster shares it. Activities hold it through a lease; a set of a cluster named by
 * an input that stays without a lease for `idleCloseMs` is closed and forgotten (scheduled test restores target
 * a fresh cluster every day: the sets of clusters that are gone must not pile up), and the next activity naming
 * that cluster connects again. A failed connect is forgotten so the activity's retry connects again.
 */
export class ClusterPool {
  private readonly open = new Map<string, PoolEntry>();
  private readonly connect: (target: ClusterTarget) => Promise<ClusterDeps>;
  private readonly idleCloseMs: number;
  private readonly clock: PoolClock;
  private stopSweep: (() => void) | undefined;
  /** Closes the sweep started and close() waits for. */
  private readonly closing = new Set<Promise<void>>();

  constructor(private readonly opts: ClusterPoolOptions) {
    this.connect = opts.connect ?? connectClusterDeps;
    this.idleCloseMs = opts.idleCloseMs ?? 0;
    if (!Number.isInteger(this.idleCloseMs) || this.idleCloseMs < 0) throw new RangeError(`ClusterPool idleCloseMs ${this.idleCloseMs} is not a whole number ≥ 0`);
    this.clock = opts.clock ?? processClock;
  }

  /**
   * The deps for `ref` (the worker's own cluster when undefined), held until `release`: call it in a `finally`
   * once the activity that uses them has ended.
   */
  async lease(ref: ClusterRef | undefined): Promise<ClusterLease> {
    const key = ref === undefined ? 'home' : JSON.stringify([ref.pd, ref.tidb, ref.tidbStatus ?? '', ref.tidbUser ?? '', ref.tidbPasswordFile ?? '', ref.tls ?? null, ref.tidbTls ?? true]);
    let entry = this.open.get(key);
    if (!entry) {
      const conn = this.targetOf(ref).then((t) => this.connect(t));
      const created: PoolEntry = { conn, describe: ref === undefined ? 'home' : { pd: ref.pd, tidb: ref.tidb }, leases: 0, idleSince: this.clock.now() };
      entry = created;
      this.open.set(key, created);
      conn.catch(() => {
        if (this.open.get(key) === created) this.open.delete(key);
      });
      if (!isHome(created)) this.startSweep();
    }
    // Counted before the connect settles, so a sweep never closes a set an activity is waiting for.
    const held = entry;
    held.leases++;
    let deps: ActivityDeps;
    try {
      deps = (await held.conn).deps;
    } catch (e) {
      this.releaseOne(held);
      throw e;
    }
    let released = false;
    return {
      deps,
      release: () => {
        if (released) return;
        released = true;
        this.releaseOne(held);
      },
    };
  }

  /**
   * Closes and forgets every set of a cluster named by an input that has had no open lease for `idleCloseMs`.
   * Runs on the pool's timer; a close failure is logged (the set is gone from the pool either way).
   */
  sweep(): void {
    if (this.idleCloseMs === 0) return;
    const now = this.clock.now();
    for (const [key, e] of this.open) {
      if (isHome(e) || e.leases > 0 || now - e.idleSince < this.idleCloseMs) continue;
      this.open.delete(key);
      const idleMs = now - e.idleSince;
      const closing: Promise<void> = e.conn.then(
        async (d) => {
          try {
            await d.close();
            this.opts.log?.info({ cluster: e.describe, idleMs }, 'closed the connections of an idle cluster');
          } catch (err) {
            this.opts.log?.warn({ cluster: e.describe, err: String(err) }, 'closing the connections of an idle cluster failed; they are dropped from the pool');
          }
        },
        // A failed connect is no set: nothing to close.
        () => undefined,
      ).finally(() => this.closing.delete(closing));
      this.closing.add(closing);
    }
    if (![...this.open.values()].some((e) => !isHome(e))) this.stopSweeping();
  }

  /** Closes every set, leased or not (the worker is stopping). */
  async close(): Promise<void> {
    this.stopSweeping();
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.all([...all.map((e) => e.conn.then((d) => d.close(), () => undefined)), ...this.closing]);
  }

  private releaseOne(e: PoolEntry): void {
    e.leases--;
    if (e.leases === 0) e.idleSince = this.clock.now();
  }

  /** The timer runs only while the pool holds a set that may be closed. */
  private startSweep(): void {
    if (this.idleCloseMs === 0 || this.stopSweep) return;
    const every = Math.min(SWEEP_MAX_MS, Math.max(SWEEP_MIN_MS, Math.floor(this.idleCloseMs / SWEEPS_PER_IDLE_TIME)));
    this.stopSweep = this.clock.every(every, () => this.sweep());
  }

  private stopSweeping(): void {
    this.stopSweep?.();
    this.stopSweep = undefined;
  }

  private async targetOf(ref: ClusterRef | undefined): Promise<ClusterTarget> {
    if (ref === undefined) {
      if (!this.opts.home) {
        throw new BrflowError(ErrorType.InvalidInput, 'the restore names no cluster and this worker has none of its own (BRFLOW_PD_ADDRESSES is unset): add "cluster": {"pd": ["host:2379"], "tidb": "host:4000"} to the input, or set BRFLOW_PD_ADDRESSES and BRFLOW_TIDB_ADDRESS on the worker');
      }
      return this.opts.home;
    }
    const d = this.opts.tidbDefaults;
    const sql = parseHostPort(ref.tidb, 'cluster.tidb', TIDB_DEFAULT_PORT);
    const bracket = (h: string) => (h.includes(':') ? `[${h}]` : h);
    const status = ref.tidbStatus ? parseHostPort(ref.tidbStatus, 'cluster.tidbStatus', TIDB_DEFAULT_STATUS_PORT) : { host: sql.host, port: TIDB_DEFAULT_STATUS_PORT };
    // The input's TLS serves PD, TiKV and TiDB (SQL and status), as BR's one --ca/--cert/--key does.
    const tls = ref.tls ? readInputTls(ref.tls) : this.opts.tlsDefault;
    const tidb: TidbConnectionConfig = {
      ...d,
      ...(ref.tls && tls ? { tls, statusTls: tls } : {}),
      // The SQL port in plain text while the status port keeps the cluster's TLS.
      ...(ref.tls && ref.tidbTls === false ? { tls: undefined } : {}),
      host: sql.host,
      port: sql.port,
      statusAddress: `${bracket(status.host)}:${status.port}`,
      user: ref.tidbUser ?? d.user,
      password: ref.tidbPasswordFile ? await readPasswordFile(ref.tidbPasswordFile) : d.password,
    };
    return { pdEndpoints: parsePdEndpoints(ref.pd), tidb, ...(tls ? { tls } : {}) };
  }
}

/** Reads the input's `cluster.tls` files on this worker; a problem names the field, the path and the host, never the contents. */
function readInputTls(paths: ClusterTlsPaths): TlsOptions {
  const problems: string[] = [];
  const tls = readTlsSetting(paths, { ca: 'cluster.tls.ca', cert: 'cluster.tls.cert', key: 'cluster.tls.key' }, problems);
  if (!tls || problems.length > 0) {
    throw new BrflowError(ErrorType.InvalidInput, `${problems.join('; ')} (worker ${hostname()}; cluster.tls names files on every worker host)`);
  }
  return tls;
}

/** A password file holds the password alone; one trailing newline (as `echo` writes) is not part of it. */
async function readPasswordFile(path: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).replace(/\r?\n$/, '');
  } catch (e) {
    // The path is operator-chosen and not secret; the content is never shown.
    throw new BrflowError(ErrorType.InvalidInput, `cluster.tidbPasswordFile: cannot read ${path} on worker ${hostname()}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}; put the file on every worker host, readable by the worker`);
  }
}
