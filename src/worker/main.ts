import { NativeConnection, Runtime, Worker, makeTelemetryFilterString } from '@temporalio/worker';
import { createActivities } from '../activities';
import { connectClusterDeps } from './cluster-deps';
import type { WorkerConfig } from './config';
import { createRootLogger, PinoTemporalLogger } from './logger';

export interface RunningWorker {
  /** Resolves when both workers stopped (after a signal or `shutdown`). */
  done: Promise<void>;
  shutdown(): void;
}

/**
 * Runs a brflow worker: the Temporal runtime with logs routed into pino and a Prometheus endpoint, one
 * connection to the cluster, and two Temporal workers — `taskQueue` (workflows + data activities) and
 * `<taskQueue>-control` (keeper and compensation, so ingest can never starve them). SIGTERM/SIGINT drain:
 * no new tasks, in-flight activities get `shutdownGraceMs` to checkpoint (their heartbeats let a retry resume).
 */
export async function runWorker(cfg: WorkerConfig): Promise<RunningWorker> {
  const root = createRootLogger(cfg.logLevel);
  Runtime.install({
    logger: new PinoTemporalLogger(root),
    // SIGTERM/SIGINT start a graceful shutdown of every worker in this runtime.
    shutdownSignals: ['SIGTERM', 'SIGINT'],
    telemetryOptions: {
      logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'WARN', other: 'ERROR' }) },
      ...(cfg.metricsAddress ? { metrics: { prometheus: { bindAddress: cfg.metricsAddress } } } : {}),
    },
  });
  const cluster = await connectClusterDeps({ pdEndpoints: cfg.pdEndpoints, tidb: cfg.tidb });
  const connection = await NativeConnection.connect({ address: cfg.temporalAddress });
  const activities = createActivities(cluster.deps);
  const common = { connection, namespace: cfg.namespace, activities, shutdownGraceTime: cfg.shutdownGraceMs };
  const main = await Worker.create({
    ...common,
    taskQueue: cfg.taskQueue,
    ...(cfg.workflowBundlePath ? { workflowBundle: { codePath: cfg.workflowBundlePath } } : { workflowsPath: require.resolve('../workflows') }),
    maxConcurrentActivityTaskExecutions: cfg.maxConcurrentActivities,
  });
  const control = await Worker.create({ ...common, taskQueue: `${cfg.taskQueue}-control`, maxConcurrentActivityTaskExecutions: 64 });
  root.info({ taskQueue: cfg.taskQueue, namespace: cfg.namespace, temporal: cfg.temporalAddress, metrics: cfg.metricsAddress ?? 'off', pd: cfg.pdEndpoints }, 'brflow worker started');
  const done = Promise.all([main.run(), control.run()]).then(
    async () => {
      await cluster.close();
      await connection.close();
      root.info('brflow worker stopped');
    },
    async (e: unknown) => {
      await cluster.close().catch(() => undefined);
      await connection.close().catch(() => undefined);
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
