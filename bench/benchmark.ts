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
  /** Heavy input generation, written to workDir. */
  prepare?(ctx: BenchContext): Promise<void>;
  run(ctx: BenchContext): Promise<CaseResult[]>;
  /** How long one phase process may take at full scale, for a bench that needs longer than the runner's default. */
  fullTimeoutMs?: number;
}
