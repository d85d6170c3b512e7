/**
 * The README's benchmark table, rendered from the committed result files so the two cannot drift:
 * `npm run bench:table` rewrites it, `npm run bench` does so after a full-scale run into bench/results, and
 * test/unit/bench/readme-table.test.ts fails when README.md and bench/results disagree.
 *
 *   npm run bench:table    re-render README.md's table from bench/results/*.json
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { BenchArgs } from './run-args';
import type { BenchResult, MetricName, TargetCheck } from './result-file';

export const TABLE_START = '<!-- bench-table:start -->';
export const TABLE_END = '<!-- bench-table:end -->';

/** The committed results and the README they are shown in. */
export const RESULTS_DIR = join(__dirname, 'results');
export const README_PATH = join(__dirname, '..', 'README.md');

/** Unit of each metric as a reader expects it next to the number (result-file.ts: ms, MiB, MB/s = 10^6 B/s). */
const UNITS: Record<MetricName, string> = {
  opsPerSec: 'ops/s', mbPerSec: 'MB/s', p50Ms: 'ms', p95Ms: 'ms', meanMs: 'ms', cpuMeanMs: 'ms CPU', peakRssMiB: 'MiB', heapUsedMiB: 'MiB',
  ratio: '×', filesPerSec: 'files/s', batchesPerSec: 'batches/s', workerCpuMsPerFile: 'ms/file', recoverySec: 's', extraWallSec: 's',
  duplicateFileShare: '',
};

/** Three significant figures at most, never an exponent: what a shared 2-core machine's noise allows. */
export function formatFigure(v: number): string {
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return String(Number(v.toPrecision(3)));
}

const withUnit = (metric: MetricName, text: string): string => (UNITS[metric] ? `${text} ${UNITS[metric]}` : text);

/** `2026-12-04T22:20:51.617Z` → `2026-12-04 22:20` (UTC, as written). */
const runDate = (iso: string): string => iso.slice(0, 16).replace('T', ' ');

/** A cell must not end the row early or break the table. */
const cell = (text: string): string => text.replace(/\s+/g, ' ').replace(/\|/g, '\\|');

const shorten = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function targetRow(bench: BenchResult, caseName: string, t: TargetCheck): string {
  const figure = t.actual === null ? 'not reported' : withUnit(t.metric, formatFigure(t.actual));
  const target = withUnit(t.metric, `${t.op === '<=' ? '≤' : '≥'} ${t.limit}`);
  return row([`${bench.name}/${caseName}`, `\`${t.metric}\``, figure, target, t.pass ? 'pass' : '**miss**', ...runCells(bench)]);
}

function runCells(bench: BenchResult): string[] {
  const load = bench.env.loadAvg[0];
  return [load === undefined ? '?' : formatFigure(load), `${runDate(bench.date)}${bench.quick ? ' (quick: smoke scale)' : ''}`];
}

const row = (cells: readonly string[]): string => `| ${cells.map(cell).join(' | ')} |`;

/**
 * One markdown table: a row per target of every case that has one (a case with two targets gets two rows), in
 * bench-name order and the cases' own order, with the figure, the target, pass/miss, the 1-minute load average
 * when the run started and the run's date. A bench whose run failed gets one `error` row, since it has no cases.
 */
export function renderBenchTable(results: readonly BenchResult[]): string {
  const lines = [
    row(['bench / case', 'metric', 'figure', 'target', 'result', 'load (1 min)', 'run (UTC)']),
    '| --- | --- | ---: | ---: | --- | ---: | --- |',
  ];
  for (const bench of [...results].sort((a, b) => a.name.localeCompare(b.name, 'en'))) {
    if (bench.error !== undefined) {
      lines.push(row([bench.name, '—', '—', '—', `**error**: ${shorten(bench.error, 120)}`, ...runCells(bench)]));
      continue;
    }
    for (const c of bench.cases) for (const t of c.targets) lines.push(targetRow(bench, c.name, t));
  }
  return lines.join('\n');
}

/** Every `<dir>/*.json` result file (the runner's `*.tmp-<pid>` files are not results). */
export async function readResults(dir: string): Promise<BenchResult[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  return Promise.all(names.map(async (n) => {
    const text = await readFile(join(dir, n), 'utf8');
    try {
      return JSON.parse(text) as BenchResult;
    } catch (e) {
      throw new Error(`${join(dir, n)} is not a bench result (${e instanceof Error ? e.message : String(e)}); re-run that bench or delete the file`);
    }
  }));
}

/** The text between the two markers, without the newlines that frame it. */
export function tableInReadme(readme: string): string {
  const { start, end } = markerSpan(readme);
  return readme.slice(start, end).replace(/^\n/, '').replace(/\n$/, '');
}

/** `readme` with the text between the markers replaced by `table`, each marker on its own line. */
export function replaceTableInReadme(readme: string, table: string): string {
  const { start, end } = markerSpan(readme);
  return `${readme.slice(0, start)}\n${table}\n${readme.slice(end)}`;
}

function markerSpan(readme: string): { start: number; end: number } {
  const starts = readme.split(TABLE_START).length - 1;
  const ends = readme.split(TABLE_END).length - 1;
  const s = readme.indexOf(TABLE_START);
  const e = readme.indexOf(TABLE_END);
  if (starts !== 1 || ends !== 1 || e < s) {
    throw new Error(`README.md needs exactly one ${TABLE_START} followed by one ${TABLE_END} (found ${starts} and ${ends}${starts === 1 && ends === 1 ? ', in the wrong order' : ''}); put them back around the table under "## Performance"`);
  }
  return { start: s + TABLE_START.length, end: e };
}

/** Re-renders the README's table from `resultsDir`; writes only on a change. Returns whether it changed. */
export async function updateReadmeTable(readmePath = README_PATH, resultsDir = RESULTS_DIR): Promise<boolean> {
  const readme = await readFile(readmePath, 'utf8');
  const next = replaceTableInReadme(readme, renderBenchTable(await readResults(resultsDir)));
  if (next === readme) return false;
  await writeFile(readmePath, next);
  return true;
}

/**
 * Whether a `npm run bench` wrote the results the README shows: full scale, into the committed folder. A smoke
 * run or one written elsewhere must not change the README.
 */
export function refreshesReadme(args: Pick<BenchArgs, 'quick' | 'out'>, resultsDir = RESULTS_DIR): boolean {
  return !args.quick && resolve(args.out) === resolve(resultsDir);
}

if (require.main === module) {
  updateReadmeTable().then(
    (changed) => console.log(changed ? `README.md: benchmark table updated from ${RESULTS_DIR}` : 'README.md: benchmark table already matches bench/results'),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : String(e));
      process.exitCode = 1;
    },
  );
}
