import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';

/** A server process started by the local stack, with its log file and a stop that waits for exit. */
export interface ServerProcess {
  readonly pid: number;
  readonly logFile: string;
  stop(): Promise<void>;
}

export function spawnServer(cmd: string, args: string[], logFile: string, env?: NodeJS.ProcessEnv): { child: ChildProcess; handle: ServerProcess } {
  const out = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env }, detached: false });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const handle: ServerProcess = {
    pid: child.pid ?? -1,
    logFile,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
  return { child, handle };
}

/** The server process ended before it answered its readiness probe. */
export class ServerExitedEarly extends Error {
  override name = 'ServerExitedEarly';
}

/**
 * Runs `start` (which picks free ports and starts a server on them) again, up to `attempts` times in all, while
 * the server exits before it is ready. Why: a port found free can be taken by another process (a parallel test's
 * server, a connection's ephemeral port) before the server binds it, and the server then exits ("bind: address
 * already in use"; seen in CI with pd-server's peer port); fresh ports almost always work. Every server the
 * local stack starts on ports it picked goes through this (real PD and TiDB, the dev server, the S3 server). A server that fails
 * for another reason fails each time, and the last error is thrown.
 */
export async function retryOnEarlyExit<T>(start: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (e) {
      if (!(e instanceof ServerExitedEarly) || attempt >= attempts) throw e;
    }
  }
}

/** Polls `probe` until it resolves true, or fails naming what did not come up. */
export async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null) throw new ServerExitedEarly(`${what} exited with code ${child.exitCode} before it was ready`);
    try {
      if (await probe()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${what} did not become ready within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
