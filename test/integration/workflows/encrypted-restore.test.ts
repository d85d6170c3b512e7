import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApplicationFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';
import { createActivities, PlanCache } from '../../../src/activities';
import { cipherFromHex, keyFileSource } from '../../../src/backup/crypter-key';
import { TidbClient } from '../../../src/cluster/tidb';
import type { MakeBackupOptions } from '../../../src/backup/generator/make-backup';
import { LocalStorage } from '../../../src/backup/local-storage';
import type { Manifest } from '../../../src/backup/manifest';
import { readManifest } from '../../../src/backup/read-manifest';
import { CRYPTER_KEY_BYTES, CRYPTER_METHODS, type CrypterMethod } from '../../../src/plan/crypter-method';
import { ErrorType } from '../../../src/plan/error-types';
import { connectClusterDeps, type ClusterDeps } from '../../../src/worker/cluster-deps';
import { restoreWorkflow } from '../../../src/workflows/restore';
import { FAST_TIMINGS, openRestoreEnv, type RestoreEnv } from '../../support/restore-env';
import { clusterNormality, expectedNormality, recordedChecksums, restoredChecksums, startSimCluster } from '../../support/sim-cluster';

/**
 * Encrypted BR backups (--crypter.method aes{128,192,256}-ctr) restored end to end on the real Temporal dev
 * server, the cluster simulator (whose TiKV decrypts downloads with DownloadRequest.cipher_info) and the real
 * cluster clients. The input names the key file only; the key must never reach history, memo, search
 * attributes or the worker log.
 */

// Every log line the in-process workers write (Temporal's runtime logger, TRACE and up), to look for the key
// in. Installed before the harness installs its quiet one; when another file of this jest process already
// installed a runtime, the log check is skipped (said so below) and everything else still runs.
const logs: string[] = [];
let capturingLogs = false;
try {
  Runtime.install({ logger: new DefaultLogger('TRACE', (e: LogEntry) => logs.push(`${e.level} ${e.message} ${stringify(e.meta)}`)) });
  capturingLogs = true;
} catch {
  capturingLogs = false;
}

function stringify(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x instanceof Uint8Array ? Buffer.from(x).toString('hex') : x)) ?? '';
}

/** One key per method, derived (not random) so a failure reproduces; a wrong key of the same length for each. */
const keyHex = (m: CrypterMethod, salt: string) => Buffer.alloc(CRYPTER_KEY_BYTES[m], `${salt}-${m}`).toString('hex');
const BACKUP: Omit<MakeBackupOptions, 'cipher'> = { seed: 31, tables: 8, rows: 25, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false };

let env: RestoreEnv;
const manifests = new Map<CrypterMethod, Manifest>();

beforeAll(async () => {
  env = await openRestoreEnv({
    prefix: 'encrypted',
    moreBackups: Object.fromEntries(CRYPTER_METHODS.map((m) => [m, { ...BACKUP, cipher: cipherFromHex(m, keyHex(m, 'right'), 'test') }])),
  });
  for (const m of CRYPTER_METHODS) {
    await writeFile(keyFile(m, 'right'), `${keyHex(m, 'right')}\n`, { mode: 0o600 });
    await writeFile(keyFile(m, 'wrong'), `${keyHex(m, 'wrong')}\n`, { mode: 0o600 });
    manifests.set(m, await readManifest(new LocalStorage(join(env.dir, m)), { cipher: cipherFromHex(m, keyHex(m, 'right'), 'test') }));
  }
});

afterAll(() => env?.close());

function keyFile(m: CrypterMethod, which: 'right' | 'wrong'): string {
  return join(env.dir, `${m}-${which}.key`);
}

/** Every payload of the history decoded to text, plus every other field, as one string. */
function historyText(history: unknown): string {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (v instanceof Uint8Array) {
      out.push(Buffer.from(v).toString('utf8'), Buffer.from(v).toString('hex'));
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v as Record<string, unknown>).forEach(walk);
    else if (v !== undefined && v !== null) out.push(String(v));
  };
  walk(history);
  return out.join('\n');
}

/** Asserts the key, in hex (either case), base64 or as raw bytes, appears nowhere Temporal keeps or the workers log. */
async function expectNoKey(handle: WorkflowHandle, m: CrypterMethod, which: 'right' | 'wrong'): Promise<void> {
  const hex = keyHex(m, which);
  const raw = Buffer.from(hex, 'hex');
  const forms = [hex, hex.toUpperCase(), raw.toString('base64'), raw.toString('latin1')];
  const history = await handle.fetchHistory();
  const desc = await handle.describe();
  const places: Record<string, string> = {
    history: historyText(history),
    memo: stringify(desc.memo),
    searchAttributes: stringify(desc.searchAttributes) + stringify(desc.typedSearchAttributes),
    raw: historyText(desc.raw),
    log: logs.join('\n'),
  };
  // The key file is named (that is how the workers find the key); the key is not.
  expect(places.history).toContain(keyFile(m, which));
  for (const [where, text] of Object.entries(places)) {
    for (const f of forms) expect({ where, leaks: text.includes(f) }).toEqual({ where, leaks: false });
  }
}

function failureOf(e: unknown): ApplicationFailure {
  expect(e).toBeInstanceOf(WorkflowFailedError);
  let cause: unknown = (e as WorkflowFailedError).cause;
  while (cause && !(cause instanceof ApplicationFailure)) cause = (cause as { cause?: unknown }).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

test.each(CRYPTER_METHODS)('an encrypted (%s) backup restores with its key file: every table equals the backup, the cluster is handed back, the key is nowhere', async (m) => {
  const manifest = manifests.get(m)!;
  expect(manifest.encrypted).toBe(true);
  const user = manifest.tables.filter((t) => !t.isSystem);
  await env.withCluster(async (c, taskQueue) => {
    const handle = await env.client.workflow.start(restoreWorkflow, {
      taskQueue,
      workflowId: `encrypted-${m}-${taskQueue}`,
      args: [{ storage: `local://${join(env.dir, m)}`, crypter: { method: m, keyFile: keyFile(m, 'right') }, timings: FAST_TIMINGS }],
    });
    const result = await handle.result();
    expect(result.tables).toBe(user.length);
    expect(result.checksum).toEqual({ enabled: true, passed: user.length });
    expect(await restoredChecksums(c, user)).toEqual(recordedChecksums(user));
    expect(clusterNormality(c.sim)).toEqual(expectedNormality(c));
    await expectNoKey(handle, m, 'right');
  });
});

test('a wrong key fails planning with WrongKey naming the key file and method; no key at all is EncryptedNoKey; the cluster is untouched', async () => {
  const m: CrypterMethod = 'aes256-ctr';
  await env.withCluster(async (c, taskQueue) => {
    const regions = c.sim.state.regions().length;
    const wrong = await env.client.workflow.start(restoreWorkflow, {
      taskQueue,
      workflowId: `encrypted-wrong-${taskQueue}`,
      args: [{ storage: `local://${join(env.dir, m)}`, crypter: { method: m, keyFile: keyFile(m, 'wrong') }, timings: FAST_TIMINGS }],
    });
    const f = failureOf(await wrong.result().then(() => undefined, (e: unknown) => e));
    expect(f.type).toBe(ErrorType.BackupWrongKey);
    expect(f.message).toContain(`key file ${keyFile(m, 'wrong')} (${m})`);
    await expectNoKey(wrong, m, 'wrong');

    const none = await env.client.workflow
      .execute(restoreWorkflow, { taskQueue, workflowId: `encrypted-nokey-${taskQueue}`, args: [{ storage: `local://${join(env.dir, m)}`, timings: FAST_TIMINGS }] })
      .then(() => undefined, (e: unknown) => e);
    expect(failureOf(none).type).toBe(ErrorType.BackupEncrypted);

    // Planning is the first step: nothing was split, paused, held or created.
    expect(c.sim.state.regions().length).toBe(regions);
    expect(clusterNormality(c.sim)).toEqual(expectedNormality(c));
    const tidb = new TidbClient(c.target.tidb);
    try {
      const present: string[] = [];
      for (const t of manifests.get(m)!.tables) if (await tidb.tableInfo(t.db, t.name)) present.push(`${t.db}.${t.name}`);
      expect(present).toEqual([]);
    } finally {
      await tidb.close();
    }
  });
});

test('workers with a default key (BRFLOW_CRYPTER_METHOD/KEY_FILE) restore an encrypted backup whose input names none', async () => {
  const m: CrypterMethod = 'aes128-ctr';
  const user = manifests.get(m)!.tables.filter((t) => !t.isSystem);
  const c = await startSimCluster();
  let cd: ClusterDeps | undefined;
  try {
    cd = await connectClusterDeps(c.target);
    // As runWorker builds it from WorkerConfig.crypter.
    const plans = new PlanCache(cd.deps.backup, { keys: keyFileSource({ method: m, keyFile: keyFile(m, 'right') }) });
    await env.withWorkers({ activities: createActivities(cd.deps, plans) }, async (taskQueue) => {
      const handle = await env.client.workflow.start(restoreWorkflow, {
        taskQueue, workflowId: `encrypted-default-${taskQueue}`, args: [{ storage: `local://${join(env.dir, m)}`, timings: FAST_TIMINGS }],
      });
      expect((await handle.result()).checksum).toEqual({ enabled: true, passed: user.length });
      expect(await restoredChecksums(c, user)).toEqual(recordedChecksums(user));
      expect(clusterNormality(c.sim)).toEqual(expectedNormality(c));
    });
  } finally {
    await cd?.close();
    await c.sim.stop();
  }
});

test('the worker log was captured for the key checks above (runtime logger installed by this file)', () => {
  // When another test file of the same jest process installed the runtime first, the log is not ours to read.
  if (!capturingLogs) return;
  expect(logs.length).toBeGreaterThan(0);
});
