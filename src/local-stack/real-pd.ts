import type { ChildProcess } from 'node:child_process';
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
  const member = { name: 'pd1', client: port, peer };
  const args = [...pdMemberArgs(member, dataDir, [member], scheme), ...(opts.extraArgs ?? [])];
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

interface PdMemberPorts {
  name: string;
  client: number;
  peer: number;
}

/** pd-server's flags for one member of the cluster `all` (a single-member cluster: `all` = [member]). */
function pdMemberArgs(member: PdMemberPorts, dataDir: string, all: readonly PdMemberPorts[], scheme: 'http' | 'https'): string[] {
  const initial = all.map((m) => `${m.name}=${scheme}://127.0.0.1:${m.peer}`).join(',');
  return ['--name', member.name, '--data-dir', dataDir, '--client-urls', `${scheme}://127.0.0.1:${member.client}`,
    '--peer-urls', `${scheme}://127.0.0.1:${member.peer}`, '--initial-cluster', initial, '-L', 'warn'];
}

/** A real PD cluster of several members on loopback (each a RealPd), for tests of a PD leader moving. */
export interface RealPdCluster {
  members: RealPd[];
  /** host:port of every member. */
  readonly endpoints: string[];
  /** The member leading now (asked over HTTP of any member still up); undefined during an election. */
  leader(): Promise<RealPd | undefined>;
  stop(): Promise<void>;
}

/**
 * Starts `size` pd-servers as one cluster (one --initial-cluster), each in a fresh data folder, and waits until
 * every member knows a leader.
 */
export async function startRealPdCluster(size: number, opts: { logDir?: string } = {}): Promise<RealPdCluster> {
  const bin = ensureTool('pd-server');
  const logDir = opts.logDir ?? join(projectRoot, '.state', 'logs');
  mkdirSync(logDir, { recursive: true });
  const ports: PdMemberPorts[] = [];
  for (let i = 0; i < size; i++) ports.push({ client: await freePort(), peer: await freePort(), name: `pd${i + 1}` });
  const members: RealPd[] = [];
  const children: ChildProcess[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.all(members.map((m) => m.stop()));
  };
  try {
    for (const p of ports) {
      const dataDir = join(projectRoot, '.state', 'real-parts', `pd-${p.client}`);
      mkdirSync(dataDir, { recursive: true });
      const { child, handle } = spawnServer(bin, pdMemberArgs(p, dataDir, ports, 'http'), join(logDir, `pd-${p.client}.log`));
      children.push(child);
      const stop = async (): Promise<void> => {
        await handle.stop();
        rmSync(dataDir, { recursive: true, force: true });
      };
      members.push({ ...handle, stop, address: `127.0.0.1:${p.client}`, dataDir });
    }
    // The members elect a leader once a quorum has started.
    await Promise.all(members.map((m, i) => waitUntil(`pd-server on ${m.address}`, async () => (await fetch(`http://${m.address}/pd/api/v1/leader`)).ok, 60000, children[i])));
  } catch (e) {
    await stopAll();
    throw e;
  }
  const byName = new Map(ports.map((p, i) => [p.name, members[i]!]));
  return {
    members,
    endpoints: members.map((m) => m.address),
    async leader() {
      for (const m of members) {
        try {
          const res = await fetch(`http://${m.address}/pd/api/v1/leader`, { signal: AbortSignal.timeout(2000) });
          if (!res.ok) continue;
          const body = (await res.json()) as { name?: string };
          return body.name ? byName.get(body.name) : undefined;
        } catch {
          // Stopped, or not answering: ask the next one.
        }
      }
      return undefined;
    },
    stop: stopAll,
  };
}
