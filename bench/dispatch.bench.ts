import { runWorker } from '../src/worker/main';
import { benchTemporal } from './bench-temporal';
import type { Benchmark } from './benchmark';
import { startSimProcess } from './bench-processes';
import { memorySample, summarize } from './measure';
import { restoreHistories } from './restore-history';
import { caseResult, type CaseResult, type Target } from './result-file';
import { backupUrl, clusterRefOf, expectWholeRestore, ingestPhase, median, prepareBackup, startRestore, type BackupShape } from './whole-restore';

export interface DispatchParams extends BackupShape {
  concurrency: number;
  /** Restores measured, each into a fresh simulator process. */
  iterations: number;
}

/** Many tiny files (a few rows each): what a file costs the cluster is next to nothing, the worker's share shows. */
export const DISPATCH_FULL: DispatchParams = { tables: 16, rows: 400, regionsPerRange: 96, concurrency: 16, iterations: 2 };
export const DISPATCH_QUICK: DispatchParams = { tables: 2, rows: 60, regionsPerRange: 6, concurrency: 4, iterations: 1 };

export const DISPATCH_TARGETS: readonly Target[] = [
  { metric: 'filesPerSec', op: '>=', limit: 1000, why: 'issue #12: with a cluster that costs nothing, one worker drives at least 1,000 files/s' },
  { metric: 'workerCpuMsPerFile', op: '<=', limit: 1, why: 'issue #12: at most 1 ms of worker CPU per file, so a 2-core worker is never the bottleneck of a real cluster' },
];

const BACKUP = 'dispatch-backup';

/**
 * How fast the worker drives files when the cluster answers at once: the simulator runs as `brflow sim` in
 * a process of its own (its CPU is not the worker's), the worker (`runWorker`, what `brflow worker` runs) in
 * this process, each restore naming its fresh simulator in the input, BR default timings. Per restore: files/s and batches/s over the ingest phase (first
 * splitAndScatter scheduled → last ingestBatch completed, from the history), and this process's CPU
 * (process.cpuUsage: user + system, every thread, the Temporal core's included) from start to result, per file.
 * Medians over the restores; the case's timings are whole restores.
 */
export async function runDispatch(dir: string, p: DispatchParams): Promise<CaseResult[]> {
  const temporal = await benchTemporal();
  const walls: number[] = [];
  const filesPerSec: number[] = [];
  const batchesPerSec: number[] = [];
  const cpuPerFile: number[] = [];
  const cpuMs: number[] = [];
  let info = { files: 0, bytes: 0, batches: 0, ingestMs: 0 };
  const taskQueue = `brflow-bench-dispatch-${process.pid}`;
  try {
    // One worker for every restore (the Temporal runtime installs once per process), with no cluster of its
    // own: each restore names its fresh simulator in the input, as `brflow restore --pd … --tidb …` does.
    const worker = await runWorker({
      temporalAddress: temporal.address, namespace: 'default', taskQueue, pdEndpoints: [],
      tidb: { host: '127.0.0.1', port: 4000, statusAddress: '127.0.0.1:10080', user: 'root', password: '' },
      logLevel: 'error', maxConcurrentActivities: p.concurrency, shutdownGraceMs: 2000, janitorEveryMs: 0,
    });
    try {
      for (let i = 0; i < p.iterations; i++) {
        const sim = await startSimProcess();
        try {
          const cpu0 = process.cpuUsage();
          const t0 = performance.now();
          const handle = await startRestore(temporal.client, taskQueue, { storage: backupUrl(dir, BACKUP), concurrency: p.concurrency, cluster: clusterRefOf(sim.target) });
          const r = await handle.result();
          const wall = performance.now() - t0;
          const cpu = process.cpuUsage(cpu0);
          expectWholeRestore(r, p.tables, 'dispatch');
          const modes = await sim.storeModes();
          if (modes.some((m) => m !== 'Normal')) throw new Error(`dispatch: a store was left in import mode (${modes.join(', ')})`);
          const phase = ingestPhase(await restoreHistories(temporal.client, handle));
          const ms = (cpu.user + cpu.system) / 1000;
          walls.push(wall);
          cpuMs.push(ms);
          filesPerSec.push(r.files / (phase.ms / 1000));
          batchesPerSec.push(phase.batches / (phase.ms / 1000));
          cpuPerFile.push(ms / r.files);
          info = { files: r.files, bytes: r.bytes, batches: phase.batches, ingestMs: phase.ms };
        } finally {
          await sim.stop();
        }
      }
    } finally {
      worker.shutdown();
      await worker.done.catch(() => undefined);
    }
  } finally {
    await temporal.stop();
  }
  const round = (x: number): number => Math.round(x * 100) / 100;
  return [caseResult({
    name: 'tiny-files',
    params: {
      tables: p.tables, rows: p.rows, regionsPerRange: p.regionsPerRange ?? 3, files: info.files, bytes: info.bytes, batches: info.batches, concurrency: p.concurrency,
      simulator: 'separate process (brflow sim)', lastIngestPhaseMs: Math.round(info.ingestMs),
      filesPerSecEach: filesPerSec.map(round).join(','), workerCpuMsPerFileEach: cpuPerFile.map((x) => Math.round(x * 1000) / 1000).join(','),
      wholeRestoreFilesPerSec: round(info.files / (median(walls) / 1000)),
    },
    timing: summarize({ wallMs: walls, cpuMs }), memory: memorySample(), opsPerIteration: info.files, bytesPerIteration: info.bytes,
    extra: { filesPerSec: median(filesPerSec), batchesPerSec: median(batchesPerSec), workerCpuMsPerFile: median(cpuPerFile) },
    targets: DISPATCH_TARGETS,
  })];
}

export const dispatchBench: Benchmark = {
  name: 'dispatch',
  description: 'files/s and batches/s one worker (in this process) drives over the ingest phase of a restore of many tiny files, the simulator in a separate process (brflow sim) so its CPU is not counted; worker CPU (process.cpuUsage, all threads) per file over the whole restore',
  timeoutMs: { full: 600_000, quick: 120_000 },
  prepare: (ctx) => prepareBackup(ctx.workDir, BACKUP, ctx.quick ? DISPATCH_QUICK : DISPATCH_FULL),
  run: (ctx) => runDispatch(ctx.workDir, ctx.quick ? DISPATCH_QUICK : DISPATCH_FULL),
};
