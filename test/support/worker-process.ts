import { FakeCluster } from './worker-fake-cluster';
import { connectWorkerConnection, startRestoreWorkers } from './worker-harness';

/**
 * A restore worker in its own process, for crash tests: the test SIGKILLs it mid-batch. Configured by env:
 * BRFLOW_TEST_TEMPORAL_ADDRESS, BRFLOW_TEST_TASK_QUEUE, BRFLOW_TEST_CLUSTER_FILE (the fake cluster's state)
 * and BRFLOW_TEST_BUNDLE (a prebuilt workflow bundle). Sends 'ready' over IPC once polling.
 */
async function main(): Promise<void> {
  const env = (k: string): string => {
    const v = process.env[k];
    if (!v) throw new Error(`${k} is not set`);
    return v;
  };
  const connection = await connectWorkerConnection(env('BRFLOW_TEST_TEMPORAL_ADDRESS'));
  const cluster = new FakeCluster(env('BRFLOW_TEST_CLUSTER_FILE'));
  await startRestoreWorkers({
    connection,
    taskQueue: env('BRFLOW_TEST_TASK_QUEUE'),
    deps: cluster.deps(),
    bundle: { codePath: env('BRFLOW_TEST_BUNDLE') },
  });
  process.send?.('ready');
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
