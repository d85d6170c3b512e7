import { readFileSync } from 'node:fs';

/**
 * Timing and memory sampling for benchmarks. Pure apart from the clock and process counters, so the
 * statistics can be unit-tested on fixed samples.
 */

/** Statistics of one case's iteration times, milliseconds. */
export interface TimingSummary {
  iterations: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  minMs: number;
  maxMs: number;
  /** Mean process CPU time per run, when measured (see Samples.cpuMs). */
  cpuMeanMs?: number;
}

/**
 * Nearest-rank percentile of ascending samples: the smallest sample with at least p% of the samples at or
 * below it. With few samples p95 is the maximum, which is the honest reading of "95% were at most this".
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error('percentile of no samples');
  if (!(p > 0 && p <= 100)) throw new Error(`percentile ${p} is outside (0, 100]`);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Wall-clock and CPU time of each timed run, ms. */
export interface Samples {
  wallMs: number[];
  /**
   * Process CPU time (user + system, every thread: GC helpers included). On a machine shared with other jobs it
   * stays close to the uncontended wall time when the wall time does not.
   */
  cpuMs: number[];
}

/** Statistics of wall times (a plain array) or of measured Samples, which add the mean CPU time. */
export function summarize(samples: Samples | readonly number[]): TimingSummary {
  const wall = 'wallMs' in samples ? samples.wallMs : samples;
  const sorted = [...wall].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    iterations: sorted.length,
    meanMs: sum / sorted.length,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    minMs: sorted[0]!,
    maxMs: sorted[sorted.length - 1]!,
    ...('cpuMs' in samples && samples.cpuMs.length > 0 ? { cpuMeanMs: samples.cpuMs.reduce((a, b) => a + b, 0) / samples.cpuMs.length } : {}),
  };
}

export interface MeasureOptions {
  /** Timed runs (at least 1). */
  iterations: number;
  /** Untimed runs first, so the JIT has compiled the hot paths. @default 0 */
  warmup?: number;
  /**
   * Stop starting new timed runs once this much time went into them (at least one always runs), so a slow
   * machine stays inside the bench budget with fewer samples instead of overrunning it.
   */
  budgetMs?: number;
}

/** Runs `fn` as configured and returns each timed run's wall time (performance.now, monotonic) and CPU time. */
export async function measure(fn: () => unknown, opts: MeasureOptions): Promise<Samples> {
  for (let i = 0; i < (opts.warmup ?? 0); i++) await fn();
  const out: Samples = { wallMs: [], cpuMs: [] };
  let spent = 0;
  const runs = Math.max(1, opts.iterations);
  for (let i = 0; i < runs; i++) {
    if (i > 0 && opts.budgetMs !== undefined && spent >= opts.budgetMs) break;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    const dt = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    out.wallMs.push(dt);
    out.cpuMs.push((cpu.user + cpu.system) / 1000);
    spent += dt;
  }
  return out;
}

const MIB = 1024 * 1024;

export interface MemorySample {
  /** Resident set size now. */
  rssMiB: number;
  /** The process's high-water RSS (getrusage ru_maxrss): exact even across synchronous work no timer could sample. */
  peakRssMiB: number;
  heapUsedMiB: number;
}

/** Collects garbage first when node runs with --expose-gc, so heapUsed is what is still referenced. */
export function memorySample(): MemorySample {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) gc();
  const m = process.memoryUsage();
  return {
    rssMiB: m.rss / MIB,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    heapUsedMiB: m.heapUsed / MIB,
  };
}

/** USER_HZ: the unit of /proc/<pid>/stat times, 100 on every Linux build node ships for. */
const CLOCK_TICKS_PER_SEC = 100;

/**
 * User + system CPU another process (every thread) has used so far, ms, from Linux's /proc/<pid>/stat
 * (utime and stime, fields 14 and 15); undefined where it cannot be read (not Linux, process gone).
 */
export function processCpuMs(pid: number): number | undefined {
  try {
    // The command name is parenthesised and may hold spaces: count fields after its closing bracket.
    const rest = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(rest[11]) + Number(rest[12])) * 1000) / CLOCK_TICKS_PER_SEC;
  } catch {
    return undefined;
  }
}

/**
 * This process's main thread as the scheduler saw it, ms so far, from Linux's /proc/self/task/<pid>/schedstat:
 * time on a CPU and time runnable but waiting for one. The wait is what the other threads and processes on the
 * same cores (a Temporal server, the SDK core, V8's helpers) cost the event loop; undefined where unreadable.
 */
export function mainThreadSchedMs(): { runMs: number; waitMs: number } | undefined {
  try {
    const [run, wait] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').trim().split(' ').map(Number);
    if (run === undefined || wait === undefined || !Number.isFinite(run) || !Number.isFinite(wait)) return undefined;
    return { runMs: run / 1e6, waitMs: wait / 1e6 };
  } catch {
    return undefined;
  }
}
