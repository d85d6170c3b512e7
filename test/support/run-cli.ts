import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { SimulatorHandle } from '../../src/simulator/server';

/** The project's root and the CLI's TypeScript entry, run through tsx as `brflow` would be. */
export const projectDir = join(__dirname, '../..');
export const cliEntry = join(projectDir, 'src/cli/main.ts');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one `brflow` command as an operator would, in its own process, with `env` over this one's. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', cliEntry, ...args], { cwd: projectDir, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A running `brflow worker` process (startCliWorker). */
export interface CliWorker {
  child: ChildProcess;
  /** What it has printed so far: stdout (pino JSON lines, Temporal's own included), and stderr when captured. */
  logs(): string;
}

export interface CliWorkerOptions {
  /** Temporal's address (TEMPORAL_ADDRESS). */
  address: string;
  taskQueue: string;
  /** The cluster it serves as its own: the simulator's PD and TiDB. */
  sim: Pick<SimulatorHandle, 'pdAddresses' | 'tidb'>;
  /** More environment (metrics address, log level, S3 credentials …), over the defaults here. */
  env?: NodeJS.ProcessEnv;
  /** Collect stderr into logs() too (a test that scans everything the worker wrote); else it goes to the test's stderr. */
  captureStderr?: boolean;
}

/**
 * Starts `brflow worker` as an operator does, in its own process, configured by environment only: the
 * simulator's cluster as its own, a 1 s SIGTERM drain so a test's stop is quick. It is not awaited: callers
 * start restores at once (they wait on the task queue) and stop it with SIGTERM or SIGKILL.
 */
export function startCliWorker(opts: CliWorkerOptions): CliWorker {
  const child = spawn(process.execPath, ['--import', 'tsx', cliEntry, 'worker'], {
    cwd: projectDir,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: opts.address,
      BRFLOW_TASK_QUEUE: opts.taskQueue,
      BRFLOW_PD_ADDRESSES: opts.sim.pdAddresses.join(','),
      BRFLOW_TIDB_ADDRESS: opts.sim.tidb!.address,
      BRFLOW_TIDB_STATUS_ADDRESS: opts.sim.tidb!.statusAddress,
      BRFLOW_SHUTDOWN_GRACE_MS: '1000',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', opts.captureStderr ? 'pipe' : 'inherit'],
  });
  let logs = '';
  child.stdout!.on('data', (d: Buffer) => (logs += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (logs += d.toString()));
  return { child, logs: () => logs };
}
