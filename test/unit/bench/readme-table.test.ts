import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  README_PATH, RESULTS_DIR, TABLE_END, TABLE_START, readResults, refreshesReadme, renderBenchTable, replaceTableInReadme,
  tableInReadme, updateReadmeTable,
} from '../../../bench/readme-table';
import { caseResult, type BenchResult } from '../../../bench/result-file';

/** A full-scale result as the runner writes it, its one case measured against `targets` by the real checker. */
function fixtureResult(name: string, p95Ms: number, over: Partial<BenchResult> = {}): BenchResult {
  const c = caseResult({
    name: 'plan', params: { tables: 10 }, timing: { iterations: 3, meanMs: p95Ms, p50Ms: p95Ms, p95Ms, minMs: p95Ms, maxMs: p95Ms },
    memory: { rssMiB: 100, peakRssMiB: 300, heapUsedMiB: 50 },
    targets: [{ metric: 'p95Ms', op: '<=', limit: 2000, why: 'issue #12' }, { metric: 'peakRssMiB', op: '<=', limit: 512, why: 'issue #12' }],
  });
  return {
    name, description: 'fixture', date: '2026-12-04T22:20:22.924Z', quick: false,
    env: { node: 'v20', platform: 'linux', arch: 'x64', cpuModel: 'x', cpuCount: 2, totalMemMiB: 4096, loadAvg: [3.21, 2, 1] },
    durationMs: 1, pass: c.pass, cases: [c], ...over,
  };
}

describe('README benchmark table', () => {
  it('README.md shows exactly the table rendered from the committed bench/results (run `npm run bench:table` when this fails)', async () => {
    const readme = await readFile(README_PATH, 'utf8');
    const results = await readResults(RESULTS_DIR);
    expect(results.length).toBeGreaterThan(0);
    expect(tableInReadme(readme)).toBe(renderBenchTable(results));
    // Every target of every committed result has its row.
    const targets = results.flatMap((r) => r.cases.flatMap((c) => c.targets.map((t) => `| ${r.name}/${c.name} | \`${t.metric}\` |`)));
    for (const t of targets) expect(tableInReadme(readme)).toContain(t);
  });

  it('shows a missed target as a miss, a met one as a pass, with the run\'s load and date', () => {
    const table = renderBenchTable([fixtureResult('plan-restore', 2500)]).split('\n');
    expect(table).toHaveLength(4);
    expect(table[2]).toBe('| plan-restore/plan | `p95Ms` | 2500 ms | ≤ 2000 ms | **miss** | 3.21 | 2026-12-04 22:20 |');
    expect(table[3]).toBe('| plan-restore/plan | `peakRssMiB` | 300 MiB | ≤ 512 MiB | pass | 3.21 | 2026-12-04 22:20 |');
    expect(renderBenchTable([fixtureResult('plan-restore', 1500)])).toContain('| 1500 ms | ≤ 2000 ms | pass |');
  });

  it('gives a failed bench an error row (pipes escaped), marks smoke runs, and skips cases without a target', () => {
    const failed = fixtureResult('scale', 1, { error: 'run exited 1: a | b', cases: [], pass: false });
    const quick = fixtureResult('checksum', 1, { quick: true });
    quick.cases.push({ ...quick.cases[0]!, name: 'diagnostic', targets: [] });
    const table = renderBenchTable([failed, quick]);
    expect(table.split('\n')).toHaveLength(5); // header, rule, checksum's two targets, scale's error
    expect(table).toContain('| scale | — | — | — | **error**: run exited 1: a \\| b | 3.21 | 2026-12-04 22:20 |');
    expect(table).toContain('2026-12-04 22:20 (quick: smoke scale) |');
    expect(table).not.toContain('diagnostic');
    expect(table.indexOf('checksum/plan')).toBeLessThan(table.indexOf('| scale |'));
  });

  it('rewrites only what lies between the markers and refuses a README without them', async () => {
    const readme = `# x\n\n${TABLE_START}\nold\n${TABLE_END}\n\nafter\n`;
    expect(replaceTableInReadme(readme, 'new')).toBe(`# x\n\n${TABLE_START}\nnew\n${TABLE_END}\n\nafter\n`);
    expect(() => replaceTableInReadme('# x\n', 't')).toThrow(/exactly one <!-- bench-table:start --> followed by one <!-- bench-table:end --> \(found 0 and 0\)/);
    expect(() => replaceTableInReadme(`${TABLE_END}\n${TABLE_START}`, 't')).toThrow(/in the wrong order/);

    const dir = await mkdtemp(join(tmpdir(), 'brflow-readme-table-'));
    try {
      await writeFile(join(dir, 'README.md'), readme);
      await writeFile(join(dir, 'plan-restore.json'), JSON.stringify(fixtureResult('plan-restore', 2500)));
      expect(await updateReadmeTable(join(dir, 'README.md'), dir)).toBe(true);
      const written = await readFile(join(dir, 'README.md'), 'utf8');
      expect(tableInReadme(written)).toBe(renderBenchTable([fixtureResult('plan-restore', 2500)]));
      expect(written.endsWith(`${TABLE_END}\n\nafter\n`)).toBe(true);
      expect(await updateReadmeTable(join(dir, 'README.md'), dir)).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('npm run bench refreshes the README only after a full-scale run into bench/results', () => {
    expect(refreshesReadme({ quick: false, out: RESULTS_DIR })).toBe(true);
    expect(refreshesReadme({ quick: false, out: `${RESULTS_DIR}/` })).toBe(true);
    expect(refreshesReadme({ quick: true, out: RESULTS_DIR })).toBe(false);
    expect(refreshesReadme({ quick: false, out: join(tmpdir(), 'elsewhere') })).toBe(false);
  });
});
