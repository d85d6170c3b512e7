import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeBackup } from '../../../src/backup/generator/make-backup';
import { LocalStorage } from '../../../src/backup/local-storage';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/server';
import { makeTestPki } from '../cluster/support/tls-certs';
import { testTemporalAddress } from '../../support/env';
import { startTlsFront, type TlsFront } from '../../support/tls-front';
import { runCli } from '../../support/run-cli';

/**
 * An operator's secured Temporal: mutual TLS in front of the server. The worker and every brflow command take
 * the connection as Temporal's own tools do (TEMPORAL_TLS_* environment, or a profile in the config file) and
 * a restore completes; without a client certificate nothing gets through.
 */
const root = join(__dirname, '../../..');
const cli = join(root, 'src/cli/main.ts');

const run = (args: string[], env: NodeJS.ProcessEnv) => runCli(args, env);

let dir: string;
let front: TlsFront;
let sim: SimulatorHandle;
let worker: ChildProcess | undefined;
let tlsEnv: NodeJS.ProcessEnv;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'brflow-mtls-'));
  const pki = await makeTestPki(dir);
  front = await startTlsFront(testTemporalAddress(), pki);
  [sim] = await Promise.all([
    startSimulator({ stores: 3, scatterPolls: 1 }),
    makeBackup(new LocalStorage(join(dir, 'backup')), { seed: 9, tables: 3, rows: 20, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false }),
  ]);
  tlsEnv = {
    TEMPORAL_ADDRESS: front.address,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(dir, 'ca.pem'),
    TEMPORAL_TLS_CLIENT_CERT_PATH: join(dir, 'client.pem'),
    TEMPORAL_TLS_CLIENT_KEY_PATH: join(dir, 'client.key'),
    TEMPORAL_TLS_SERVER_NAME: 'localhost',
  };
});

afterAll(async () => {
  if (worker && worker.exitCode === null) worker.kill('SIGKILL');
  await Promise.all([sim?.stop(), front?.close()]);
  await rm(dir, { recursive: true, force: true });
});

test('without a client certificate the secured Temporal refuses brflow, which says where and what to set', async () => {
  const r = await run(['list'], { TEMPORAL_ADDRESS: front.address, TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(dir, 'ca.pem'), TEMPORAL_TLS_SERVER_NAME: 'localhost' });
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(new RegExp(`^brflow: cannot reach Temporal at ${front.address} \\(TLS\\), namespace default`, 'm'));
});

test('worker and brflow restore over mutual TLS (environment), brflow status through a profile file', async () => {
  const taskQueue = `mtls-${Date.now()}`;
  worker = spawn(process.execPath, ['--import', 'tsx', cli, 'worker'], {
    cwd: root,
    env: {
      ...process.env, ...tlsEnv,
      BRFLOW_TASK_QUEUE: taskQueue,
      BRFLOW_PD_ADDRESSES: sim.pdAddresses.join(','),
      BRFLOW_TIDB_ADDRESS: sim.tidb!.address,
      BRFLOW_TIDB_STATUS_ADDRESS: sim.tidb!.statusAddress,
      BRFLOW_SHUTDOWN_GRACE_MS: '1000',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let logs = '';
  worker.stdout!.on('data', (d: Buffer) => (logs += d.toString()));
  const inputFile = join(dir, 'input.json');
  await writeFile(inputFile, JSON.stringify({ timings: { keeperIntervalMs: 300, gcTtlSec: 10, pauseTtlSec: 10, heartbeatTimeoutMs: 5000, compensationMaxIntervalMs: 500 } }));
  const workflowId = `mtls-restore-${taskQueue}`;
  const r = await run(['restore', '--storage', join(dir, 'backup'), '--input', inputFile, '--task-queue', taskQueue, '--workflow-id', workflowId], tlsEnv);
  expect(r.stderr).not.toContain('brflow:');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/restored 3 tables/);
  expect(logs).toContain('mutual TLS');

  const profile = join(dir, 'temporal.toml');
  await writeFile(profile, [
    '[profile.secured]',
    `address = "${front.address}"`,
    'namespace = "default"',
    '[profile.secured.tls]',
    `server_ca_cert_path = "${join(dir, 'ca.pem')}"`,
    `client_cert_path = "${join(dir, 'client.pem')}"`,
    `client_key_path = "${join(dir, 'client.key')}"`,
    'server_name = "localhost"',
    '',
  ].join('\n'));
  const st = await run(['status', workflowId, '--json', '--profile', 'secured'], { TEMPORAL_CONFIG_FILE: profile, TEMPORAL_ADDRESS: undefined });
  expect(st.stderr).toBe('');
  expect(JSON.parse(st.stdout)).toMatchObject({ status: 'COMPLETED', phase: 'done' });
  const snap = sim.inspector.snapshot();
  expect(snap.stores.map((s) => s.mode)).toEqual(snap.stores.map(() => 'Normal'));

  worker.kill('SIGTERM');
  expect(await new Promise<number | null>((res) => worker!.once('exit', res))).toBe(0);
});
