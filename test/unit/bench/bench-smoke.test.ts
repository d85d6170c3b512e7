import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStorage } from '../../../src/backup/local-storage';
import { readManifest } from '../../../src/backup/read-manifest';
import { decodeTableId, fromHex } from '../../../src/plan/keys';
import { planRestore, rewriteBatch } from '../../../src/plan/restore-plan';
import { buildTableRewrite } from '../../../src/plan/rewrite-rules';
import { BENCHMARKS } from '../../../bench/benchmarks';
import { prepareImportBackup, runImport } from '../../../bench/import.bench';
import { runChecksum } from '../../../bench/checksum.bench';
import { runCreateTables } from '../../../bench/create-tables.bench';
import { measure, percentile, summarize } from '../../../bench/measure';
import { preparePlanInput, runPlanRestore } from '../../../bench/plan-restore.bench';
import { prepareBackupMeta, runReadManifest } from '../../../bench/read-manifest.bench';
import { caseResult, checkTargets, formatCaseLine, writeResult, type BenchResult, type CaseResult } from '../../../bench/result-file';
import { parseBenchArgs } from '../../../bench/run-args';
import { prepareScale, runScale, scaleParams, SCALE_FULL, SCALE_QUICK } from '../../../bench/scale.bench';
import { runSst } from '../../../bench/sst.bench';
import { syntheticBackupMeta } from '../../../bench/synthetic-backupmeta';
import { syntheticManifest } from '../../../bench/synthetic-manifest';
import { duplicateFileShare } from '../../../bench/recovery.bench';
import { firstCompletionByOtherWorker, ingestPhase, median } from '../../../bench/whole-restore';
import Long from 'long';
import type { HistoryEvent } from '../../../bench/activity-spans';

/** The bench harness's pure pieces and every runner at toy scale, so `npm run bench` cannot rot unnoticed. */
describe('bench statistics', () => {
  it('nearest-rank percentiles and summary of fixed samples', () => {
    expect(summarize([50, 10, 30, 20, 40])).toEqual({ iterations: 5, meanMs: 30, p50Ms: 30, p95Ms: 50, minMs: 10, maxMs: 50 });
    expect(summarize({ wallMs: [4, 2], cpuMs: [1, 2] })).toEqual({ iterations: 2, meanMs: 3, p50Ms: 2, p95Ms: 4, minMs: 2, maxMs: 4, cpuMeanMs: 1.5 });
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(hundred, 95)).toBe(95);
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile([7], 95)).toBe(7);
    expect(() => percentile([], 50)).toThrow(/no samples/);
  });

  it('measure runs warmups untimed, then the iterations, and stops at the budget after one run', async () => {
    let calls = 0;
    const s = await measure(() => calls++, { iterations: 3, warmup: 2 });
    expect(s.wallMs).toHaveLength(3);
    expect(s.cpuMs).toHaveLength(3);
    expect(calls).toBe(5);
    calls = 0;
    expect((await measure(() => calls++, { iterations: 10, budgetMs: 0 })).wallMs).toHaveLength(1);
    expect(calls).toBe(1);
    // A run that burns 20 ms of CPU reports at least that much CPU time. (Not compared with its wall time:
    // process CPU counts GC and other threads too, so on a busy machine it can exceed the wall time.)
    const burn = await measure(() => {
      const c0 = process.cpuUsage();
      while (process.cpuUsage(c0).user < 20_000) calls++;
    }, { iterations: 1 });
    expect(burn.cpuMs[0]).toBeGreaterThanOrEqual(20);
    // A run that waits 30 ms reports at least that much wall time (timers never fire early).
    const wait = await measure(() => new Promise((r) => setTimeout(r, 30)), { iterations: 1 });
    expect(wait.wallMs[0]).toBeGreaterThanOrEqual(29);
  });
});

describe('bench result files', () => {
  const memory = { rssMiB: 100, peakRssMiB: 300, heapUsedMiB: 50 };

  it('derives ops/s and MB/s from the mean and checks each target, a missing metric failing', () => {
    const c = caseResult({
      name: 'x', params: { n: 1 }, memory, opsPerIteration: 4, bytesPerIteration: 10_000_000,
      timing: { iterations: 2, meanMs: 500, p50Ms: 400, p95Ms: 600, minMs: 400, maxMs: 600 },
      targets: [
        { metric: 'mbPerSec', op: '>=', limit: 20, why: 'a' },
        { metric: 'p95Ms', op: '<=', limit: 599, why: 'b' },
        { metric: 'peakRssMiB', op: '<=', limit: 300, why: 'c' },
      ],
    });
    expect(c.metrics).toMatchObject({ opsPerSec: 8, mbPerSec: 20, p95Ms: 600, peakRssMiB: 300, heapUsedMiB: 50 });
    expect(c.targets.map((t) => [t.metric, t.actual, t.pass])).toEqual([['mbPerSec', 20, true], ['p95Ms', 600, false], ['peakRssMiB', 300, true]]);
    expect(c.pass).toBe(false);
    expect(checkTargets({ ...c.metrics, mbPerSec: undefined }, [{ metric: 'mbPerSec', op: '>=', limit: 1, why: '' }])).toEqual([
      { metric: 'mbPerSec', op: '>=', limit: 1, why: '', actual: null, pass: false },
    ]);
    expect(formatCaseLine('b', c)).toContain('p95Ms 600 <= 599 FAIL');
  });

  it('writes <dir>/<name>.json that reads back whole', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'brflow-bench-test-'));
    try {
      const result: BenchResult = {
        name: 'demo', description: 'd', date: '2026-01-01T00:00:00.000Z', quick: true, durationMs: 1, pass: true, cases: [],
        env: { node: 'v20', platform: 'linux', arch: 'x64', cpuModel: 'c', cpuCount: 2, totalMemMiB: 1, loadAvg: [0, 0, 0] },
      };
      const path = await writeResult(join(dir, 'nested'), result);
      expect(path).toBe(join(dir, 'nested', 'demo.json'));
      expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(result);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('parses the command line; quick runs never default to the committed results folder', () => {
    expect(parseBenchArgs([], '/r')).toEqual({ quick: false, strict: false, out: '/r' });
    const q = parseBenchArgs(['--quick', '--only', 'sst, checksum'], '/r');
    expect(q.out).not.toBe('/r');
    expect(q.only).toEqual(['sst', 'checksum']);
    expect(parseBenchArgs(['--run', 'sst', '--work-dir', '/w', '--out', '/o'], '/r').phase).toEqual({ kind: 'run', bench: 'sst', workDir: '/w' });
    expect(() => parseBenchArgs(['--fast'], '/r')).toThrow(/unknown option --fast/);
    expect(() => parseBenchArgs(['--only'], '/r')).toThrow(/--only needs a value/);
  });

  it('takes the scale bench\'s table counts from BRFLOW_BENCH_SCALE_POINTS, refusing counts it cannot compare', () => {
    expect(scaleParams(false, {})).toEqual(SCALE_FULL);
    expect(scaleParams(true, { BRFLOW_BENCH_SCALE_POINTS: ' ' })).toEqual(SCALE_QUICK);
    expect(scaleParams(false, { BRFLOW_BENCH_SCALE_POINTS: '1000, 4000' })).toEqual({ ...SCALE_FULL, points: [1000, 4000] });
    for (const bad of ['1000', '4000,1000', '1000,1000', '0,10', '1e3,abc']) {
      expect(() => scaleParams(false, { BRFLOW_BENCH_SCALE_POINTS: bad })).toThrow(/BRFLOW_BENCH_SCALE_POINTS=.*at least two ascending positive table counts/);
    }
  });

  it('reports and checks a case\'s own figures (ratio, files/s, recovery, …) like its timings', () => {
    const c = caseResult({
      name: 'x', params: {}, memory, timing: { iterations: 1, meanMs: 1000, p50Ms: 1000, p95Ms: 1000, minMs: 1000, maxMs: 1000 },
      extra: { ratio: 1.2, duplicateFileShare: 0.01 },
      targets: [{ metric: 'ratio', op: '<=', limit: 1.05, why: 'a' }, { metric: 'duplicateFileShare', op: '<=', limit: 0.05, why: 'b' }, { metric: 'recoverySec', op: '<=', limit: 12, why: 'c' }],
    });
    expect(c.metrics).toMatchObject({ ratio: 1.2, duplicateFileShare: 0.01 });
    expect(c.targets.map((t) => [t.metric, t.actual, t.pass])).toEqual([['ratio', 1.2, false], ['duplicateFileShare', 0.01, true], ['recoverySec', null, false]]);
    expect(formatCaseLine('b', c)).toContain('ratio 1.20');
  });

  it('registers each benchmark once under a kebab-case name, the whole-restore ones with a longer time limit', () => {
    const names = BENCHMARKS.map((b) => b.name);
    expect(names).toEqual(expect.arrayContaining(['restore-workflow', 'overhead', 'dispatch', 'recovery']));
    for (const n of ['overhead', 'dispatch', 'recovery']) expect(BENCHMARKS.find((b) => b.name === n)!.timeoutMs!.full).toBeGreaterThan(150_000);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });
});

describe('whole-restore bench pieces', () => {
  const at = (ms: number) => ({ seconds: Long.fromNumber(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 });
  const scheduled = (id: number, type: string, ms: number): HistoryEvent => ({ eventId: Long.fromNumber(id), eventTime: at(ms), activityTaskScheduledEventAttributes: { activityType: { name: type } } });
  const completed = (id: number, of: number, ms: number, identity: string): HistoryEvent => ({ eventId: Long.fromNumber(id), eventTime: at(ms), activityTaskCompletedEventAttributes: { scheduledEventId: Long.fromNumber(of), identity } });

  it('reads the ingest phase and the first completion by another worker from histories (continue-as-new runs included)', () => {
    const run1 = [scheduled(1, 'createTables', 1000), completed(2, 1, 1500, '7@h'), scheduled(3, 'splitAndScatter', 2000), completed(4, 3, 2100, '7@h'), scheduled(5, 'ingestBatch', 2100), completed(6, 5, 3000, '7@h')];
    const run2 = [scheduled(1, 'ingestBatch', 4000), completed(2, 1, 9000, '70@h'), scheduled(3, 'checksumGroup', 9000), completed(4, 3, 9500, '70@h')];
    expect(ingestPhase([run1, run2])).toEqual({ ms: 7000, batches: 2 });
    // Worker 7 was killed at 2500: the first completion after it by another worker (70, not 7's 3000).
    expect(firstCompletionByOtherWorker([run1, run2], '7@', 2500)).toEqual({ atMs: 9000, type: 'ingestBatch' });
    expect(firstCompletionByOtherWorker([run1], '7@', 2500)).toBeUndefined();
    expect(() => ingestPhase([[scheduled(1, 'createTables', 1)]])).toThrow(/no completed ingest/);
  });

  it('counts a file as ingested twice only when the killed run ingested it more often than the unkilled one', () => {
    expect(duplicateFileShare({ a: 1, b: 2, c: 1, d: 1 }, { a: 2, b: 2, c: 1, d: 3 })).toEqual({ files: 4, duplicated: 2, share: 0.5 });
    expect(() => duplicateFileShare({ a: 1, b: 1 }, { a: 1 })).toThrow(/never ingested 1 file/);
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe('synthetic backups', () => {
  const opts = { tables: 30, files: 95, tablesPerDatabase: 7, partitionEvery: 10, partitions: 3, seed: 5 };

  it('spreads exactly the files asked for over the tables, each under one of its table\'s physical IDs, checksums summed', () => {
    const m = syntheticManifest(opts);
    expect(m.tables).toHaveLength(30);
    expect(m.databases).toHaveLength(5);
    expect(m.tables.reduce((n, t) => n + t.files.length, 0)).toBe(95);
    const partitioned = m.tables.filter((t) => t.physicalIds.length === 4);
    expect(partitioned).toHaveLength(3);
    // Rows of a partitioned table live in its partitions, never under the table ID.
    for (const t of partitioned) for (const f of t.files) expect(Number(decodeTableId(fromHex(f.startKey)))).not.toBe(t.id);
    for (const t of m.tables) {
      expect(t.files.length === 3 || t.files.length === 4).toBe(true);
      let crc = 0n;
      for (const f of t.files) {
        expect(t.physicalIds).toContain(Number(decodeTableId(fromHex(f.startKey))));
        expect(f.startKey < f.endKey).toBe(true);
        crc ^= BigInt(f.crc64xor);
      }
      expect(t.crc64xor).toBe(crc.toString());
      expect(t.totalKvs).toBe(t.files.reduce((n, f) => n + BigInt(f.totalKvs), 0n).toString());
    }
    expect(syntheticManifest(opts)).toEqual(m);
    expect(syntheticManifest({ ...opts, seed: 6 })).not.toEqual(m);
    const plan = planRestore(m);
    expect(plan.summary).toMatchObject({ tables: 30, files: 95, databases: 5, unsupportedTables: 0 });
    // Ranges end where BR's do (index ranges inside their own prefix), so every batch rewrites into a new table.
    for (const b of plan.batches) {
      const info = plan.tables[b.table]!.info;
      expect(rewriteBatch(plan, b.index, buildTableRewrite(info, { ...info, id: info.id + 1000 })).ranges.length).toBe(b.rangeEnd - b.rangeStart);
    }
  });

  it('encodes as meta v2 that readManifest reads back to the same manifest (several leaves per index)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'brflow-bench-meta-'));
    try {
      const m = syntheticManifest(opts);
      const objects = syntheticBackupMeta(m, { leafEntries: 20 });
      expect(objects.map((o) => o.name)).toEqual([
        ...[1, 2, 3, 4, 5].map((i) => `backupmeta.datafile.00000000${i}`),
        'backupmeta.schema.000000006', 'backupmeta.schema.000000007', 'backupmeta',
      ]);
      const storage = new LocalStorage(dir);
      for (const o of objects) await storage.write(o.name, o.bytes);
      expect(await readManifest(storage)).toEqual(m);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('benchmark runners at toy scale', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'brflow-bench-run-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function expectMeasured(cases: CaseResult[], names: string[]): void {
    expect(cases.map((c) => c.name)).toEqual(names);
    for (const c of cases) {
      expect(c.metrics.iterations).toBeGreaterThanOrEqual(1);
      expect(Number.isFinite(c.metrics.opsPerSec) && c.metrics.opsPerSec > 0).toBe(true);
      expect(c.metrics.peakRssMiB).toBeGreaterThan(0);
      for (const t of c.targets) expect(t.actual).not.toBeNull();
      expect(c.pass).toBe(c.targets.every((t) => t.pass));
    }
  }

  it('plan-restore and read-manifest prepare their inputs and measure them', async () => {
    const p = { tables: 12, files: 40, iterations: 1, budgetMs: 1000 };
    await preparePlanInput(dir, p);
    const plan = await runPlanRestore(dir, p);
    expectMeasured(plan, ['plan', 'hash']);
    expect(plan[0]!.params).toMatchObject({ tables: 12, files: 40 });
    expect(plan[0]!.targets.map((t) => t.metric)).toEqual(['p95Ms', 'peakRssMiB']);
    await prepareBackupMeta(dir, p);
    const read = await runReadManifest(dir, p);
    expectMeasured(read, ['meta-v2']);
    expect(read[0]!.metrics.mbPerSec).toBeGreaterThan(0);
  });

  it('sst and checksum measure every case', async () => {
    expectMeasured(await runSst({ rawBytes: 16 * 1024, iterations: 1, compressions: ['none', 'zstd'] }), ['write-none', 'read-none', 'write-zstd', 'read-zstd']);
    expectMeasured(await runChecksum({ bufferBytes: 64 * 1024, fileRawBytes: 16 * 1024, iterations: 1 }), ['crc64', 'crc32c', 'sha256', 'kv-checksum', 'backup-file-checksum']);
  });

  it('import restores a tiny backup into the in-process simulator and checks its checksums', async () => {
    const p = { tables: 2, rows: 20, iterations: 1, stores: 3 };
    await prepareImportBackup(dir, p);
    const cases = await runImport(dir, p);
    expectMeasured(cases, ['split-scatter', 'download-ingest']);
    expect(cases[1]!.params).toMatchObject({ tables: 2, stores: 3 });
    expect(Number(cases[1]!.params.files)).toBeGreaterThan(0);
  });

  it('create-tables creates a toy backup\'s tables through the createTables activity on a real TiDB and on the simulator', async () => {
    const cases = await runCreateTables({ tables: 8, tablesPerDatabase: 4, iterations: 1, targets: ['real-tidb', 'real-tidb-create-only', 'real-tidb-auto-ids', 'simulator'], sessions: 3 });
    expectMeasured(cases, ['real-tidb', 'real-tidb-create-only', 'real-tidb-auto-ids', 'simulator']);
    expect(cases[0]!.params).toMatchObject({ tables: 8, databases: 2, sessions: 3, tablesWithColumnGaps: 2, tablesWithAutoIdBase: 0, fastCreateTable: 'ON' });
    expect(cases[1]!.params).toMatchObject({ tables: 8, tablesWithColumnGaps: 0, tablesWithAutoIdBase: 0 });
    // Every table restores an auto ID base, and the CREATEs set them all: TiDB ran no rebase job.
    expect(cases[2]!.params).toMatchObject({ tables: 8, tablesWithColumnGaps: 0, tablesWithAutoIdBase: 8, rebaseJobs: 0 });
    for (const c of cases.slice(0, 3)) {
      expect(c.params.tidbCpuMsPerTable).toBeGreaterThan(0);
      expect(c.targets.map((t) => [t.metric, t.limit])).toEqual([['opsPerSec', 260]]);
    }
    expect(cases[3]!.params.tidbCpuMsPerTable).toBeUndefined();
  }, 120_000);

  it('scale restores two tiny make-backup backups through the workflow (dev server, simulator process, worker process)', async () => {
    const p = { points: [2, 4], rows: 2, concurrency: 2 };
    await prepareScale(dir, p);
    const cases = await runScale(dir, p);
    expectMeasured(cases, ['restore-2', 'restore-4', 'ms-per-table-at-scale']);
    const last = cases[1]!;
    expect(last.params).toMatchObject({ tables: 4, runs: 1 });
    expect(Number(last.params.files)).toBeGreaterThan(4);
    expect(Number(last.params.maxRunEvents)).toBeGreaterThan(0);
    expect(Number(last.params.maxRunEvents)).toBeLessThanOrEqual(10_000);
    expect(Number(last.params.downloadRpcsPerFile)).toBeGreaterThan(0);
    expect(Number(last.params.simPeakRssMiB)).toBeGreaterThan(0);
    // Each point's worker is a process of its own: its CPU and peak RSS are read from /proc, not this process's.
    expect(Number(last.params.workerCpuMsPerFile)).toBeGreaterThan(0);
    // So are the simulator's and (when the bench started it) the dev server's, per table: the three share the cores.
    expect(Number(last.params.simCpuMsPerTable)).toBeGreaterThan(0);
    if (process.env.BRFLOW_BENCH_TEMPORAL_ADDRESS === undefined) expect(Number(last.params.temporalCpuMsPerTable)).toBeGreaterThan(0);
    else expect(last.params.temporalCpuMsPerTable).toBeUndefined();
    expect(last.metrics.peakRssMiB).not.toBe(process.resourceUsage().maxRSS / 1024);
    expect(last.targets.map((t) => t.metric)).toEqual(['peakRssMiB', 'cpuMeanMs']);
    expect(cases[2]!.targets.map((t) => t.metric)).toEqual(['meanMs']);
  }, 300_000);

  it('bench/run.ts runs a benchmark in child processes and writes its result file', async () => {
    const out = join(dir, 'results');
    const root = join(__dirname, '..', '..', '..');
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--only', 'checksum', '--out', out], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    const result = JSON.parse(await readFile(join(out, 'checksum.json'), 'utf8')) as BenchResult;
    expect(result).toMatchObject({ name: 'checksum', quick: true });
    expect(result.error).toBeUndefined();
    expect(result.cases.map((c) => c.name)).toEqual(['crc64', 'crc32c', 'sha256', 'kv-checksum', 'backup-file-checksum']);
    expect(result.env.node).toBe(process.version);
    expect(result.baselineRssMiB).toBeGreaterThan(0);
    // One printed line per case, naming it.
    for (const c of result.cases) expect(r.stdout).toContain(`checksum/${c.name}: `);
  });
});
