import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { makeBackup } from '../src/backup/generator/make-backup';
import { LocalStorage } from '../src/backup/local-storage';
import { WORKER_NODE_OPTIONS } from '../src/worker/heap-bound';
import { writeWorkflowBundle } from '../src/worker/workflow-bundle';
import type { RestoreResult, restoreWorkflow } from '../src/workflows/restore';
import type { Benchmark } from './benchmark';
import { processCpuMs, summarize, type MemorySample } from './measure';
import { startWorkerProcess } from './bench-processes';
import { benchTemporal, type BenchTemporal } from './bench-temporal';
import { forEachRestoreRun, stopInReverse } from './restore-history';
import { caseResult, type CaseResult, type Target } from './result-file';

export interface ScaleParams {
  /** make-backup table counts restored one after the other, smallest first (the last is the scale point). */
  points: number[];
  /** Rows per table: make-backup writes ~9 files per table at 4 rows (records, indexes, write and default CF). */
  rows: number;
  concurrency: number;
}

export const SCALE_FULL: ScaleParams = { points: [1_000, 10_000], rows: 4, concurrency: 16 };
export const SCALE_QUICK: ScaleParams = { points: [4, 12], rows: 2, concurrency: 4 };

/**
 * BRFLOW_BENCH_SCALE_POINTS=1000,4000 measures other table counts (comma-separated, ascending): finding what
 * grows with the backup takes two sizes, and a 10,000-table run takes minutes.
 */
export function scaleParams(quick: boolean, env: NodeJS.ProcessEnv = process.env): ScaleParams {
  const base = quick ? SCALE_QUICK : SCALE_FULL;
  const raw = env.BRFLOW_BENCH_SCALE_POINTS;
  if (raw === undefined || raw.trim() === '') return base;
  const points = raw.split(',').map((x) => Number(x.trim()));
  if (points.length < 2 || points.some((n) => !Number.isInteger(n) || n < 1) || points.some((n, i) => i > 0 && n <= points[i - 1]!)) {
    throw new Error(`BRFLOW_BENCH_SCALE_POINTS=${raw}: give at least two ascending positive table counts, e.g. 1000,4000`);
  }
  return { ...base, points };
}

/** Temporal's hard limits are 51,200 events per history; brflow keeps every run well below, continuing as new. */
export const MAX_RUN_EVENTS = 10_000;

/**
 * The bar for 10,000 tables / 100,000 files: the worker's cost per table must not grow with the
 * backup (the simulator's linear region lookups once made a 3,000-table run 14× slower per table than a
 * 500-table one), its memory must fit a small worker, and its CPU per file must be ~1 ms.
 */
function scaleTargets(files: number): Target[] {
  return [
    { metric: 'peakRssMiB', op: '<=', limit: 512, why: 'a worker restoring 10,000 tables / 100,000 files fits in 512 MiB (simulator in its own process)' },
    { metric: 'cpuMeanMs', op: '<=', limit: files, why: '≤ 1 ms of worker CPU per file (the issue measured 2.6–2.9 ms, half of it grpc-js)' },
  ];
}

const backupDir = (dir: string, tables: number) => join(dir, `scale-backup-${tables}`);
/** The workflow bundle prepare builds, so the measured worker starts as a deployed one does (no webpack in it). */
const bundlePath = (dir: string) => join(dir, 'workflow-bundle.js');

export async function prepareScale(dir: string, p: ScaleParams): Promise<void> {
  await writeWorkflowBundle(bundlePath(dir));
  for (const tables of p.points) {
    await makeBackup(new LocalStorage(backupDir(dir, tables)), { seed: 11, tables, rows: p.rows, metaVersion: 2, compression: 'none', incremental: false, withSysTables: false });
  }
}

interface SimProcess {
  child: ChildProcess;
  pd: string;
  admin: string;
  tidb: { address: string; statusAddress: string };
}

/** `brflow sim --json` in its own process, so the worker's memory is measured without the cluster's. */
async function startSimProcess(): Promise<SimProcess> {
  const root = join(__dirname, '..');
  const child = spawn(process.execPath, [...nodeArgsFrom('BRFLOW_BENCH_SIM_NODE_ARGS'), '--import', 'tsx', 'src/cli/main.ts', 'sim', '--json', '--stores', '3'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`brflow sim exited (${code}) before printing its addresses`)));
  });
  const a = JSON.parse(first) as { pd: string; admin: string; tidb: { address: string; statusAddress: string } };
  return { child, pd: a.pd, admin: a.admin, tidb: a.tidb };
}

/** User + system CPU of another process so far, ms; 0 where it cannot be read. */
function cpuMsOf(pid: number): number {
  return processCpuMs(pid) ?? 0;
}

/**
 * The worker's heap bound, as the Dockerfile deploys it (src/worker/heap-bound.ts, in NODE_OPTIONS;
 * BRFLOW_BENCH_WORKER_NODE_OPTIONS overrides).
 * V8 sizes its heap from the machine's memory and collects lazily below that; a worker whose live heap is
 * ~150 MiB otherwise grows to several times that in garbage before a full collection.
 */
function workerNodeOptions(): NodeJS.ProcessEnv {
  const opts = process.env.BRFLOW_BENCH_WORKER_NODE_OPTIONS ?? WORKER_NODE_OPTIONS;
  return opts ? { NODE_OPTIONS: [process.env.NODE_OPTIONS, opts].filter(Boolean).join(' ') } : {};
}

/**
 * Node flags for the measured worker's command line (BRFLOW_BENCH_WORKER_NODE_ARGS, space-separated), for what
 * NODE_OPTIONS refuses: `--cpu-prof --cpu-prof-dir=DIR` writes the worker's CPU profile when the bench stops it.
 */
function workerNodeArgs(): string[] {
  return nodeArgsFrom('BRFLOW_BENCH_WORKER_NODE_ARGS');
}

/** Space-separated node flags from an environment variable (BRFLOW_BENCH_SIM_NODE_ARGS profiles `brflow sim` the same way). */
function nodeArgsFrom(name: string): string[] {
  return (process.env[name] ?? '').split(' ').filter(Boolean);
}


/** The worker's memory for a case: its process's peak RSS (heap in use is not observable from outside: 0). */
function workerMemory(x: PointResult): MemorySample {
  return { rssMiB: x.workerPeakRssMiB, peakRssMiB: x.workerPeakRssMiB, heapUsedMiB: 0 };
}

/** High-water RSS of another process (Linux /proc VmHWM); 0 elsewhere. */
async function peakRssOf(pid: number): Promise<number> {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

interface PointResult {
  tables: number;
  files: number;
  wallMs: number;
  workerCpuMs: number;
  /** CPU of the `brflow sim` process and of the Temporal dev server (undefined: an outside server) over the restore. */
  simCpuMs: number;
  temporalCpuMs?: number;
  runs: number;
  runEvents: number[];
  simPeakRssMiB: number;
  /** The worker process's high-water RSS over its whole life (start, planning, the restore). */
  workerPeakRssMiB: number;
  rpcCalls: Record<string, number>;
  batches: number;
}

/**
 * Whole restores as an operator runs them, at each point: the Temporal dev server (or BRFLOW_BENCH_TEMPORAL_ADDRESS),
 * `brflow sim` in a child process, a `brflow worker` in this process, restoreWorkflow with default options.
 * Each restore must pass every table's checksum and keep every run's history under MAX_RUN_EVENTS; the
 * simulator's own RPC counters say how many requests the worker made per file and per batch.
 */
export async function runScale(dir: string, p: ScaleParams): Promise<CaseResult[]> {
  const stops: (() => Promise<unknown>)[] = [];
  const points: PointResult[] = [];
  try {
    const temporal = await benchTemporal();
    stops.push(() => temporal.stop());
    for (const tables of p.points) points.push(await restorePoint(temporal, dir, tables, p));
  } finally {
    await stopInReverse(stops);
  }
  const first = points[0]!;
  const msPerTable = (x: PointResult) => x.wallMs / x.tables;
  const cases = points.map((x) => {
    const rpc = (name: string) => x.rpcCalls[name] ?? 0;
    const params = {
      tables: x.tables, files: x.files, batches: x.batches, runs: x.runs, maxRunEvents: Math.max(...x.runEvents), historyEvents: x.runEvents.reduce((a, b) => a + b, 0),
      msPerTable: Math.round(msPerTable(x) * 100) / 100, workerCpuMsPerFile: Math.round((x.workerCpuMs / x.files) * 1000) / 1000, simPeakRssMiB: Math.round(x.simPeakRssMiB),
      // Every process's CPU per table: the three share the machine's cores, so one growing slows the others.
      workerCpuMsPerTable: cpuPerTable(x.workerCpuMs, x.tables), simCpuMsPerTable: cpuPerTable(x.simCpuMs, x.tables),
      ...(x.temporalCpuMs !== undefined ? { temporalCpuMsPerTable: cpuPerTable(x.temporalCpuMs, x.tables) } : {}),
      downloadRpcsPerFile: Math.round(((rpc('Download') + rpc('BatchDownload')) / x.files) * 1000) / 1000,
      ingestRpcsPerFile: Math.round(((rpc('MultiIngest') + rpc('Ingest')) / x.files) * 1000) / 1000,
      // Every ScanRegions the cluster answered (split, import and checksum together), per ingest batch.
      scanRegionsPerBatch: Math.round((rpc('ScanRegions') / Math.max(1, x.batches)) * 100) / 100,
    };
    return caseResult({
      name: `restore-${x.tables}`, params, timing: summarize({ wallMs: [x.wallMs], cpuMs: [x.workerCpuMs] }), memory: workerMemory(x), opsPerIteration: x.tables,
      targets: x === points[points.length - 1] ? scaleTargets(x.files) : [],
    });
  });
  const last = points[points.length - 1]!;
  // Time per table at the largest point against the smallest: within 10 % (the cost per table must not grow).
  const perTable = caseResult({
    name: 'ms-per-table-at-scale', params: { smallTables: first.tables, largeTables: last.tables, smallMsPerTable: Math.round(msPerTable(first) * 100) / 100 },
    timing: summarize([msPerTable(last)]), memory: workerMemory(last), opsPerIteration: 1,
    targets: [{ metric: 'meanMs', op: '<=', limit: Math.round(msPerTable(first) * 1.1 * 100) / 100, why: `time per table at ${last.tables} tables ≤ 1.1× the time per table at ${first.tables}` }],
  });
  return [...cases, perTable];
}

const cpuPerTable = (ms: number, tables: number) => Math.round((ms / tables) * 100) / 100;

async function restorePoint(temporal: BenchTemporal, dir: string, tables: number, p: ScaleParams): Promise<PointResult> {
  const { client, address: temporalAddress } = temporal;
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const sim = await startSimProcess();
    stops.push(async () => {
      sim.child.kill('SIGTERM');
      await new Promise((r) => sim.child.once('exit', r));
    });
    const [host, port] = sim.tidb.address.split(':') as [string, string];
    const taskQueue = `brflow-scale-${process.pid}-${tables}`;
    // `brflow worker` in its own process, started as a deployment starts it (prebuilt workflow bundle, the
    // worker's heap bound), so its peak RSS and CPU are the worker's alone: not this process's Temporal client.
    const worker = await startWorkerProcess({
      temporalAddress, taskQueue, maxConcurrentActivities: p.concurrency,
      target: { pdEndpoints: [sim.pd], tidb: { host, port: Number(port), statusAddress: sim.tidb.statusAddress, user: 'root', password: '' } },
      env: { BRFLOW_WORKFLOW_BUNDLE: bundlePath(dir), ...workerNodeOptions() },
      nodeArgs: workerNodeArgs(),
    });
    stops.push(() => worker.stop());
    const cpu0 = cpuMsOf(worker.pid);
    const simCpu0 = cpuMsOf(sim.child.pid!);
    const temporalCpu0 = temporal.pid !== undefined ? cpuMsOf(temporal.pid) : undefined;
    const t0 = performance.now();
    const handle = await client.workflow.start<typeof restoreWorkflow>('restoreWorkflow', {
      taskQueue, workflowId: `bench-scale-${tables}-${Date.now()}`, args: [{ storage: `local://${backupDir(dir, tables)}`, concurrency: p.concurrency }],
    });
    const result: RestoreResult = await handle.result();
    const wallMs = performance.now() - t0;
    const workerCpuMs = (cpuMsOf(worker.pid)) - cpu0;
    const simCpuMs = (cpuMsOf(sim.child.pid!)) - simCpu0;
    const temporalCpuMs = temporal.pid !== undefined && temporalCpu0 !== undefined ? (cpuMsOf(temporal.pid)) - temporalCpu0 : undefined;
    const workerPeakRssMiB = await peakRssOf(worker.pid);
    if (result.tables !== tables || result.checksum.passed !== tables) {
      throw new Error(`restore of ${tables} tables reported ${result.tables} tables, ${result.checksum.passed} checksums passed`);
    }
    const runEvents: number[] = [];
    let batches = 0;
    await forEachRestoreRun(client, handle, (events) => {
      runEvents.push(events.length);
      batches += events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'ingestBatch').length;
    });
    const tooLong = runEvents.findIndex((n) => n > MAX_RUN_EVENTS);
    if (tooLong >= 0) throw new Error(`run ${tooLong + 1} of the ${tables}-table restore has ${runEvents[tooLong]} history events, over ${MAX_RUN_EVENTS}`);
    const state = await (await fetch(`${sim.admin}/state`)).json() as { rpcCalls: Record<string, number>; stores: { mode: string }[] };
    if (state.stores.some((s) => s.mode !== 'Normal')) throw new Error('a store was left in import mode after the restore');
    return {
      tables, files: result.files, wallMs, workerCpuMs, simCpuMs, ...(temporalCpuMs !== undefined ? { temporalCpuMs } : {}), workerPeakRssMiB, runs: result.runs, runEvents,
      simPeakRssMiB: await peakRssOf(sim.child.pid!), rpcCalls: state.rpcCalls, batches,
    };
  } finally {
    await stopInReverse(stops);
  }
}

export const scaleBench: Benchmark = {
  name: 'scale',
  description: 'whole restores of 1,000 and 10,000 make-backup tables (~9 files each) through the workflow: Temporal dev server, `brflow sim` and `brflow worker` each in its own process; time per table at 1k vs 10k, worker peak RSS and CPU per file, history events per run, RPCs per file/batch from the simulator\'s counters',
  prepare: (ctx) => prepareScale(ctx.workDir, scaleParams(ctx.quick)),
  run: (ctx) => runScale(ctx.workDir, scaleParams(ctx.quick)),
  // Two whole restores, the larger of 10,000 tables: far beyond the runner's 150 s per phase.
  timeoutMs: { full: 30 * 60_000, quick: 180_000 },
};
