import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_TEMPORAL_ENV } from '../../../bench/bench-temporal';
import type { BenchResult, CaseResult } from '../../../bench/result-file';
import { testTemporalAddress } from '../../support/env';

/**
 * The whole-restore benchmarks (overhead, dispatch, recovery) at smoke scale through `bench/run.ts`, on this
 * test run's Temporal dev server, so they cannot rot: each restores its toy backup to the end (the benches
 * themselves check every table's checksum and the stores' normal mode) and writes its figures and targets.
 */
let out: string;
let results: Record<string, BenchResult>;

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'brflow-bench-whole-'));
  const root = join(__dirname, '..', '..', '..');
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--only', 'overhead,dispatch,recovery', '--out', out], {
    cwd: root, encoding: 'utf8', timeout: 420_000, env: { ...process.env, [BENCH_TEMPORAL_ENV]: testTemporalAddress() },
  });
  if (r.status !== 0) throw new Error(`bench/run.ts exited ${r.status ?? r.signal}: ${r.stdout}\n${r.stderr}`);
  results = {};
  for (const name of ['overhead', 'dispatch', 'recovery']) results[name] = JSON.parse(await readFile(join(out, `${name}.json`), 'utf8')) as BenchResult;
}, 450_000);

afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

function metricTarget(c: CaseResult, metric: string): { actual: number | null; limit: number } {
  const t = c.targets.find((x) => x.metric === metric);
  if (!t) throw new Error(`case ${c.name} has no ${metric} target`);
  return t;
}

test('overhead restores each shape through the workflow and directly, and reports A/B against 1.05', () => {
  const r = results.overhead!;
  expect(r.error).toBeUndefined();
  expect(r.cases.map((c) => c.name)).toEqual(['small-tables', 'large-tables']);
  for (const c of r.cases) {
    expect(Number(c.params.files)).toBeGreaterThan(0);
    expect(Number(c.params.aMedianMs)).toBeGreaterThan(0);
    expect(Number(c.params.bMedianMs)).toBeGreaterThan(0);
    expect(c.metrics.ratio).toBeCloseTo(Number(c.params.aMedianMs) / Number(c.params.bMedianMs), 1);
    expect(metricTarget(c, 'ratio')).toMatchObject({ limit: 1.05, actual: c.metrics.ratio });
    // Where each side's main thread spent the run (Linux schedstat): on a CPU most of it, waiting for one a part.
    for (const side of ['a', 'b']) {
      const cpu = Number(c.params[`${side}MainThreadCpuMs`]);
      const wait = Number(c.params[`${side}MainThreadWaitMs`]);
      expect(cpu).toBeGreaterThan(0);
      expect(wait).toBeGreaterThanOrEqual(0);
      expect(cpu + wait).toBeLessThanOrEqual(Number(c.params[`${side}MedianMs`]) * 1.5);
    }
  }
});

test('dispatch reports files/s, batches/s and worker CPU per file of a restore against a simulator process', () => {
  const c = results.dispatch!.cases[0]!;
  expect(results.dispatch!.error).toBeUndefined();
  expect(c.params.simulator).toMatch(/separate process/);
  expect(c.metrics.filesPerSec).toBeGreaterThan(0);
  expect(c.metrics.batchesPerSec).toBeGreaterThan(0);
  expect(c.metrics.workerCpuMsPerFile).toBeGreaterThan(0);
  expect(metricTarget(c, 'filesPerSec').limit).toBe(1000);
  expect(metricTarget(c, 'workerCpuMsPerFile').limit).toBe(1);
});

test('recovery kills the worker process mid-ingest, a new one finishes, and the cost is read from history and ingest counts', () => {
  const c = results.recovery!.cases[0]!;
  expect(results.recovery!.error).toBeUndefined();
  expect(c.params.kills).toBe(1);
  // Killed after some but not all files reached the stores.
  expect(Number(c.params.killedAtFiles)).toBeGreaterThan(0);
  expect(Number(c.params.killedAtFiles)).toBeLessThan(Number(c.params.files));
  expect(c.metrics.recoverySec).toBeGreaterThan(0);
  expect(c.metrics.duplicateFileShare).toBeGreaterThanOrEqual(0);
  expect(c.metrics.duplicateFileShare).toBeLessThanOrEqual(1);
  expect(c.metrics.extraWallSec).toBeCloseTo((Number(c.params.killedMs) - Number(c.params.unkilledMs)) / 1000, 0);
  expect(metricTarget(c, 'recoverySec').limit).toBe(12);
  expect(metricTarget(c, 'duplicateFileShare').limit).toBe(0.05);
});
