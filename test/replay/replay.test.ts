import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Every committed history (test/fixtures/histories, recorded by the workflow integration tests with
 * BRFLOW_RECORD_HISTORIES=1) must replay against today's workflow code: a change that would break a
 * running restore fails here and needs `patched()`. Histories are binary temporal.api.history.v1.History;
 * the replay runs in a plain node child process (test/support/worker-replay.ts), away from jest's realms.
 */
const dir = join(__dirname, '../fixtures/histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.bin')).sort().map((f) => join(dir, f));

function replay(args: string[]): { file: string; error?: string }[] {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(__dirname, '../support/worker-replay.ts'), ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.trim().split('\n').pop()!) as { file: string; error?: string }[];
}

test('every committed history replays without nondeterminism', () => {
  expect(files.length).toBeGreaterThanOrEqual(5);
  const results = replay(files);
  expect(results.filter((r) => r.error)).toEqual([]);
  expect(results).toHaveLength(files.length);
});

test('an altered history is detected (the replay check has teeth)', () => {
  const success = files.filter((f) => f.includes('success'));
  const results = replay(['--alter', ...success]);
  expect(results.length).toBeGreaterThan(0);
  for (const r of results) expect(r.error).toMatch(/[Nn]ondetermin/);
});
