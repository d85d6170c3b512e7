import { getHeapStatistics } from 'node:v8';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, Worker, makeTelemetryFilterString } from '@temporalio/worker';
import { PlanCache } from '../activities';
import { BrflowError, isBrflowError } from '../plan/error-types';
import { routeActivitiesByCluster } from '../activities/cluster-router';
import { openStorage } from '../backup/open-storage';
import { keyFileSource } from '../backup/crypter-key';
import { readManifest } from '../backup/read-manifest';
import { ClusterPool } from './cluster-pool';
import { CLUSTER_IDLE_CLOSE_DEFAULT_MS, type WorkerConfig } from './config';
import { createRootLogger, PinoTemporalLogger } from './logger';
import { ensureSearchAttributes } from './search-attributes';
import { describeTemporalTarget, temporalUnreachable } from './temporal-connect';
import { workflowHistorySource } from './workflow-history';
import { ensureJanitorSchedule } from './janitor-schedule';
import { CONTROL_WORKER_TUNING, DATA_WORKER_TUNING } from './worker-tuning';
import { controlTaskQueueOf } from '../workflows/task-queues';

export interface RunningWorker {
  /** Resolves when both workers stopped (after a signal or `shutdown`). */
  done: Promise<void>;
  shutdown(): void;
}

/**
 * Runs a brflow worker: the Temporal runtime with logs routed into pino and a Prometheus endpoint, one
 * connection set per target cluster (its own, and any a restore input names: closed once idle for
 * `clusterIdleCloseMs`), and two Temporal workers — `taskQueue` (workflows + data activities) and
 * `<taskQueue>-control` (keeper and compensation, so ingest can never starve them). SIGTERM/SIGINT drain:
 * no new tasks, in-flight activities get `shutdownGraceMs` to checkpoint (their heartbeats let a retry resume).
 */
export async function runWorker(cfg: WorkerConfig): Promise<RunningWorker> {
  const root = createRootLogger(cfg.logLevel);
  // A namespace without brflow's search attributes fails every workflow task: settle that first, before the
  // native runtime is installed (it would keep a refused process alive).
  const target = { connection: { address: cfg.temporalAddress, ...cfg.temporalConnection }, namespace: cfg.namespace };
  const operator = await Connection.connect(target.connection).catch((e: unknown) => {
    throw temporalUnreachable(target, e, 'check TEMPORAL_ADDRESS (or the profile of the Temporal config file) and its TLS settings, and that the server is up');
  });
  try {
    const sa = await ensureSearchAttributes(operator, cfg.namespace, { create: cfg.createSearchAttributes ?? true });
    if (sa.created.length > 0) root.info({ namespace: cfg.namespace, created: sa.created }, 'registered brflow search attributes');
  } finally {
    await operator.close();
  }
  const cluster = new ClusterPool({
    ...(cfg.pdEndpoints.length > 0 ? { home: { pdEndpoints: cfg.pdEndpoints, tidb: cfg.tidb, ...(cfg.clusterTls ? { tls: cfg.clusterTls } : {}) } } : {}),
    tidbDefaults: cfg.tidb,
    ...(cfg.clusterTls ? { tlsDefault: cfg.clusterTls } : {}),
    idleCloseMs: cfg.clusterIdleCloseMs ?? CLUSTER_IDLE_CLOSE_DEFAULT_MS,
    log: root,
  });
  // Connect to the worker's own cluster now (PD, then one statement on TiDB), so a wrong address fails the start
  // rather than the first restore's first step, which would only retry; also before the native runtime is
  // installed: it takes over SIGTERM, and a worker refused after it stayed up.
  if (cfg.pdEndpoints.length > 0) {
    try {
      const home = await cluster.lease(undefined);
      try {
        // The client's message names the address and the statement; this names which setting it came from.
        await home.deps.schema.serverVersion?.().catch((e: unknown) => {
          throw isBrflowError(e) ? new BrflowError(e.type, `TiDB (BRFLOW_TIDB_ADDRESS): ${e.message}`) : e;
        });
      } finally {
        home.release();
      }
    } catch (e) {
      await cluster.close().catch(() => undefined);
      throw e;
    }
  } else {
    root.warn('BRFLOW_PD_ADDRESSES is unset: this worker serves only restores whose input names their cluster');
  }
  Runtime.install({
    logger: new PinoTemporalLogger(root),
    // SIGTERM/SIGINT start a graceful shutdown of every worker in this runtime.
    shutdownSignals: ['SIGTERM', 'SIGINT'],
    telemetryOptions: {
      logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'WARN', other: 'ERROR' }) },
      ...(cfg.metricsAddress ? { metrics: { prometheus: { bindAddress: cfg.metricsAddress } } } : {}),
    },
  });
  const connection = await NativeConnection.connect({ address: cfg.temporalAddress, ...cfg.temporalConnection });
  // The worker's default key (BRFLOW_CRYPTER_*) serves restores whose input names none.
  const plans = new PlanCache({ readManifest: (url, o) => readManifest(openStorage(url), o) }, { keys: keyFileSource(cfg.crypter) });
  // A client of its own for the activities that read Temporal (an earlier restore's history for resumeFrom).
  const clientConnection = await Connection.connect({ address: cfg.temporalAddress, ...cfg.temporalConnection });
  const client = new Client({ connection: clientConnection, namespace: cfg.namespace });
  const activities = routeActivitiesByCluster((ref) => cluster.lease(ref), plans, workflowHistorySource(client));
  const common = { connection, namespace: cfg.namespace, activities, shutdownGraceTime: cfg.shutdownGraceMs };
  const main = await Worker.create({
    ...common,
    taskQueue: cfg.taskQueue,
    ...(cfg.workflowBundlePath ? { workflowBundle: { codePath: cfg.workflowBundlePath } } : { workflowsPath: require.resolve('../workflows') }),
    ...DATA_WORKER_TUNING,
    maxConcurrentActivityTaskExecutions: cfg.maxConcurrentActivities,
  });
  const control = await Worker.create({ ...common, ...CONTROL_WORKER_TUNING, taskQueue: controlTaskQueueOf(cfg.taskQueue) });
  // Terminated and timed-out restores never compensated: the janitor Schedule undoes what they left.
  const janitorEveryMs = cfg.janitorEveryMs ?? 180_000;
  if (janitorEveryMs > 0) {
    // Restores do not need it: a namespace refusing Schedules gets a warning, not a worker that will not start.
    await ensureJanitorSchedule(client, cfg.taskQueue, janitorEveryMs).then(
      (how) => root.info({ taskQueue: cfg.taskQueue, everyMs: janitorEveryMs, schedule: how }, 'janitor schedule in place'),
      (e: unknown) => root.warn({ err: String(e) }, 'janitor schedule not created; run `brflow janitor` by hand'),
    );
  }
  root.info({ taskQueue: cfg.taskQueue, namespace: cfg.namespace, temporal: describeTemporalTarget(target), metrics: cfg.metricsAddress ?? 'off', backupKey: cfg.crypter ? `${cfg.crypter.method} from ${cfg.crypter.keyFile}` : 'none by default', pd: cfg.pdEndpoints.length > 0 ? cfg.pdEndpoints : 'none (input names the cluster)', clusterTls: cfg.clusterTls ? (cfg.clusterTls.cert ? 'mutual TLS' : 'TLS') : 'plaintext', heapLimitMiB: heapLimitMiB() }, 'brflow worker started');
  const done = Promise.all([main.run(), control.run()]).then(
    async () => {
      await cluster.close();
      await connection.close();
      await clientConnection.close();
      root.info('brflow worker stopped');
    },
    async (e: unknown) => {
      await cluster.close().catch(() => undefined);
      await connection.close().catch(() => undefined);
      await clientConnection.close().catch(() => undefined);
      throw e;
    },
  );
  return {
    done,
    shutdown() {
      for (const w of [main, control]) if (w.getState() === 'RUNNING') w.shutdown();
    },
  };
}

/**
 * V8's heap bound, MiB, logged at start: the worker's memory follows it (src/worker/heap-bound.ts), and a worker
 * started without NODE_OPTIONS gets one sized from the host's memory.
 */
function heapLimitMiB(): number {
  return Math.round(getHeapStatistics().heap_size_limit / 2 ** 20);
}
