import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { NativeConnection, WorkflowBundle } from '@temporalio/worker';
import type { ActivityDeps, RestoreActivities } from '../../src/activities';
import { makeBackup, type MakeBackupOptions, type MakeBackupSummary } from '../../src/backup/generator/make-backup';
import { LocalStorage } from '../../src/backup/local-storage';
import type { Manifest } from '../../src/backup/manifest';
import { readManifest } from '../../src/backup/read-manifest';
import type { SimulatorOptions } from '../../src/simulator/server';
import { connectClusterDeps, type ClusterDeps } from '../../src/worker/cluster-deps';
import { workflowHistorySource } from '../../src/worker/workflow-history';
import type { RestoreTimings } from '../../src/workflows/types';
import { testTemporalAddress } from './env';
import { startSimCluster, type SimCluster } from './sim-cluster';
import { bundleRestoreWorkflows, connectWorkerConnection, startRestoreWorkers } from './worker-harness';

/**
 * Timings that let a small restore on the simulator finish in seconds: the keeper renews well inside the short
 * TTLs, a heartbeat timeout a busy simulator does not miss, compensation retrying almost at once. A test that
 * needs other values (a shorter heartbeat, a slower keeper at scale) says so next to its own constant.
 */
export const FAST_TIMINGS = Object.freeze({
  keeperIntervalMs: 300,
  gcTtlSec: 10,
  pauseTtlSec: 10,
  heartbeatTimeoutMs: 5000,
  compensationMaxIntervalMs: 500,
} satisfies Partial<RestoreTimings>);

/** A task queue no other test (nor an earlier run against the same dev server) uses: no stale task reaches these workers. */
export function uniqueTaskQueue(prefix: string): string {
  return `${prefix}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
}

export interface RestoreEnvOptions {
  /** Names the temporary folder (brflow-<prefix>-…) and the task queues, so leftovers point at their test file. */
  prefix: string;
  /** The backup the tests restore, generated into `backupDir` while the workflows bundle. */
  backup?: MakeBackupOptions;
  /** Where under `dir` that backup goes; by default `dir` itself. Name one when the tests keep other files in `dir`. */
  backupSubdir?: string;
  /** Further backups generated alongside, each into its own folder under `dir` (folder name → options). */
  moreBackups?: Record<string, MakeBackupOptions>;
}

/** What the simulator-backed workflow tests of one file share: one bundle, one pair of connections, one folder. */
export interface RestoreEnv {
  client: Client;
  native: NativeConnection;
  bundle: WorkflowBundle;
  /** The file's temporary folder; close() removes it. */
  dir: string;
  /** The two restore workers on a fresh task queue, for the body only (stopped even when it throws). */
  withWorkers(workers: { deps: ActivityDeps } | { activities: RestoreActivities }, body: (taskQueue: string) => Promise<void>): Promise<void>;
  /**
   * A fresh simulated cluster (optionally shaped by `sim`), the real cluster clients connected to it, and
   * workers on a fresh task queue serving it: each test starts from an untouched cluster and tears it all down.
   */
  withCluster(...args: [body: ClusterBody] | [sim: SimulatorOptions, body: ClusterBody]): Promise<void>;
  close(): Promise<void>;
}

export type ClusterBody = (c: SimCluster, taskQueue: string) => Promise<void>;

/** A RestoreEnv opened with `backup`: where the backup is and what it holds. */
export interface RestoreEnvWithBackup extends RestoreEnv {
  backupDir: string;
  backup: MakeBackupSummary;
  manifest: Manifest;
}

/** Opens the shared parts in parallel (bundling takes about 2 s, a backup may take longer). Call close() in afterAll. */
export async function openRestoreEnv(opts: RestoreEnvOptions & { backup: MakeBackupOptions }): Promise<RestoreEnvWithBackup>;
export async function openRestoreEnv(opts: RestoreEnvOptions): Promise<RestoreEnv>;
export async function openRestoreEnv(opts: RestoreEnvOptions): Promise<RestoreEnv | RestoreEnvWithBackup> {
  const address = testTemporalAddress();
  const dir = await mkdtemp(join(tmpdir(), `brflow-${opts.prefix}-`));
  const backupDir = join(dir, opts.backupSubdir ?? '');
  const nativeP = connectWorkerConnection(address);
  const connectionP = Connection.connect({ address });
  const parts = [
    bundleRestoreWorkflows(),
    nativeP,
    connectionP,
    opts.backup && makeBackupAndManifest(backupDir, opts.backup),
    Promise.all(Object.entries(opts.moreBackups ?? {}).map(([sub, o]) => makeBackup(new LocalStorage(join(dir, sub)), o))),
  ] as const;
  let bundle: WorkflowBundle;
  let native: NativeConnection;
  let connection: Connection;
  let made: MadeBackup | undefined;
  try {
    [bundle, native, connection, made] = await Promise.all(parts);
  } catch (e) {
    // A failed beforeAll must not leave connections open (jest would hang on them) or the folder behind.
    await Promise.allSettled(parts);
    await Promise.allSettled([nativeP.then((c) => c.close()), connectionP.then((c) => c.close())]);
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  const client = new Client({ connection });

  const withWorkers: RestoreEnv['withWorkers'] = async (workers, body) => {
    const taskQueue = uniqueTaskQueue(opts.prefix);
    const running = await startRestoreWorkers({ connection: native, taskQueue, bundle, ...workers });
    try {
      await body(taskQueue);
    } finally {
      await running.stop();
    }
  };

  const withCluster: RestoreEnv['withCluster'] = async (...args) => {
    const [sim, body] = args.length === 1 ? [{}, args[0]] : args;
    const c = await startSimCluster(sim);
    let cd: ClusterDeps | undefined;
    try {
      cd = await connectClusterDeps(c.target);
      // With a Temporal client, as `brflow worker` has: resumeFrom reads the earlier restore's history.
      await withWorkers({ deps: { ...cd.deps, history: workflowHistorySource(client) } }, (taskQueue) => body(c, taskQueue));
    } finally {
      await cd?.close();
      await c.sim.stop();
    }
  };

  const env: RestoreEnv = {
    client,
    native,
    bundle,
    dir,
    withWorkers,
    withCluster,
    async close() {
      await native.close();
      await connection.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return made ? { ...env, backupDir, backup: made.summary, manifest: made.manifest } : env;
}

interface MadeBackup {
  summary: MakeBackupSummary;
  manifest: Manifest;
}

async function makeBackupAndManifest(at: string, o: MakeBackupOptions): Promise<MadeBackup> {
  const summary = await makeBackup(new LocalStorage(at), o);
  return { summary, manifest: await readManifest(new LocalStorage(at)) };
}
