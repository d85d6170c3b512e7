import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ClusterTarget } from '../src/worker/cluster-deps';

/**
 * The brflow CLI as separate processes (`brflow sim`, `brflow worker`), run from the sources with tsx as
 * bench/run.ts itself is: a bench that needs a process's CPU kept apart from another's (dispatch) or a worker
 * it can SIGKILL (recovery) drives the same public entry points an operator does.
 */
const CLI = join(__dirname, '..', 'src', 'cli', 'main.ts');
const START_TIMEOUT_MS = 60_000;

function spawnCli(args: string[], env: NodeJS.ProcessEnv = process.env, nodeArgs: readonly string[] = []): ChildProcess {
  return spawn(process.execPath, [...nodeArgs, '--import', 'tsx', CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Waits for the first stdout line `accept` takes; rejects if the process exits (or times out) first. */
function firstLine<T>(child: ChildProcess, what: string, accept: (line: string) => T | undefined): Promise<T> {
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start in ${START_TIMEOUT_MS} ms: ${stderr.trim()}`)), START_TIMEOUT_MS);
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (l) => {
      const v = accept(l);
      if (v === undefined) return;
      clearTimeout(timer);
      resolve(v);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited before it was ready (${code ?? signal}): ${stderr.trim()}`));
    });
  });
}

/** Ends a child for good: SIGKILL, resolved once it is gone. */
export function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  return gone;
}

/** Stops a child as an operator would (SIGTERM: drain), SIGKILL after `graceMs`. */
async function stopGently(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(timer);
}

export interface SimProcess {
  pid: number;
  /** What a worker is given for the simulated cluster. */
  target: ClusterTarget;
  /** http://host:port of the simulator's admin API (GET /state). */
  adminUrl: string;
  /** Files the stores ingested, by backup file name, each with how many times (GET /state counters). */
  ingestCounts(): Promise<Record<string, number>>;
  /** Every store's import mode (GET /state). */
  storeModes(): Promise<string[]>;
  stop(): Promise<void>;
}

/** `brflow sim --json`: the simulated PD + 3 TiKV stores + TiDB in a process of its own. */
export async function startSimProcess(): Promise<SimProcess> {
  const child = spawnCli(['sim', '--json', '--stores', '3']);
  try {
    const a = await firstLine(child, 'brflow sim', (l) => {
      try {
        return JSON.parse(l) as { pdMembers: string[]; admin: string; tidb: { address: string; statusAddress: string } };
      } catch {
        return undefined;
      }
    });
    const [host, port] = a.tidb.address.split(':') as [string, string];
    const state = async (): Promise<{ counters: { ingestsByName: Record<string, number> }; stores: { mode: string }[] }> => {
      const res = await fetch(`${a.admin}/state`);
      if (!res.ok) throw new Error(`simulator /state answered ${res.status}`);
      return (await res.json()) as never;
    };
    return {
      pid: child.pid!,
      target: { pdEndpoints: a.pdMembers, tidb: { host, port: Number(port), statusAddress: a.tidb.statusAddress, user: 'root', password: '' } },
      adminUrl: a.admin,
      ingestCounts: async () => (await state()).counters.ingestsByName,
      storeModes: async () => (await state()).stores.map((s) => s.mode),
      stop: () => stopGently(child, 5000),
    };
  } catch (e) {
    await killHard(child);
    throw e;
  }
}

export interface WorkerProcess {
  pid: number;
  /** The worker's Temporal identity (the SDK's default `pid@host`), as activity events in the history name it. */
  identityPrefix: string;
  /** SIGKILL: no drain, no shutdown hooks; resolves once the process is gone. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** `brflow worker`, configured by its environment as an operator runs it; ready once it logs that it started. */
export async function startWorkerProcess(opts: {
  temporalAddress: string;
  taskQueue: string;
  target: ClusterTarget;
  maxConcurrentActivities: number;
  /** More environment for the worker (e.g. BRFLOW_WORKFLOW_BUNDLE), over this process's. */
  env?: NodeJS.ProcessEnv;
  /**
   * Node options that NODE_OPTIONS refuses (e.g. `--cpu-prof --cpu-prof-dir=DIR` to profile the worker),
   * given on the worker's command line.
   */
  nodeArgs?: readonly string[];
}): Promise<WorkerProcess> {
  const t = opts.target;
  const child = spawnCli(['worker'], {
    ...process.env,
    ...opts.env,
    TEMPORAL_ADDRESS: opts.temporalAddress,
    BRFLOW_TASK_QUEUE: opts.taskQueue,
    BRFLOW_PD_ADDRESSES: t.pdEndpoints.join(','),
    BRFLOW_TIDB_ADDRESS: `${t.tidb.host}:${t.tidb.port}`,
    BRFLOW_TIDB_STATUS_ADDRESS: t.tidb.statusAddress,
    BRFLOW_TIDB_USER: 'root',
    BRFLOW_LOG_LEVEL: 'info',
    BRFLOW_MAX_CONCURRENT_ACTIVITIES: String(opts.maxConcurrentActivities),
    // The janitor is not part of a restore; its Schedule would only add work at random moments.
    BRFLOW_JANITOR_EVERY_MS: '0',
  }, opts.nodeArgs);
  try {
    await firstLine(child, 'brflow worker', (l) => (l.includes('brflow worker started') ? true : undefined));
    // Keep draining stdout so the worker never blocks on a full pipe.
    child.stdout!.resume();
    return { pid: child.pid!, identityPrefix: `${child.pid}@`, kill: () => killHard(child), stop: () => stopGently(child, 10_000) };
  } catch (e) {
    await killHard(child);
    throw e;
  }
}
