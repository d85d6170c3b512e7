import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_TEMPORAL_ENV } from '../../../bench/bench-temporal';
import type { BenchResult } from '../../../bench/result-file';
import { testTemporalAddress } from '../../support/env';

/**
 * The whole-restore benchmark at smoke scale, on this test run's Temporal dev server, so `npm run bench`
 * cannot rot: a restore runs to the end and the result file holds the restore and each step's span.
 */
test('bench restore-workflow restores a small backup and reports the restore and every per-table step', async () => {
  const out = await mkdtemp(join(tmpdir(), 'brflow-bench-restore-'));
  try {
    const root = join(__dirname, '..', '..', '..');
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--only', 'restore-workflow', '--out', out], {
      cwd: root, encoding: 'utf8', timeout: 120_000, env: { ...process.env, [BENCH_TEMPORAL_ENV]: testTemporalAddress() },
    });
    expect(r.status).toBe(0);
    const result = JSON.parse(await readFile(join(out, 'restore-workflow.json'), 'utf8')) as BenchResult;
    expect(result.error).toBeUndefined();
    expect(result.cases.map((c) => c.name)).toEqual(['restore', 'step-createTables', 'step-splitAndScatter', 'step-ingestBatch', 'step-checksumGroup']);
    const restore = result.cases[0]!;
    expect(restore.params).toMatchObject({ tables: 12, concurrency: 4, runs: 1 });
    expect(Number(restore.params.files)).toBeGreaterThan(0);
    expect(restore.metrics.meanMs).toBeGreaterThan(0);
    // Each step ran at least once and was timed from the history.
    for (const c of result.cases.slice(1)) expect(Number(c.params.activities)).toBeGreaterThan(0);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}, 180_000);
