import { DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode, type WorkflowBundle, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities, type ActivityDeps, type RestoreActivities } from '../../src/activities';
import { PlanCache } from '../../src/activities/plan-cache';
import { CONTROL_WORKER_TUNING, DATA_WORKER_TUNING } from '../../src/worker/worker-tuning';
import { controlTaskQueueOf } from '../../src/workflows/task-queues';

/** Bundles src/workflows once (about 2 s); reuse the result for every worker in a test file. */
export async function bundleRestoreWorkflows(): Promise<WorkflowBundle> {
  return bundleWorkflowsAt(require.resolve('../../src/workflows'));
}

/** Bundles the workflows of one module (a test's probe workflow), the bundler's chatter silenced. */
export async function bundleWorkflowsAt(workflowsPath: string): Promise<WorkflowBundle> {
  return bundleWorkflowCode({ workflowsPath, logger: quietBundlerLogger });
}

const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (m: string, meta?: Record<string, unknown>) => console.error(m, meta),
};

/** A worker connection, with the quiet runtime installed first (it must precede any native connection). */
export async function connectWorkerConnection(address: string): Promise<NativeConnection> {
  quietRuntime();
  return NativeConnection.connect({ address });
}

export interface RunningWorkers {
  /** Stops both workers and waits until they are done. */
  stop(): Promise<void>;
}

/**
 * The two workers a restore needs, as the worker process runs them: `taskQueue` (workflows + data
 * activities) and `<taskQueue>-control` (keeper and compensation activities only).
 */
export async function startRestoreWorkers(opts: {
  connection: NativeConnection;
  taskQueue: string;
  bundle: WorkflowBundleOption;
  namespace?: string;
} & ({ deps: ActivityDeps } | { activities: RestoreActivities })): Promise<RunningWorkers> {
  quietRuntime();
  const activities = 'activities' in opts ? opts.activities : createActivities(opts.deps, new PlanCache(opts.deps.backup));
  const common = { connection: opts.connection, namespace: opts.namespace ?? 'default', activities, shutdownGraceTime: '2s' };
  const main = await Worker.create({ ...common, taskQueue: opts.taskQueue, workflowBundle: opts.bundle, ...DATA_WORKER_TUNING });
  const control = await Worker.create({ ...common, ...CONTROL_WORKER_TUNING, taskQueue: controlTaskQueueOf(opts.taskQueue) });
  const runs = [main.run(), control.run()];
  return {
    async stop() {
      for (const w of [main, control]) if (w.getState() === 'RUNNING') w.shutdown();
      await Promise.allSettled(runs);
    },
  };
}

let runtimeInstalled = false;

/** Worker logs at WARN so test output shows problems, not state changes (once per process, before any Worker). */
function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Already installed by someone else in this process: keep theirs.
  }
}
