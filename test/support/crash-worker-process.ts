import { connectClusterDeps, type ClusterTarget } from '../../src/worker/cluster-deps';
import type { CrashWorkerStart } from './crash-worker';
import { connectWorkerConnection, startRestoreWorkers } from './worker-harness';

/**
 * A restore worker in its own process, over the real cluster clients, for crash tests that SIGKILL it.
 * It loads everything first and reports 'loaded' over IPC, so a test can keep one warm while the previous
 * kill point runs; the test then sends a {@link CrashWorkerStart} (task queue, cluster addresses, bundle path)
 * and the process answers 'ready' once both task queues are polled. It never exits on its own.
 */
async function start(msg: CrashWorkerStart): Promise<void> {
  const target: ClusterTarget = msg.target;
  const connection = await connectWorkerConnection(msg.temporalAddress);
  const cluster = await connectClusterDeps(target);
  await startRestoreWorkers({ connection, taskQueue: msg.taskQueue, deps: cluster.deps, bundle: { codePath: msg.bundlePath } });
  process.send?.({ kind: 'ready' });
}

process.on('message', (m: CrashWorkerStart) => {
  if (m.kind !== 'start') return;
  start(m).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
});
process.send?.({ kind: 'loaded' });
