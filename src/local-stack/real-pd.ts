import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './free-port';
import { retryOnEarlyExit, spawnServer, waitUntil, type ServerProcess } from './process-handle';
import { ensureTool, projectRoot } from './tools';

/** A real PD (v8.5.4 from shared/real-parts), one member, on loopback. */
export interface RealPd extends ServerProcess {
  /** host:port: PD's gRPC and HTTP API share it, as on a real cluster. */
  readonly address: string;
  readonly dataDir: string;
}

export interface RealPdOptions {
  /** Kept across restarts when given; a fresh temporary folder (removed at stop) otherwise. */
  dataDir?: string;
  logDir?: string;
  /** Extra pd-server flags (e.g. TLS: --cacert/--cert/--key). */
  extraArgs?: string[];
  /** Scheme the PD serves (https when TLS flags are passed). @default 'http' */
  scheme?: 'http' | 'https';
  /** Used by the readiness probe when PD serves https. */
  probe?: (url: string) => Promise<boolean>;
}

/**
 * Starts `pd-server` with a single-member cluster. A PD without TiKV answers TSO, version and config but is
 * not bootstrapped: stores, regions, safepoints and schedulers need a store to bootstrap it
 * (src/simulator's stores do that when pointed at this PD).
 */
export function startRealPd(opts: RealPdOptions = {}): Promise<RealPd> {
  return retryOnEarlyExit(() => startRealPdOnce(opts));
}

async function startRealPdOnce(opts: RealPdOptions): Promise<RealPd> {
  const bin = ensureTool('pd-server');
  const [port, peer] = [await freePort(), await freePort()];
  const logDir = opts.logDir ?? join(projectRoot, '.state', 'logs');
  const owned = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? join(projectRoot, '.state', 'real-parts', `pd-${port}`);
  mkdirSync(logDir, { recursive: true });
  mkdirSync(dataDir, { recursive: true });
  const scheme = opts.scheme ?? 'http';
  const name = 'pd1';
  const args = ['--name', name, '--data-dir', dataDir,
    '--client-urls', `${scheme}://127.0.0.1:${port}`, '--peer-urls', `${scheme}://127.0.0.1:${peer}`,
    '--initial-cluster', `${name}=${scheme}://127.0.0.1:${peer}`, '-L', 'warn', ...(opts.extraArgs ?? [])];
  const { child, handle } = spawnServer(bin, args, join(logDir, `pd-${port}.log`));
  const address = `127.0.0.1:${port}`;
  const stop = async () => {
    await handle.stop();
    if (owned) rmSync(dataDir, { recursive: true, force: true });
  };
  // Ready once a leader is elected: before that PD answers TSO and most APIs with errors.
  const probe = opts.probe ?? (async (url: string) => (await fetch(url)).ok);
  try {
    await waitUntil(`pd-server on ${address}`, () => probe(`${scheme}://${address}/pd/api/v1/leader`), 60000, child);
  } catch (e) {
    await stop();
    throw e;
  }
  return { ...handle, stop, address, dataDir };
}
