import { mkdir, rename, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import type { MemorySample, TimingSummary } from './measure';

/** Metrics every case reports; throughput only where bytes flow. Times ms, memory MiB (2^20), MB/s = 10^6 bytes/s. */
export interface CaseMetrics extends TimingSummary {
  /** Operations per second at the mean time (an operation is what the case names, e.g. one plan, one file). */
  opsPerSec: number;
  mbPerSec?: number;
  /** High-water RSS of the bench process when the case finished (each bench runs in its own process). */
  peakRssMiB: number;
  /** Heap still referenced after the case, results alive, after a forced GC. */
  heapUsedMiB: number;
  /** A case's own figures beyond time and memory (whole-restore benches), each named by its metric. */
  ratio?: number;
  filesPerSec?: number;
  batchesPerSec?: number;
  workerCpuMsPerFile?: number;
  recoverySec?: number;
  extraWallSec?: number;
  duplicateFileShare?: number;
}

/**
 * Figures a case computes itself rather than from its timings: `ratio` (A/B wall time, overhead), `filesPerSec`
 * and `batchesPerSec` (ingest phase), `workerCpuMsPerFile` (worker process CPU / files), `recoverySec` (kill →
 * next completed activity), `extraWallSec` (killed run − unkilled run), `duplicateFileShare` (0..1).
 */
export type ExtraMetricName = 'ratio' | 'filesPerSec' | 'batchesPerSec' | 'workerCpuMsPerFile' | 'recoverySec' | 'extraWallSec' | 'duplicateFileShare';

export type MetricName = 'opsPerSec' | 'mbPerSec' | 'p50Ms' | 'p95Ms' | 'meanMs' | 'cpuMeanMs' | 'peakRssMiB' | 'heapUsedMiB' | ExtraMetricName;

/** What a case is checked against: `metric op limit`, e.g. p95Ms <= 5000. */
export interface Target {
  metric: MetricName;
  op: '<=' | '>=';
  limit: number;
  /** Where the number comes from (a BR figure, an operational limit), for the README and the result file. */
  why: string;
}

export interface TargetCheck extends Target {
  actual: number | null;
  pass: boolean;
}

export type CaseParams = Record<string, string | number | boolean>;

export interface CaseResult {
  name: string;
  params: CaseParams;
  metrics: CaseMetrics;
  targets: TargetCheck[];
  pass: boolean;
}

export interface BenchEnvironment {
  node: string;
  platform: string;
  arch: string;
  cpuModel: string;
  cpuCount: number;
  totalMemMiB: number;
  /** 1/5/15-minute load averages when the bench started: a shared machine makes times noisy. */
  loadAvg: number[];
}

export interface BenchResult {
  name: string;
  description: string;
  /** ISO 8601, UTC. */
  date: string;
  /** Smoke run at reduced scale: its numbers say the code runs, not how fast it is at full scale. */
  quick: boolean;
  env: BenchEnvironment;
  durationMs: number;
  /** RSS of the run process before the benchmark started (node, tsx and every module loaded): subtract it from peakRssMiB for the work's own share. */
  baselineRssMiB?: number;
  /** Every case met every target, and nothing threw. */
  pass: boolean;
  error?: string;
  cases: CaseResult[];
}

export function environment(): BenchEnvironment {
  const c = cpus();
  return {
    node: process.version, platform: process.platform, arch: process.arch, cpuModel: c[0]?.model ?? 'unknown', cpuCount: c.length,
    totalMemMiB: Math.round(totalmem() / (1024 * 1024)), loadAvg: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

export function checkTargets(metrics: CaseMetrics, targets: readonly Target[]): TargetCheck[] {
  return targets.map((t) => {
    const actual = metrics[t.metric];
    if (actual === undefined || !Number.isFinite(actual)) return { ...t, actual: null, pass: false };
    return { ...t, actual, pass: t.op === '<=' ? actual <= t.limit : actual >= t.limit };
  });
}

export interface CaseInput {
  name: string;
  params: CaseParams;
  timing: TimingSummary;
  memory: MemorySample;
  /** Operations one timed iteration performs. @default 1 */
  opsPerIteration?: number;
  /** Bytes one timed iteration processes; gives mbPerSec. */
  bytesPerIteration?: number;
  /** Figures the case computed itself (see ExtraMetricName), reported and checked like the others. */
  extra?: Partial<Record<ExtraMetricName, number>>;
  targets: readonly Target[];
}

const round = (v: number, digits = 3): number => Number(v.toPrecision(digits + 3));

/** Turns timings and memory into the case's metrics and checks its targets. */
export function caseResult(c: CaseInput): CaseResult {
  const seconds = c.timing.meanMs / 1000;
  const metrics: CaseMetrics = {
    iterations: c.timing.iterations,
    meanMs: round(c.timing.meanMs), p50Ms: round(c.timing.p50Ms), p95Ms: round(c.timing.p95Ms), minMs: round(c.timing.minMs), maxMs: round(c.timing.maxMs),
    ...(c.timing.cpuMeanMs !== undefined ? { cpuMeanMs: round(c.timing.cpuMeanMs) } : {}),
    opsPerSec: round((c.opsPerIteration ?? 1) / seconds),
    ...(c.bytesPerIteration !== undefined ? { mbPerSec: round(c.bytesPerIteration / 1e6 / seconds) } : {}),
    peakRssMiB: round(c.memory.peakRssMiB), heapUsedMiB: round(c.memory.heapUsedMiB),
    ...Object.fromEntries(Object.entries(c.extra ?? {}).filter(([, v]) => v !== undefined).map(([k, v]) => [k, round(v)])),
  };
  const targets = checkTargets(metrics, c.targets);
  return { name: c.name, params: c.params, metrics, targets, pass: targets.every((t) => t.pass) };
}

/** `<dir>/<name>.json`, written whole or not at all (temp file + rename). Returns the path. */
export async function writeResult(dir: string, result: BenchResult): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${result.name}.json`);
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(result, null, 2)}\n`);
  await rename(tmp, path);
  return path;
}

const EXTRA_METRICS: readonly ExtraMetricName[] = ['ratio', 'filesPerSec', 'batchesPerSec', 'workerCpuMsPerFile', 'recoverySec', 'extraWallSec', 'duplicateFileShare'];

const fmt = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

/** One line per case: what ran, how fast, how much memory, and each target with PASS/FAIL. */
export function formatCaseLine(bench: string, c: CaseResult): string {
  const m = c.metrics;
  const tput = m.mbPerSec !== undefined ? ` ${fmt(m.mbPerSec)} MB/s` : '';
  const targets = c.targets.map((t) => `${t.metric} ${fmt(t.actual ?? NaN)} ${t.op} ${t.limit} ${t.pass ? 'PASS' : 'FAIL'}`).join(', ');
  const cpu = m.cpuMeanMs !== undefined ? ` cpu ${fmt(m.cpuMeanMs)} ms` : '';
  const extra = EXTRA_METRICS.filter((k) => m[k] !== undefined).map((k) => ` ${k} ${fmt(m[k]!)}`).join('');
  return `${bench}/${c.name}: ${fmt(m.opsPerSec)} ops/s${tput} p50 ${fmt(m.p50Ms)} ms p95 ${fmt(m.p95Ms)} ms${cpu}${extra} (n=${m.iterations}) ` +
    `peak RSS ${fmt(m.peakRssMiB)} MiB heap ${fmt(m.heapUsedMiB)} MiB${targets ? ` | ${targets}` : ''}`;
}
