import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './free-port';
import { retryOnEarlyExit, spawnServer, waitUntil, type ServerProcess } from './process-handle';
import { ensureTool, projectRoot } from './tools';

/** A real TiDB (v8.5.3 from shared/real-parts) on its embedded unistore: the real DDL engine and catalog. */
export interface RealTidb extends ServerProcess {
  /** host:port of the MySQL protocol (user root, no password). */
  readonly address: string;
  /** host:port of the status API (`/status`, `/schema/{db}/{table}`). */
  readonly statusAddress: string;
  /** SIGKILLs the server, keeping its data (a crash); `restart()` brings it back. */
  kill(): Promise<void>;
  /** Starts the server again on the same ports and data (after `kill()`), resolved once it answers. */
  restart(): Promise<void>;
}

export interface RealTidbOptions {
  logDir?: string;
  /** Extra tidb-server flags (e.g. TLS: --ssl-ca/--ssl-cert/--ssl-key). */
  extraArgs?: string[];
}

/**
 * Starts `tidb-server -store unistore` on loopback ports, with its store in a temporary folder removed at
 * stop. unistore keeps its own data: this TiDB is the real SQL layer, catalog and ID allocator, not a view
 * of what the simulated stores hold (about 1.3 GB RSS, ready in 1–2 s).
 */
export function startRealTidb(opts: RealTidbOptions = {}): Promise<RealTidb> {
  return retryOnEarlyExit(() => startRealTidbOnce(opts));
}

async function startRealTidbOnce(opts: RealTidbOptions): Promise<RealTidb> {
  const bin = ensureTool('tidb-server');
  const [port, statusPort] = [await freePort(), await freePort()];
  const logDir = opts.logDir ?? join(projectRoot, '.state', 'logs');
  const dataDir = join(projectRoot, '.state', 'real-parts', `tidb-${port}`);
  mkdirSync(logDir, { recursive: true });
  mkdirSync(dataDir, { recursive: true });
  const args = ['-store', 'unistore', '-path', dataDir, '-host', '127.0.0.1', '-P', String(port),
    '-status-host', '127.0.0.1', '-status', String(statusPort), '-L', 'warn', ...(opts.extraArgs ?? [])];
  const address = `127.0.0.1:${port}`;
  const statusAddress = `127.0.0.1:${statusPort}`;
  const launch = async (): Promise<ServerProcess> => {
    const { child, handle } = spawnServer(bin, args, join(logDir, `tidb-${port}.log`));
    try {
      await waitUntil(`tidb-server on ${address}`, async () => (await fetch(`http://${statusAddress}/status`)).ok, 60000, child);
    } catch (e) {
      await handle.stop();
      throw e;
    }
    return handle;
  };
  let current: ServerProcess | undefined;
  const stop = async () => {
    await current?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    current = await launch();
  } catch (e) {
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
  const first = current;
  return {
    get pid() {
      return current?.pid ?? -1;
    },
    logFile: first.logFile,
    stop,
    address,
    statusAddress,
    async kill() {
      const c = current;
      if (!c) return;
      process.kill(c.pid, 'SIGKILL');
      await c.stop();
    },
    async restart() {
      current = await launch();
    },
  };
}
