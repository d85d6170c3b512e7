import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { makeBackup } from '../../../src/backup/generator/make-backup';
import { LocalStorage } from '../../../src/backup/local-storage';
import { freePort } from '../../../src/local-stack/free-port';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/server';
import { testTemporalAddress } from '../../support/env';
import { runCli, startCliWorker } from '../../support/run-cli';

/**
 * The operator's path end to end, as processes: `brflow worker` serving the simulator, `brflow restore`
 * following a restore to the end, `brflow status`, the worker's Prometheus endpoint, refused commands as one
 * `brflow:` line with exit 2, and SIGTERM draining the worker to a clean exit.
 */
const root = join(__dirname, '../../..');

const run = runCli;

let sim: SimulatorHandle;
let dir: string;
let worker: ChildProcess | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'brflow-cli-'));
  [sim] = await Promise.all([startSimulator({ stores: 3, scatterPolls: 1 }), makeBackup(new LocalStorage(dir), { seed: 3, tables: 8, rows: 30, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false })]);
});

afterAll(async () => {
  if (worker && worker.exitCode === null) worker.kill('SIGKILL');
  await sim?.stop();
  await rm(dir, { recursive: true, force: true });
});

test('brflow worker + brflow restore/status restore a backup; metrics are served; SIGTERM drains the worker', async () => {
  const address = testTemporalAddress();
  const taskQueue = `cli-${Date.now()}`;
  const metricsPort = await freePort();
  const cliWorker = startCliWorker({ address, taskQueue, sim, env: { BRFLOW_METRICS_ADDRESS: `127.0.0.1:${metricsPort}` } });
  worker = cliWorker.child;

  const inputFile = join(dir, 'input.json');
  // Two small tables keep the process test quick; short timings.
  await writeFile(inputFile, JSON.stringify({ filters: ['shop.documents', 'shop.empty_table'], timings: { keeperIntervalMs: 300, gcTtlSec: 10, pauseTtlSec: 10, heartbeatTimeoutMs: 5000, compensationMaxIntervalMs: 500 } }));
  const workflowId = `cli-restore-${taskQueue}`;
  // A plain folder path, relative to the command's directory, as an operator types it.
  const r = await run(['restore', '--storage', relative(root, dir), '--input', inputFile, '--task-queue', taskQueue, '--workflow-id', workflowId, '--address', address]);
  expect(r.stderr).not.toContain('brflow:');
  expect(r.code).toBe(0);
  expect(r.stdout).toContain(workflowId);
  expect(r.stdout).toMatch(/restored 2 tables \(1 databases\)/);
  // Worker logs are pino JSON lines, Temporal's own included.
  const firstLine = JSON.parse(cliWorker.logs().split('\n').find((l) => l.includes('brflow worker started'))!) as { msg: string; taskQueue: string };
  expect(firstLine.taskQueue).toBe(taskQueue);

  const st = await run(['status', workflowId, '--json', '--address', address]);
  expect(st.code).toBe(0);
  expect(JSON.parse(st.stdout)).toMatchObject({ status: 'COMPLETED', phase: 'done', tables: { created: 2, total: 2 }, checksum: { passed: 2, failed: 0 } });

  // `brflow list` finds it through Temporal's visibility (eventually consistent: poll a few seconds).
  let listed: Array<Record<string, unknown>> = [];
  for (let i = 0; i < 40 && !listed.some((x) => x.workflowId === workflowId && x.phase === 'done'); i++) {
    const l = await run(['list', '--json', '--status', 'completed', '--address', address]);
    expect(l.code).toBe(0);
    listed = JSON.parse(l.stdout) as Array<Record<string, unknown>>;
    if (!listed.some((x) => x.workflowId === workflowId && x.phase === 'done')) await new Promise((r) => setTimeout(r, 250));
  }
  expect(listed.find((x) => x.workflowId === workflowId)).toMatchObject({ status: 'COMPLETED', phase: 'done', progressPct: 100, storage: `local://${dir}`, taskQueue });
  const table = await run(['list', '--address', address]);
  expect(table.stdout.split('\n')[0]).toMatch(/^WORKFLOW ID +STATUS +PHASE +PROGRESS +STARTED +STORAGE$/);
  expect(table.stdout).toMatch(new RegExp(`${workflowId} +COMPLETED +done +100%`));
  const badStatus = await run(['list', '--status', 'sleeping', '--address', address]);
  expect(badStatus.code).toBe(2);
  expect(badStatus.stderr).toMatch(/^brflow: --status sleeping is not a workflow status; use one of RUNNING, COMPLETED/m);

  const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  expect(metrics).toMatch(/temporal_/);
  // brflow's own counters: every file and byte the restore ingested, every table checksummed ok.
  const progress = JSON.parse(st.stdout) as { files: { total: number }; bytes: { total: number } };
  const sample = (name: string, labels = ''): number =>
    metrics.split('\n').filter((l) => new RegExp(`^${name}(_total)?\\{[^}]*${labels}[^}]*\\} `).test(l)).reduce((n, l) => n + Number(l.split(' ').pop()), 0);
  expect(progress.files.total).toBeGreaterThan(0);
  expect(sample('brflow_ingested_files')).toBe(progress.files.total);
  expect(sample('brflow_ingested_bytes')).toBe(progress.bytes.total);
  expect(sample('brflow_tables_checksummed', 'result="ok"')).toBe(2);
  expect(sample('brflow_tables_checksummed', 'result="mismatch"')).toBe(0);

  const refused = await run(['pause', workflowId, '--address', address]);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toMatch(/^brflow: cannot pause .*already completed/m);

  // --resume reads the earlier restore's input and progress back from Temporal (through the worker's client):
  // a completed restore has nothing to resume.
  const resumed = await run(['restore', '--resume', workflowId, '--task-queue', taskQueue, '--workflow-id', `${workflowId}-again`, '--address', address]);
  expect(resumed.code).not.toBe(0);
  expect(resumed.stderr).toMatch(/Brflow:Resume:Refused|completed; there is nothing to resume/);
  // The worker put the janitor Schedule in place; run once by hand, it finds nothing to clean up.
  expect(cliWorker.logs()).toContain('janitor schedule in place');
  const janitor = await run(['janitor', '--task-queue', taskQueue, '--address', address]);
  expect(janitor.code).toBe(0);
  expect(janitor.stdout).toBe('nothing to clean up\n');

  const snap = sim.inspector.snapshot();
  expect(snap.stores.map((s) => s.mode)).toEqual(snap.stores.map(() => 'Normal'));
  expect(snap.schedulers.filter((s) => s.paused)).toEqual([]);

  worker.kill('SIGTERM');
  const code = await new Promise<number | null>((resolve) => worker!.once('exit', resolve));
  expect(code).toBe(0);
  expect(cliWorker.logs()).toContain('brflow worker stopped');

  // With no worker left to answer the progress query, status still says what Temporal knows, and why no more.
  const fallback = await run(['status', workflowId, '--json', '--address', address]);
  expect(fallback.code).toBe(0);
  expect(JSON.parse(fallback.stdout)).toMatchObject({ status: 'COMPLETED', phase: 'done', progressPct: 100, progressUnavailable: expect.stringContaining(`task queue ${taskQueue}`) });
  const unknown = await run(['status', `${workflowId}-nope`, '--address', address]);
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toMatch(/^brflow: no restore .*-nope in namespace default; `brflow list` shows the restores there$/m);
});

test('a refused input never reaches Temporal: a credential in the storage URL or a password field starts nothing', async () => {
  const address = testTemporalAddress();
  const { Client, Connection } = await import('@temporalio/client');
  const conn = await Connection.connect({ address });
  try {
    const client = new Client({ connection: conn });
    const cases: Array<{ id: string; args: string[]; names: string }> = [
      { id: `refuse-url-${Date.now()}`, args: ['--storage', 's3://b/p?access-key=AKIDSEKRET&secret-access-key=TOPSEKRET'], names: 'storage: the URL carries credentials' },
      { id: `refuse-field-${Date.now()}`, args: ['--storage', 's3://b/p', '--pd', '10.0.0.1:2379', '--tidb', '10.0.0.2:4000', '--input', join(dir, 'pw.json')], names: 'cluster.tidbPassword' },
    ];
    await writeFile(join(dir, 'pw.json'), JSON.stringify({ cluster: { tidbPassword: 'TOPSEKRET' } }));
    for (const c of cases) {
      const r = await run(['restore', ...c.args, '--workflow-id', c.id, '--address', address]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(c.names);
      expect(r.stderr).toContain('nothing was started');
      expect(r.stderr + r.stdout).not.toContain('SEKRET');
      await expect(client.workflow.getHandle(c.id).describe()).rejects.toThrow(/not found/i);
    }
    // A restore already running under the ID (no worker polls its queue, so it stays running).
    const busy = `busy-${Date.now()}`;
    await client.workflow.start('restoreWorkflow', { taskQueue: `nobody-${busy}`, workflowId: busy, args: [{ storage: 's3://b/p' }] });
    const dup = await run(['restore', '--storage', 's3://b/p', '--workflow-id', busy, '--address', address]);
    expect(dup.code).toBe(2);
    expect(dup.stderr).toMatch(new RegExp(`^brflow: a restore with workflow ID ${busy} is already running; follow it with \`brflow status ${busy}\``, 'm'));
    expect(dup.stderr).not.toContain('internal error');
    await client.workflow.getHandle(busy).terminate('test done');

    const notJson = join(dir, 'broken.json');
    await writeFile(notJson, '{"storage": "s3://b/p",');
    const r = await run(['restore', '--input', notJson, '--address', address]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^brflow: --input .*broken\.json: not JSON/m);
    expect(r.stderr).not.toContain('internal error');
  } finally {
    await conn.close();
  }
});

test('a bad worker environment is refused with every problem in one line', async () => {
  const r = await run(['worker'], { BRFLOW_PD_ADDRESSES: '', BRFLOW_LOG_LEVEL: 'loud', BRFLOW_MAX_CONCURRENT_ACTIVITIES: '0' });
  expect(r.code).toBe(2);
  expect(r.stderr.trim().split('\n').filter((l) => l.startsWith('brflow:'))).toHaveLength(1);
  for (const v of ['BRFLOW_PD_ADDRESSES', 'BRFLOW_LOG_LEVEL', 'BRFLOW_MAX_CONCURRENT_ACTIVITIES']) expect(r.stderr).toContain(v);
});

test('a worker that cannot reach Temporal, or its own PD or TiDB, exits 2 with one line naming the address', async () => {
  // Before: an unreachable Temporal printed a gRPC stack as an internal error, and a worker refused by its
  // cluster printed its error but stayed up (the native runtime, already installed, held it and took SIGTERM).
  const deadTemporal = `127.0.0.1:${await freePort()}`;
  const t = await run(['worker'], { TEMPORAL_ADDRESS: deadTemporal, BRFLOW_PD_ADDRESSES: sim.pdAddresses.join(','), BRFLOW_TIDB_ADDRESS: sim.tidb!.address, BRFLOW_TIDB_STATUS_ADDRESS: sim.tidb!.statusAddress });
  expect(t.code).toBe(2);
  expect(t.stderr.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^brflow: cannot reach Temporal at ${deadTemporal.replace(/\./g, '\\.')} \\(plaintext\\), namespace default \\(.*\\); check TEMPORAL_ADDRESS`))]);

  const deadPd = `127.0.0.1:${await freePort()}`;
  const p = await run(['worker'], { TEMPORAL_ADDRESS: testTemporalAddress(), BRFLOW_PD_ADDRESSES: deadPd, BRFLOW_TIDB_ADDRESS: sim.tidb!.address, BRFLOW_TIDB_STATUS_ADDRESS: sim.tidb!.statusAddress, BRFLOW_TASK_QUEUE: `dead-pd-${Date.now()}` });
  expect(p.code).toBe(2);
  expect(p.stderr).toMatch(new RegExp(`^brflow: PD GetMembers at ${deadPd.replace(/\./g, '\\.')}: unavailable`, 'm'));
  expect(p.stderr).not.toContain('internal error');

  // PD answers, TiDB does not: before, the worker started and its restores' first TiDB step only retried.
  const deadTidb = `127.0.0.1:${await freePort()}`;
  const d = await run(['worker'], { TEMPORAL_ADDRESS: testTemporalAddress(), BRFLOW_PD_ADDRESSES: sim.pdAddresses.join(','), BRFLOW_TIDB_ADDRESS: deadTidb, BRFLOW_TIDB_STATUS_ADDRESS: sim.tidb!.statusAddress, BRFLOW_TASK_QUEUE: `dead-tidb-${Date.now()}` });
  expect(d.code).toBe(2);
  expect(d.stderr).toMatch(new RegExp(`^brflow: TiDB \\(BRFLOW_TIDB_ADDRESS\\): .*at ${deadTidb.replace(/\./g, '\\.')}: unavailable`, 'm'));
  expect(d.stderr).not.toContain('internal error');
}, 90_000);

test('brflow schedule create/list/delete manage a recurring restore', async () => {
  const address = testTemporalAddress();
  const id = `nightly-${Date.now()}`;
  const created = await run(['schedule', 'create', id, '--every', '24h', '--storage', 'local:///backups/nightly', '-f', 'shop.*', '--task-queue', 'brflow-test', '--address', address]);
  expect(created.stderr).toBe('');
  expect(created.code).toBe(0);
  const listed = await run(['schedule', 'list', '--address', address]);
  expect(listed.code).toBe(0);
  // Schedules reach the list through visibility, which may lag a moment behind create.
  let line = listed.stdout.split('\n').find((l) => l.startsWith(id));
  for (let i = 0; !line && i < 20; i++) {
    await new Promise((r) => setTimeout(r, 500));
    line = (await run(['schedule', 'list', '--address', address])).stdout.split('\n').find((l) => l.startsWith(id));
  }
  expect(line).toMatch(/active/);
  const bad = await run(['schedule', 'create', `${id}-bad`, '--storage', 'local:///x', '--address', address]);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/^brflow: give exactly one of --cron or --every/m);
  const deleted = await run(['schedule', 'delete', id, '--address', address]);
  expect(deleted.code).toBe(0);
});
