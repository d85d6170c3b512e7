import { join } from 'node:path';
import { makeBackup } from '../src/backup/generator/make-backup';
import { LocalStorage } from '../src/backup/local-storage';
import { freePort } from '../src/local-stack/free-port';
import { startSimulator } from '../src/simulator/server';
import { runWorker } from '../src/worker/main';
import type { RestoreResult, restoreWorkflow } from '../src/workflows/restore';
import { activitySpans } from './activity-spans';
import { benchTemporal } from './bench-temporal';
import type { Benchmark } from './benchmark';
import { memorySample, summarize } from './measure';
import { restoreHistories, stopInReverse } from './restore-history';
import { caseResult, type CaseResult, type Target } from './result-file';

export interface RestoreWorkflowParams {
  /** make-backup tables (many small ones: per-table cost is what this measures) and rows per table. */
  tables: number;
  rows: number;
  concurrency: number;
}

export const RESTORE_WORKFLOW_FULL: RestoreWorkflowParams = { tables: 300, rows: 20, concurrency: 16 };
export const RESTORE_WORKFLOW_QUICK: RestoreWorkflowParams = { tables: 12, rows: 10, concurrency: 4 };

/**
 * An operator restoring a schema of hundreds of small tables should wait seconds per hundred tables, not
 * minutes: every table costs a CREATE, a split, an ingest and a checksum, and the workflow's own overhead
 * (history round trips, keeper stops) must stay small next to them.
 */
export const RESTORE_WORKFLOW_TARGETS: readonly Target[] = [
  { metric: 'opsPerSec', op: '>=', limit: 10, why: '300 small tables restored end to end (simulator, one worker, 2 cores) in under 30 s' },
];

/** The activity types reported as diagnostic cases (the steps a table goes through). */
const STEPS = ['createTables', 'splitAndScatter', 'ingestBatch', 'checksumGroup'] as const;

const BACKUP_DIR = 'restore-backup';

export async function prepareRestoreWorkflow(dir: string, p: RestoreWorkflowParams): Promise<void> {
  await makeBackup(new LocalStorage(join(dir, BACKUP_DIR)), { seed: 7, tables: p.tables, rows: p.rows, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false });
}

/**
 * One whole restore as an operator runs it: the Temporal dev server, the simulator (3 stores + TiDB) and a
 * `brflow worker` in this process, `restoreWorkflow` with BR's default timings. Timed from start to result;
 * the result must report every table's checksum passed and the cluster must be back in normal mode. The
 * steps' spans come from the workflow's history.
 */
export async function runRestoreWorkflow(dir: string, p: RestoreWorkflowParams): Promise<CaseResult[]> {
  const stops: (() => Promise<unknown>)[] = [];
  try {
    // A server given from outside (the test run's own: one dev server per test run) or one of the bench's.
    const temporal = await benchTemporal();
    stops.push(() => temporal.stop());
    const { address: temporalAddress, client } = temporal;
    const sim = await startSimulator({ stores: 3 });
    stops.push(() => sim.stop());
    const [host, port] = sim.tidb!.address.split(':') as [string, string];
    const taskQueue = `brflow-bench-${process.pid}`;
    const worker = await runWorker({
      temporalAddress, namespace: 'default', taskQueue, pdEndpoints: sim.pdAddresses,
      tidb: { host, port: Number(port), statusAddress: sim.tidb!.statusAddress, user: 'root', password: '' },
      metricsAddress: `127.0.0.1:${await freePort()}`, logLevel: 'error', maxConcurrentActivities: p.concurrency, shutdownGraceMs: 2000,
    });
    stops.push(async () => {
      worker.shutdown();
      await worker.done;
    });

    const t0 = performance.now();
    const handle = await client.workflow.start<typeof restoreWorkflow>('restoreWorkflow', {
      taskQueue, workflowId: `bench-restore-${Date.now()}`, args: [{ storage: `local://${join(dir, BACKUP_DIR)}`, concurrency: p.concurrency }],
    });
    const result: RestoreResult = await handle.result();
    const totalMs = performance.now() - t0;
    if (result.tables !== p.tables || result.checksum.passed !== p.tables) {
      throw new Error(`restore reported ${result.tables} tables, ${result.checksum.passed} checksums passed; expected ${p.tables} of each`);
    }
    const snap = sim.inspector.snapshot();
    if (snap.stores.some((s) => s.mode !== 'Normal')) throw new Error('a store was left in import mode after the restore');

    const runs = await restoreHistories(client, handle);
    const spans = activitySpans(runs);
    const memory = memorySample();
    const params = { tables: result.tables, files: result.files, bytes: result.bytes, concurrency: p.concurrency, runs: result.runs, historyEvents: runs.reduce((n, r) => n + r.length, 0) };
    return [
      caseResult({ name: 'restore', params, timing: summarize([totalMs]), memory, opsPerIteration: result.tables, bytesPerIteration: result.bytes, targets: RESTORE_WORKFLOW_TARGETS }),
      // Diagnostic: wall time from a step's first start to its last end, ops = activities of that type.
      ...STEPS.map((type) => {
        const s = spans.find((x) => x.type === type);
        return caseResult({ name: `step-${type}`, params: { activities: s?.count ?? 0, busyMs: s?.busyMs ?? 0 }, timing: summarize([s?.spanMs ?? 0]), memory, opsPerIteration: s?.count ?? 0, targets: [] });
      }),
    ];
  } finally {
    await stopInReverse(stops);
  }
}

export const restoreWorkflowBench: Benchmark = {
  name: 'restore-workflow',
  description: 'a whole restore of 300 small tables (make-backup, zstd) on the Temporal dev server + simulator (3 stores, TiDB) with an in-process brflow worker, BR default timings; ops = tables; step-* cases: wall span of each per-table activity type from the history',
  prepare: (ctx) => prepareRestoreWorkflow(ctx.workDir, ctx.quick ? RESTORE_WORKFLOW_QUICK : RESTORE_WORKFLOW_FULL),
  run: (ctx) => runRestoreWorkflow(ctx.workDir, ctx.quick ? RESTORE_WORKFLOW_QUICK : RESTORE_WORKFLOW_FULL),
};
