/**
 * `npm run bench`: runs every benchmark, each in fresh processes (prepare, then run), prints one line per case
 * and writes bench/results/<name>.json. Missing a target is recorded in the result, never an exit code: the
 * bench is a measurement, not a gate (pass --strict to make misses and errors exit 1 locally).
 *
 *   npm run bench                          full scale, results to bench/results/
 *   npm run bench -- --quick               smoke scale, results to $TMPDIR/brflow-bench-quick/
 *   npm run bench -- --only sst,checksum   a subset
 *   npm run bench -- --out DIR --strict
 *
 * A full-scale run into bench/results then re-renders README.md's benchmark table from them (readme-table.ts).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Benchmark, BenchContext } from './benchmark';
import { BENCHMARKS } from './benchmarks';
import { memorySample } from './measure';
import { parseBenchArgs, type BenchArgs } from './run-args';
import { refreshesReadme, updateReadmeTable } from './readme-table';
import { environment, formatCaseLine, writeResult, type BenchResult } from './result-file';

/** Per-process limit; a bench that hangs is killed and recorded as an error instead of stalling CI. */
const PROCESS_TIMEOUT_MS = { full: 150_000, quick: 60_000 };

function findBench(name: string): Benchmark {
  const b = BENCHMARKS.find((x) => x.name === name);
  if (!b) throw new Error(`no benchmark ${name}; there are ${BENCHMARKS.map((x) => x.name).join(', ')}`);
  return b;
}

/** Child side: prepare writes inputs to workDir; run measures and writes the result file. */
async function child(args: BenchArgs, phase: NonNullable<BenchArgs['phase']>): Promise<void> {
  const bench = findBench(phase.bench);
  const ctx: BenchContext = { quick: args.quick, workDir: phase.workDir };
  if (phase.kind === 'prepare') {
    await bench.prepare?.(ctx);
    return;
  }
  const env = environment();
  const baselineRssMiB = Math.round(memorySample().rssMiB);
  const t0 = performance.now();
  const cases = await bench.run(ctx);
  const result: BenchResult = {
    name: bench.name, description: bench.description, date: new Date().toISOString(), quick: args.quick, env,
    durationMs: Math.round(performance.now() - t0), baselineRssMiB, pass: cases.every((c) => c.pass), cases,
  };
  await writeResult(args.out, result);
}

/** Starts this script again for one phase of one bench; resolves with how it ended. */
function runPhase(args: BenchArgs, kind: 'prepare' | 'run', bench: Benchmark, workDir: string): Promise<string | undefined> {
  const argv = [...process.execArgv, '--expose-gc', process.argv[1]!, `--${kind}`, bench.name, '--work-dir', workDir, '--out', args.out];
  if (args.quick) argv.push('--quick');
  return new Promise((done) => {
    const p = spawn(process.execPath, argv, { stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    const limits = bench.timeoutMs ?? PROCESS_TIMEOUT_MS;
    const limit = args.quick ? limits.quick : limits.full;
    const timer = setTimeout(() => p.kill('SIGKILL'), limit);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) done(undefined);
      else done(`${kind} ${signal === 'SIGKILL' ? `killed after ${limit} ms` : `exited ${code ?? signal}`}: ${stderr.trim().split('\n').filter((l) => !/^\s+at /.test(l)).slice(-4).join(' | ')}`);
    });
    p.on('error', (e) => done(`${kind} did not start: ${e.message}`));
  });
}

async function parent(args: BenchArgs): Promise<number> {
  const selected = args.only ? args.only.map(findBench) : BENCHMARKS;
  console.log(`brflow bench${args.quick ? ' --quick (smoke scale)' : ''}: ${selected.map((b) => b.name).join(', ')} → ${args.out}`);
  let bad = 0;
  for (const bench of selected) {
    const workDir = await mkdtemp(join(tmpdir(), `brflow-bench-${bench.name}-`));
    const t0 = performance.now();
    let error: string | undefined;
    try {
      if (bench.prepare) error = await runPhase(args, 'prepare', bench, workDir);
      if (!error) {
        await rm(join(args.out, `${bench.name}.json`), { force: true });
        error = await runPhase(args, 'run', bench, workDir);
      }
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
    let result: BenchResult;
    if (error) {
      result = {
        name: bench.name, description: bench.description, date: new Date().toISOString(), quick: args.quick, env: environment(),
        durationMs: Math.round(performance.now() - t0), pass: false, error, cases: [],
      };
      await writeResult(args.out, result);
      console.log(`${bench.name}: ERROR ${error}`);
    } else {
      result = JSON.parse(await readFile(join(args.out, `${bench.name}.json`), 'utf8')) as BenchResult;
      for (const c of result.cases) console.log(formatCaseLine(bench.name, c));
    }
    if (!result.pass) bad++;
    console.log(`${bench.name}: ${result.error ? 'ERROR' : result.pass ? 'all targets met' : 'TARGET MISSED'} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
  const note = [
    ...(args.quick ? ['smoke scale: the targets are meant for full scale'] : []),
    ...(bad && !args.strict ? ['recorded; not a failure: use --strict to fail'] : []),
  ];
  console.log(`${selected.length - bad}/${selected.length} benchmarks met their targets${note.length ? ` (${note.join('; ')})` : ''}`);
  if (refreshesReadme(args)) {
    const changed = await updateReadmeTable();
    console.log(`README.md benchmark table ${changed ? 'updated' : 'unchanged'} (npm run bench:table re-renders it)`);
  }
  return args.strict && bad > 0 ? 1 : 0;
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2), join(__dirname, 'results'));
  if (args.phase) await child(args, args.phase);
  else process.exitCode = await parent(args);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exitCode = 1;
});
