import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { ClusterTarget } from '../../src/worker/cluster-deps';

/** What a crash worker process is told to serve (test/support/crash-worker-process.ts). */
export interface CrashWorkerStart {
  kind: 'start';
  temporalAddress: string;
  taskQueue: string;
  target: ClusterTarget;
  /** A prebuilt workflow bundle on disk: bundling in every child would cost seconds each. */
  bundlePath: string;
}

/** A restore worker process that a test can SIGKILL. */
export interface CrashWorker {
  readonly pid: number;
  /** SIGKILL, no drain, no shutdown hooks; resolves once the process is gone. */
  kill(): Promise<void>;
}

type Loaded = { child: ChildProcess; loaded: Promise<void> };

/**
 * Spawns crash worker processes, keeping some loaded ahead (module loading is most of a worker's start-up
 * on a busy machine), so each kill point pays only for the Temporal and cluster connections.
 */
export class CrashWorkerPool {
  private readonly spares: Loaded[] = [];
  private readonly all = new Set<ChildProcess>();

  /** @param keep processes kept loaded ahead: as many as kill points run at once. */
  constructor(private readonly keep = 1) {}

  /** Starts loading worker processes now, up to `keep` spares. */
  warm(): void {
    while (this.spares.length < this.keep) this.spares.push(this.spawn());
  }

  /** A worker polling `start.taskQueue` (and its control queue), ready when this resolves. */
  async start(start: Omit<CrashWorkerStart, 'kind'>): Promise<CrashWorker> {
    const { child, loaded } = this.spares.shift() ?? this.spawn();
    await loaded;
    const ready = new Promise<void>((resolve, reject) => {
      child.on('message', (m: { kind?: string }) => {
        if (m.kind === 'ready') resolve();
      });
      child.once('exit', (code, signal) => reject(new Error(`crash worker exited before it was ready (${code ?? signal})`)));
    });
    child.send({ kind: 'start', ...start } satisfies CrashWorkerStart);
    await ready;
    this.warm();
    return {
      pid: child.pid!,
      kill: () => killHard(child),
    };
  }

  /** Kills every process this pool spawned that is still alive (spare included). */
  async close(): Promise<void> {
    this.spares.length = 0;
    await Promise.all([...this.all].map((c) => killHard(c)));
  }

  private spawn(): Loaded {
    const child = fork(join(__dirname, 'crash-worker-process.ts'), [], {
      execArgv: ['--import', 'tsx'],
      // The child's worker logs stay out of the test output; its crashes (stderr) do not.
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    this.all.add(child);
    child.once('exit', () => this.all.delete(child));
    const loaded = new Promise<void>((resolve, reject) => {
      child.on('message', (m: { kind?: string }) => {
        if (m.kind === 'loaded') resolve();
      });
      child.once('exit', (code, signal) => reject(new Error(`crash worker exited while loading (${code ?? signal})`)));
    });
    // A spare that dies unused must not surface as an unhandled rejection; start() awaits it again.
    loaded.catch(() => undefined);
    return { child, loaded };
  }
}

function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  return gone;
}
