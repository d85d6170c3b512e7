import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { makeBackup } from '../../../src/backup/generator/make-backup';
import { LocalStorage } from '../../../src/backup/local-storage';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/server';
import { testTemporalAddress } from '../../support/env';
import { runCli, startCliWorker } from '../../support/run-cli';

/**
 * Issue 13 point 1: a secret given to a restore, by `brflow restore` or by `temporal workflow start` with the
 * Temporal client, appears nowhere but in the input event Temporal stores as given: not in any other history
 * event (every payload decoded), the memo, the search attributes, the worker's log, or `brflow list`/`status`.
 */

const run = (args: string[]) => runCli(args);

/** Every field of a history, payload bytes decoded as text (JSON payloads are UTF-8). */
function historyText(history: unknown): string {
  return JSON.stringify(history, function (this: Record<string, unknown>, k: string, v: unknown) {
    const orig = this[k];
    return orig instanceof Uint8Array ? Buffer.from(orig).toString('utf8') : v;
  });
}

let sim: SimulatorHandle;
let dir: string;
let worker: ChildProcess | undefined;
let conn: Connection;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'brflow-secret-'));
  [sim] = await Promise.all([startSimulator({ stores: 1, scatterPolls: 1 }), makeBackup(new LocalStorage(dir), { seed: 5, tables: 2, rows: 10, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false })]);
  conn = await Connection.connect({ address: testTemporalAddress() });
});

afterAll(async () => {
  if (worker && worker.exitCode === null) worker.kill('SIGKILL');
  await conn?.close();
  await sim?.stop();
  await rm(dir, { recursive: true, force: true });
});

test('no secret given to a restore reaches history, memo, search attributes, worker log, list or status', async () => {
  const address = testTemporalAddress();
  const taskQueue = `secret-${Date.now()}`;
  // Debug logging and stderr too: every line the worker writes is scanned for the secrets.
  const cliWorker = startCliWorker({ address, taskQueue, sim, env: { BRFLOW_LOG_LEVEL: 'debug' }, captureStderr: true });
  worker = cliWorker.child;

  const client = new Client({ connection: conn });
  const secret = (tag: string): string => `SEKRET${tag}${taskQueue.replace(/\D/g, '')}`;
  // What `temporal workflow start --input` would send: Temporal stores the input as given.
  const direct: Array<{ id: string; input: Record<string, unknown>; secret: string; names: RegExp }> = [
    { id: `${taskQueue}-token`, input: { storage: `s3://bkt/p?token=${secret('A')}` }, secret: secret('A'), names: /^storage: the URL carries credentials \(query parameter "token"\)/ },
    { id: `${taskQueue}-presigned`, input: { storage: `s3://bkt/p?region=us-east-1&X-Amz-Signature=${secret('B')}` }, secret: secret('B'), names: /^storage: .*"X-Amz-Signature"/ },
    { id: `${taskQueue}-endpoint`, input: { storage: `s3://bkt/p?endpoint=http://minio:${secret('G')}@127.0.0.1:9000` }, secret: secret('G'), names: /^storage: the URL carries credentials \(query parameter "endpoint"\)/ },
    { id: `${taskQueue}-userinfo`, input: { storage: `s3://AKID:${secret('C')}@bkt/p` }, secret: secret('C'), names: /^storage: the URL carries credentials/ },
    { id: `${taskQueue}-field`, input: { storage: `local://${dir}`, cluster: { pd: ['127.0.0.1:1'], tidb: '127.0.0.1:2', tidbPassword: secret('D') } }, secret: secret('D'), names: /^cluster\.tidbPassword: secrets never go in the input/ },
    { id: `${taskQueue}-crypter`, input: { storage: `local://${dir}`, crypter: { method: 'aes128-ctr', key: secret('E') } }, secret: secret('E'), names: /^crypter\.key: the backup key never goes in the input/ },
  ];
  const secrets = direct.map((c) => c.secret);
  for (const c of direct) {
    await client.workflow.start('restoreWorkflow', { taskQueue, workflowId: c.id, args: [c.input] });
  }
  for (const c of direct) {
    const failure = await client.workflow.getHandle(c.id).result().then(() => undefined, (e: { cause?: { message?: string; details?: unknown[] } }) => e.cause);
    // The refusal names the field, and does so without echoing the value.
    const problems = (failure?.details?.[0] ?? []) as string[];
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(c.names)]));
    expect(failure?.message).not.toContain(c.secret);
  }

  // Through brflow: refused before anything starts; and a good restore whose memo the workflow upserts.
  const cliSecret = secret('F');
  const refused = await run(['restore', '--storage', `s3://bkt/p?token=${cliSecret}`, '--workflow-id', `${taskQueue}-cli-refused`, '--task-queue', taskQueue, '--address', address]);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toMatch(/nothing was started: storage: the URL carries credentials \(query parameter "token"\)/);
  expect(refused.stderr + refused.stdout).not.toContain(cliSecret);
  await expect(client.workflow.getHandle(`${taskQueue}-cli-refused`).describe()).rejects.toThrow(/not found/i);
  secrets.push(cliSecret);
  const input = join(dir, 'input.json');
  await writeFile(input, JSON.stringify({ timings: { keeperIntervalMs: 300, gcTtlSec: 10, pauseTtlSec: 10, heartbeatTimeoutMs: 5000, compensationMaxIntervalMs: 500 } }));
  const good = await run(['restore', '--storage', dir, '--input', input, '--workflow-id', `${taskQueue}-good`, '--task-queue', taskQueue, '--address', address]);
  expect(good.stderr).not.toContain('brflow:');
  expect(good.code).toBe(0);

  const ids = [...direct.map((c) => c.id), `${taskQueue}-good`];
  const seen: string[] = [];
  for (const id of ids) {
    const h = client.workflow.getHandle(id);
    const history = await h.fetchHistory();
    const events = (history.events ?? []).map((e) => {
      if (!e.workflowExecutionStartedEventAttributes) return e;
      // The one place Temporal keeps the input as given (`temporal workflow start` cannot be stopped from storing it).
      return { ...e, workflowExecutionStartedEventAttributes: { ...e.workflowExecutionStartedEventAttributes, input: null } };
    });
    seen.push(historyText(events));
    const d = await h.describe();
    seen.push(JSON.stringify(d.memo ?? {}), JSON.stringify(d.searchAttributes ?? {}));
    for (const json of ['--json', '']) {
      const st = await run(['status', id, ...(json ? [json] : []), '--address', address]);
      expect(st.code).toBe(0);
      seen.push(st.stdout, st.stderr);
    }
  }
  // The good restore's memo names its storage, as the listing shows it.
  expect((await client.workflow.getHandle(`${taskQueue}-good`).describe()).memo).toMatchObject({ backup: { storage: `local://${dir}` }, storage: `local://${dir}` });

  // Visibility is eventually consistent: poll until the listing shows every restore of this test.
  let listed: Array<{ workflowId: string; storage?: string }> = [];
  for (let i = 0; i < 40 && !ids.every((id) => listed.some((x) => x.workflowId === id)); i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 250));
    const l = await run(['list', '--json', '--limit', '100', '--address', address]);
    listed = JSON.parse(l.stdout) as typeof listed;
  }
  expect(ids.filter((id) => !listed.some((x) => x.workflowId === id))).toEqual([]);
  const table = await run(['list', '--limit', '100', '--address', address]);
  seen.push(JSON.stringify(listed), table.stdout, table.stderr);

  worker.kill('SIGTERM');
  await new Promise((resolve) => worker!.once('exit', resolve));
  expect(cliWorker.logs()).toContain('brflow worker started');
  seen.push(cliWorker.logs());

  const all = seen.join('\n');
  for (const s of secrets) expect(all.includes(s) ? `${s} found` : 'absent').toBe('absent');
}, 300_000);
