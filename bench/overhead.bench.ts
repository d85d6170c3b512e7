import { startSimulator, type SimulatorHandle } from '../src/simulator/server';
import { runWorker } from '../src/worker/main';
import type { ClusterTarget } from '../src/worker/cluster-deps';
import { benchTemporal } from './bench-temporal';
import type { Benchmark } from './benchmark';
import { directRestore } from './direct-restore';
import { mainThreadSchedMs, memorySample, processCpuMs, summarize } from './measure';
import { workflowPhases, type RestorePhases } from './restore-phases';
import { stopInReverse } from './restore-history';
import { caseResult, type CaseResult, type Target } from './result-file';
import { backupUrl, clusterRefOf, expectWholeRestore, median, prepareBackup, startRestore, type BackupShape } from './whole-restore';

export interface OverheadShape extends BackupShape {
  /** The case's name: what the shape stands for. */
  name: string;
}

export interface OverheadParams {
  shapes: OverheadShape[];
  /** Ingest batches in flight (restore input) = worker activity slots, as in restore-workflow. */
  concurrency: number;
  /** Timed A/B pairs per shape, and untimed pairs before them (JIT, connection pools). */
  pairs: number;
  warmupPairs: number;
}

export const OVERHEAD_FULL: OverheadParams = {
  shapes: [
    { name: 'small-tables', tables: 300, rows: 20 },
    { name: 'large-tables', tables: 4, rows: 4000, regionsPerRange: 96 },
  ],
  // 7 timed pairs: on this shared 2-core host one restore's wall time moves ±15 % between runs, and with 3 pairs the
  // same code measured 1.06 to 1.14 between invocations; the median of 7 moves less.
  concurrency: 16, pairs: 7, warmupPairs: 1,
};
export const OVERHEAD_QUICK: OverheadParams = {
  shapes: [
    { name: 'small-tables', tables: 6, rows: 10 },
    { name: 'large-tables', tables: 2, rows: 60, regionsPerRange: 6 },
  ],
  concurrency: 4, pairs: 1, warmupPairs: 0,
};

/**
 * What durability costs: a restore through Temporal should take at most 5 % longer than the same activity
 * work called directly, so the workflow is never the reason a restore is slow.
 */
export const OVERHEAD_TARGETS: readonly Target[] = [
  { metric: 'ratio', op: '<=', limit: 1.05, why: 'issue #12: the workflow (history, task round trips, lock) adds at most 5 % to the same activities run directly' },
];

function target(sim: SimulatorHandle): ClusterTarget {
  const [host, port] = sim.tidb!.address.split(':') as [string, string];
  return { pdEndpoints: sim.pdAddresses, tidb: { host, port: Number(port), statusAddress: sim.tidb!.statusAddress, user: 'root', password: '' } };
}

/**
 * A/B per shape, interleaved (A B, B A, A B, …) so load drifting on a shared machine hits both alike, each
 * restore into a fresh in-process simulator (3 stores + TiDB):
 * - A: `restoreWorkflow` on the Temporal server, one in-process `brflow worker` (runWorker) for every A run;
 *   the input names the run's cluster, as `brflow restore --pd … --tidb …` does.
 * - B: the same activities called directly (bench/direct-restore.ts), same order and concurrency.
 * Both must restore every table with its checksum passed and leave every store in normal mode.
 * `ratio` = median A / median B; the case's timings are A's.
 */
export async function runOverhead(dir: string, p: OverheadParams): Promise<CaseResult[]> {
  const temporal = await benchTemporal();
  const taskQueue = `brflow-bench-overhead-${process.pid}`;
  const stops: (() => Promise<unknown>)[] = [() => temporal.stop()];
  try {
    // A worker with no cluster of its own: each A restore names its fresh cluster in the input.
    const worker = await runWorker({
      temporalAddress: temporal.address, namespace: 'default', taskQueue, pdEndpoints: [],
      tidb: { host: '127.0.0.1', port: 4000, statusAddress: '127.0.0.1:10080', user: 'root', password: '' },
      logLevel: 'error', maxConcurrentActivities: p.concurrency, shutdownGraceMs: 2000, janitorEveryMs: 0,
    });
    stops.push(async () => {
      worker.shutdown();
      await worker.done;
    });
    const cases: CaseResult[] = [];
    for (const shape of p.shapes) {
      const storage = backupUrl(dir, shape.name);
      const a: number[] = [];
      const b: number[] = [];
      // Per timed run: where the wall time went, this process's CPU (worker, simulator, bench), and for A the
      // Temporal server's CPU (a process of its own on the same cores).
      const detail = { A: [] as RunDetail[], B: [] as RunDetail[] };
      let shapeInfo = { files: 0, batches: 0 };
      // A and B must do the same work: the workflow's plan (memo) and the direct driver's must be one plan.
      const planHashes = new Set<string>();
      const once = async (kind: 'A' | 'B'): Promise<{ ms: number; detail: RunDetail }> => {
        const sim = await startSimulator({ stores: 3 });
        try {
          const t = target(sim);
          const cpu0 = process.cpuUsage();
          const server0 = temporal.pid !== undefined ? processCpuMs(temporal.pid) : undefined;
          const t0 = performance.now();
          const sched0 = mainThreadSchedMs();
          const cpuSince = (): Omit<RunDetail, 'phases'> => {
            const c = process.cpuUsage(cpu0);
            const server1 = temporal.pid !== undefined ? processCpuMs(temporal.pid) : undefined;
            const sched1 = mainThreadSchedMs();
            return {
              processCpuMs: (c.user + c.system) / 1000,
              ...(server0 !== undefined && server1 !== undefined ? { serverCpuMs: server1 - server0 } : {}),
              ...(sched0 && sched1 ? { mainRunMs: sched1.runMs - sched0.runMs, mainWaitMs: sched1.waitMs - sched0.waitMs } : {}),
            };
          };
          if (kind === 'A') {
            const handle = await startRestore(temporal.client, taskQueue, { storage, concurrency: p.concurrency, cluster: clusterRefOf(t) });
            const r = await handle.result();
            const ms = performance.now() - t0;
            const cpu = cpuSince();
            expectWholeRestore(r, shape.tables, `${shape.name} A`);
            shapeInfo = { ...shapeInfo, files: r.files };
            planHashes.add(String(((await handle.describe()).memo?.plan as { hash?: unknown } | undefined)?.hash));
            expectNormal(sim, `${shape.name} A`);
            return { ms, detail: { ...cpu, phases: workflowPhases((await handle.fetchHistory()).events ?? []) } };
          }
          const r = await directRestore({ storage, concurrency: p.concurrency }, t);
          const ms = performance.now() - t0;
          const cpu = cpuSince();
          expectWholeRestore(r, shape.tables, `${shape.name} B`);
          shapeInfo = { files: r.files, batches: r.batches };
          planHashes.add(r.planHash);
          expectNormal(sim, `${shape.name} B`);
          return { ms, detail: { ...cpu, phases: r.phases } };
        } finally {
          await sim.stop();
        }
      };
      for (let i = 0; i < p.warmupPairs + p.pairs; i++) {
        const order: ('A' | 'B')[] = i % 2 === 0 ? ['A', 'B'] : ['B', 'A'];
        for (const kind of order) {
          const { ms, detail: d } = await once(kind);
          if (i < p.warmupPairs) continue;
          (kind === 'A' ? a : b).push(ms);
          detail[kind].push(d);
        }
      }
      if (planHashes.size !== 1) {
        throw new Error(`${shape.name}: the workflow and the direct driver planned differently (plan hashes ${[...planHashes].join(' vs ')}); make bench/direct-restore.ts pass planRestore what restoreWorkflow passes`);
      }
      const ratio = median(a) / median(b);
      const round = (x: number): number => Math.round(x);
      cases.push(caseResult({
        name: shape.name,
        params: {
          tables: shape.tables, rows: shape.rows, ...(shape.regionsPerRange !== undefined ? { regionsPerRange: shape.regionsPerRange } : {}),
          files: shapeInfo.files, batches: shapeInfo.batches, concurrency: p.concurrency, pairs: p.pairs, warmupPairs: p.warmupPairs,
          aMedianMs: round(median(a)), bMedianMs: round(median(b)), aWallMs: a.map(round).join(','), bWallMs: b.map(round).join(','),
          simulator: 'in-process', timing: 'A = workflow start → result; B = same activities called directly; ratio = median A / median B',
          ...breakdown(detail.A, detail.B),
        },
        timing: summarize(a), memory: memorySample(), opsPerIteration: shape.tables, extra: { ratio }, targets: OVERHEAD_TARGETS,
      }));
    }
    return cases;
  } finally {
    await stopInReverse(stops);
  }
}

/** One timed run beside its wall time: phases, this process's CPU, the Temporal server's CPU (A only). */
interface RunDetail {
  phases: RestorePhases;
  processCpuMs: number;
  serverCpuMs?: number;
  /** The main thread (worker, activities, in-process simulator): on a CPU, and runnable but waiting for one. */
  mainRunMs?: number;
  mainWaitMs?: number;
}

/**
 * Medians of A's and B's phases and CPU, for the case's params: the fixed costs (setup, finish), the pipeline's,
 * the CPU that running through Temporal adds on these shared cores (this process's threads and the server's),
 * and the main thread's own time on a CPU and waiting for one (what that added CPU costs the event loop).
 */
function breakdown(a: readonly RunDetail[], b: readonly RunDetail[]): Record<string, number> {
  const m = (xs: readonly number[]): number => Math.round(median(xs));
  const out: Record<string, number> = {};
  for (const [side, runs] of [['a', a], ['b', b]] as const) {
    out[`${side}SetupMs`] = m(runs.map((r) => r.phases.setupMs));
    out[`${side}PipelineMs`] = m(runs.map((r) => r.phases.pipelineMs));
    out[`${side}FinishMs`] = m(runs.map((r) => r.phases.finishMs));
    out[`${side}ProcessCpuMs`] = m(runs.map((r) => r.processCpuMs));
    const sched = runs.flatMap((r) => (r.mainRunMs !== undefined && r.mainWaitMs !== undefined ? [{ run: r.mainRunMs, wait: r.mainWaitMs }] : []));
    if (sched.length === runs.length && sched.length > 0) {
      out[`${side}MainThreadCpuMs`] = m(sched.map((x) => x.run));
      out[`${side}MainThreadWaitMs`] = m(sched.map((x) => x.wait));
    }
  }
  const server = a.flatMap((r) => (r.serverCpuMs !== undefined ? [r.serverCpuMs] : []));
  if (server.length > 0) out.aTemporalServerCpuMs = m(server);
  return out;
}

function expectNormal(sim: SimulatorHandle, what: string): void {
  const modes = sim.inspector.snapshot().stores.map((s) => s.mode);
  if (modes.some((m) => m !== 'Normal')) throw new Error(`${what}: a store was left in import mode (${modes.join(', ')})`);
}

export const overheadBench: Benchmark = {
  name: 'overhead',
  description: 'A/B wall time of a whole restore through restoreWorkflow (Temporal dev server, in-process worker) vs the same production activities called directly in one process with the workflow\'s order and concurrency; fresh in-process simulator per run, A and B interleaved, medians; ratio = A / B',
  timeoutMs: { full: 900_000, quick: 120_000 },
  prepare: async (ctx) => {
    for (const s of (ctx.quick ? OVERHEAD_QUICK : OVERHEAD_FULL).shapes) await prepareBackup(ctx.workDir, s.name, s);
  },
  run: (ctx) => runOverhead(ctx.workDir, ctx.quick ? OVERHEAD_QUICK : OVERHEAD_FULL),
};
