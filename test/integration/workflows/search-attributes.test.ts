import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { makeBackup } from '../../../src/backup/generator/make-backup';
import { LocalStorage } from '../../../src/backup/local-storage';
import { startTemporalDevServer, type TemporalDevServer } from '../../../src/local-stack/temporal-dev-server';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/server';
import { runCli } from '../../support/run-cli';

/**
 * An operator's own Temporal has never heard of brflow's search attributes. The worker either registers them
 * (and the restore completes) or, when told not to, refuses to start with the commands to run — a restore
 * never hangs on BadSearchAttributes.
 */
const root = join(__dirname, '../../..');
const cli = join(root, 'src/cli/main.ts');

const run = runCli;

let temporal: TemporalDevServer;
let sim: SimulatorHandle;
let dir: string;
let worker: ChildProcess | undefined;

async function customAttributes(): Promise<string[]> {
  const conn = await Connection.connect({ address: temporal.address });
  try {
    return Object.keys((await conn.operatorService.listSearchAttributes({ namespace: 'default' })).customAttributes ?? {}).filter((n) => n.startsWith('BrRestore')).sort();
  } finally {
    await conn.close();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'brflow-sa-'));
  [temporal, sim] = await Promise.all([
    startTemporalDevServer({ searchAttributes: false }),
    startSimulator({ stores: 3, scatterPolls: 1 }),
    makeBackup(new LocalStorage(dir), { seed: 5, tables: 4, rows: 20, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false }),
  ]);
});

afterAll(async () => {
  if (worker && worker.exitCode === null) worker.kill('SIGKILL');
  await Promise.all([sim?.stop(), temporal?.stop()]);
  await rm(dir, { recursive: true, force: true });
});

const workerEnv = (taskQueue: string): NodeJS.ProcessEnv => ({
  TEMPORAL_ADDRESS: temporal.address,
  BRFLOW_TASK_QUEUE: taskQueue,
  BRFLOW_PD_ADDRESSES: sim.pdAddresses.join(','),
  BRFLOW_TIDB_ADDRESS: sim.tidb!.address,
  BRFLOW_TIDB_STATUS_ADDRESS: sim.tidb!.statusAddress,
  BRFLOW_METRICS_ADDRESS: '',
  BRFLOW_SHUTDOWN_GRACE_MS: '1000',
});

test('told not to create them, the worker refuses to start with the exact commands, and changes nothing', async () => {
  expect(await customAttributes()).toEqual([]);
  const r = await run(['worker'], { ...workerEnv('sa-refuse'), BRFLOW_CREATE_SEARCH_ATTRIBUTES: 'false' });
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('lacks brflow\'s search attributes BrRestorePhase, BrRestoreProgress');
  expect(r.stderr).toContain('temporal operator search-attribute create --namespace default --name BrRestorePhase --type Keyword');
  expect(r.stderr).toContain('temporal operator search-attribute create --namespace default --name BrRestoreProgress --type Int');
  expect(r.stderr).not.toContain('internal error');
  expect(await customAttributes()).toEqual([]);
});

test('by default the worker registers them and `brflow restore` completes with its phase searchable', async () => {
  const taskQueue = 'sa-create';
  worker = spawn(process.execPath, ['--import', 'tsx', cli, 'worker'], { cwd: root, env: { ...process.env, ...workerEnv(taskQueue) }, stdio: ['ignore', 'pipe', 'inherit'] });
  let logs = '';
  worker.stdout!.on('data', (d: Buffer) => (logs += d.toString()));
  const inputFile = join(dir, 'input.json');
  await writeFile(inputFile, JSON.stringify({ timings: { keeperIntervalMs: 300, gcTtlSec: 10, pauseTtlSec: 10, heartbeatTimeoutMs: 5000, compensationMaxIntervalMs: 500 } }));
  const workflowId = 'sa-restore';
  const r = await run(['restore', '--storage', `local://${dir}`, '--input', inputFile, '--task-queue', taskQueue, '--workflow-id', workflowId, '--address', temporal.address]);
  expect(r.stderr).not.toContain('brflow:');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/restored 4 tables/);
  expect(await customAttributes()).toEqual(['BrRestorePhase', 'BrRestoreProgress']);
  expect(logs).toContain('registered brflow search attributes');
  const conn = await Connection.connect({ address: temporal.address });
  try {
    const { Client } = await import('@temporalio/client');
    const desc = await new Client({ connection: conn }).workflow.getHandle(workflowId).describe();
    expect(desc.searchAttributes.BrRestorePhase).toEqual(['done']);
  } finally {
    await conn.close();
  }
  worker.kill('SIGTERM');
  await new Promise((r2) => worker!.once('exit', r2));
});
