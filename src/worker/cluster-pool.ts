import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
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
}

/**
 * One connection set (PD, TiKV channels, TiDB pool) per target cluster, opened on first use and kept for the
 * worker's life: every activity of every restore into that cluster shares it. A failed connect is forgotten so
 * the activity's retry connects again.
 */
export class ClusterPool {
  private readonly open = new Map<string, Promise<ClusterDeps>>();
  private readonly connect: (target: ClusterTarget) => Promise<ClusterDeps>;

  constructor(private readonly opts: ClusterPoolOptions) {
    this.connect = opts.connect ?? connectClusterDeps;
  }

  /** The deps for `ref`, or for the worker's own cluster when `ref` is undefined. */
  async resolve(ref: ClusterRef | undefined): Promise<ActivityDeps> {
    const key = ref === undefined ? 'home' : JSON.stringify([ref.pd, ref.tidb, ref.tidbStatus ?? '', ref.tidbUser ?? '', ref.tidbPasswordFile ?? '', ref.tls ?? null, ref.tidbTls ?? true]);
    let conn = this.open.get(key);
    if (!conn) {
      conn = this.targetOf(ref).then((t) => this.connect(t));
      this.open.set(key, conn);
      conn.catch(() => {
        if (this.open.get(key) === conn) this.open.delete(key);
      });
    }
    return (await conn).deps;
  }

  async close(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.all(all.map((c) => c.then((d) => d.close(), () => undefined)));
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
