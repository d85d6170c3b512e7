import type { CaseResult } from './result-file';

/** What the runner gives a benchmark. */
export interface BenchContext {
  /** Smoke scale: seconds, not minutes. */
  quick: boolean;
  /** A folder of this bench's own; prepare() and run() of one bench share it, the runner deletes it after. */
  workDir: string;
}

/**
 * One `bench/<name>.bench.ts`. The runner starts a fresh process for prepare() and another for run(), so
 * the peak RSS a case reports is the measured work's (and its inputs'), not the setup's garbage or another
 * benchmark's.
 */
export interface Benchmark {
  /** kebab-case; the result file is bench/results/<name>.json. */
  name: string;
  description: string;
  /**
   * Per-process time limit when the default (150 s full, 60 s quick) is too short: whole-restore benches run
   * several restores in one process. @default the runner's PROCESS_TIMEOUT_MS
   */
  timeoutMs?: { full: number; quick: number };
  /** Heavy input generation, written to workDir. */
  prepare?(ctx: BenchContext): Promise<void>;
  run(ctx: BenchContext): Promise<CaseResult[]>;
}
