import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { WorkflowFailedError } from '@temporalio/client';
import { routeActivitiesByCluster } from '../../../src/activities/cluster-router';
import { PlanCache } from '../../../src/activities/plan-cache';
import { openStorage } from '../../../src/backup/open-storage';
import { readManifest } from '../../../src/backup/read-manifest';
import { ErrorType } from '../../../src/plan/error-types';
import { ClusterPool } from '../../../src/worker/cluster-pool';
import { workflowHistorySource } from '../../../src/worker/workflow-history';
import { restoreWorkflow } from '../../../src/workflows/restore';
import { followRestore } from '../../../src/cli/commands/restore';
import type { RetryingStep } from '../../../src/cli/commands/retrying-steps';
import { freePort } from '../../../src/local-stack/free-port';
import { BrflowError } from '../../../src/plan/error-types';
import { testTemporalAddress } from '../../support/env';
import { runCli } from '../../support/run-cli';
import { FAST_TIMINGS, openRestoreEnv, type RestoreEnvWithBackup } from '../../support/restore-env';
import { clusterNormality, expectedNormality, recordedChecksums, restoredChecksums, startSimCluster, type SimCluster } from '../../support/sim-cluster';

/**
 * The restore input names its target cluster (PD and TiDB addresses); secrets stay on the worker (a password
 * file named by path). One worker, whose own cluster is A, restores into B when the input says B.
 */
const B_PASSWORD = 'b-only-secret-7f3a';

let env: RestoreEnvWithBackup;

beforeAll(async () => {
  // The backup in a folder of its own: the password file for cluster B is written next to it, in env.dir.
  env = await openRestoreEnv({
    prefix: 'cluster-input',
    backup: { seed: 31, tables: 4, rows: 25, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false },
    backupSubdir: 'backup',
  });
});

afterAll(() => env?.close());

/**
 * A worker routed through the pool exactly as `brflow worker` builds it (src/worker/main.ts); `withClient` gives
 * it the Temporal client `brflow worker` has (the cluster lock is asked for over it).
 */
async function withPoolWorker(home: SimCluster | undefined, body: (taskQueue: string) => Promise<void>, withClient = false): Promise<void> {
  const tidbDefaults = home?.target.tidb ?? { host: '127.0.0.1', port: 4000, statusAddress: '127.0.0.1:10080', user: 'root', password: '' };
  const pool = new ClusterPool({ ...(home ? { home: home.target } : {}), tidbDefaults });
  const plans = new PlanCache({ readManifest: (url) => readManifest(openStorage(url)) });
  const activities = routeActivitiesByCluster((ref) => pool.lease(ref), plans, withClient ? workflowHistorySource(env.client) : undefined);
  try {
    await env.withWorkers({ activities }, body);
  } finally {
    await pool.close();
  }
}

/** Every payload of a history, decoded (payload data is base64 in the JSON form). */
function payloadTexts(history: unknown): string {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.data instanceof Uint8Array) out.push(Buffer.from(o.data).toString('utf8'));
      else if (typeof o.data === 'string' && o.metadata) out.push(Buffer.from(o.data, 'base64').toString('utf8'));
      Object.values(o).forEach(walk);
    }
  };
  walk(history);
  return out.join('\n');
}

function userTables() {
  return env.manifest.tables.filter((t) => t.db !== 'mysql');
}

test('a worker whose own cluster is A restores into B when the input names B; A is untouched; no password in history', async () => {
  const a = await startSimCluster();
  const b = await startSimCluster({ tidb: { users: { brflow: B_PASSWORD } } });
  const pwFile = join(env.dir, 'b-password');
  await writeFile(pwFile, `${B_PASSWORD}\n`, { mode: 0o600 });
  try {
    await withPoolWorker(a, async (taskQueue) => {
      const handle = await env.client.workflow.start(restoreWorkflow, {
        taskQueue,
        workflowId: `into-b-${taskQueue}`,
        args: [{
          storage: `local://${env.backupDir}`,
          cluster: { pd: b.sim.pdAddresses, tidb: b.sim.tidb!.address, tidbStatus: b.sim.tidb!.statusAddress, tidbUser: 'brflow', tidbPasswordFile: pwFile },
          timings: FAST_TIMINGS,
        }],
      });
      const result = await handle.result();
      expect(result.tables).toBe(userTables().length);

      // B holds exactly the backup's data and was handed back.
      const bTarget = { ...b, target: { ...b.target, tidb: { ...b.target.tidb, user: 'brflow', password: B_PASSWORD } } };
      expect(await restoredChecksums(bTarget, userTables())).toEqual(recordedChecksums(userTables()));
      expect(clusterNormality(b.sim)).toEqual(expectedNormality(b));

      // A: no data, no table, scheduling as it was.
      expect(a.sim.inspector.tableChecksums()).toEqual([]);
      const userDbs = new Set(userTables().map((t) => t.db));
      expect(a.sim.tidbFront!.catalog.databases().filter((d) => userDbs.has(d.db_name.L))).toEqual([]);
      expect(clusterNormality(a.sim)).toEqual(expectedNormality(a));

      // The input carried addresses and a file path; the password itself is nowhere in the history.
      const history = payloadTexts(await handle.fetchHistory());
      expect(history).toContain(`"pd":${JSON.stringify(b.sim.pdAddresses)}`);
      expect(history).toContain(pwFile);
      expect(history).not.toContain(B_PASSWORD);
    });
  } finally {
    await a.sim.stop();
    await b.sim.stop();
  }
});

test('one cluster, one lock: a restore into the worker\'s own cluster holds it against a restore naming that cluster by another address (PD\'s cluster ID, not the spelling)', async () => {
  const a = await startSimCluster();
  try {
    await withPoolWorker(a, async (taskQueue) => {
      a.sim.faults.addLatency({ rpc: 'Download', ms: 100 });
      const own = await env.client.workflow.start(restoreWorkflow, { taskQueue, workflowId: `own-${taskQueue}`, args: [{ storage: `local://${env.backupDir}`, concurrency: 1, timings: FAST_TIMINGS }] });
      for (const end = Date.now() + 30_000; (await own.describe()).searchAttributes.BrRestorePhase?.[0] !== 'ingest'; ) {
        if (Date.now() > end) throw new Error('the first restore never reached ingest');
        await new Promise((r) => setTimeout(r, 50));
      }
      // The same PD as "localhost" (the worker's own is 127.0.0.1), named in the input: before, a lock of its own.
      const sameByName = { pd: a.sim.pdAddresses.map((p) => p.replace('127.0.0.1', 'localhost')), tidb: a.sim.tidb!.address, tidbStatus: a.sim.tidb!.statusAddress };
      expect(sameByName.pd).not.toEqual(a.sim.pdAddresses);
      const err = await env.client.workflow.execute(restoreWorkflow, {
        taskQueue, workflowId: `by-name-${taskQueue}`, args: [{ storage: `local://${env.backupDir}`, cluster: sameByName, onClusterBusy: 'fail', timings: FAST_TIMINGS }],
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      const cause = (err as WorkflowFailedError).cause as { type?: string; message: string };
      expect(cause.type).toBe(ErrorType.ClusterBusy);
      expect(cause.message).toContain(own.workflowId);
      expect((await own.result()).checksum.passed).toBe(userTables().length);
      expect(await restoredChecksums(a, userTables())).toEqual(recordedChecksums(userTables()));
      expect(clusterNormality(a.sim)).toEqual(expectedNormality(a));
      // The lock taken is the one of the cluster's PD ID, as the history records it.
      expect(payloadTexts(await own.fetchHistory())).toContain(`"lockId":"brflow-lock-cluster-${a.sim.state.clusterId}"`);
    }, true);
  } finally {
    await a.sim.stop();
  }
});

test('a worker without a cluster of its own fails a restore that names none, typed, before changing anything', async () => {
  await withPoolWorker(undefined, async (taskQueue) => {
    const err = await env.client.workflow.execute(restoreWorkflow, {
      taskQueue,
      workflowId: `no-cluster-${taskQueue}`,
      args: [{ storage: `local://${env.backupDir}`, timings: FAST_TIMINGS }],
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause?.cause as { type?: string; message: string };
    expect(cause.type).toBe(ErrorType.InvalidInput);
    expect(cause.message).toContain('names no cluster');
    expect(cause.message).toContain('"cluster"');
  });
});

test('an unreadable password file fails typed, naming the path, and leaves the cluster as it was', async () => {
  const b = await startSimCluster({ tidb: { users: { brflow: B_PASSWORD } } });
  try {
    await withPoolWorker(undefined, async (taskQueue) => {
      const missing = join(env.dir, 'no-such-password-file');
      const err = await env.client.workflow.execute(restoreWorkflow, {
        taskQueue,
        workflowId: `bad-pwfile-${taskQueue}`,
        args: [{ storage: `local://${env.backupDir}`, cluster: { pd: b.sim.pdAddresses, tidb: b.sim.tidb!.address, tidbStatus: b.sim.tidb!.statusAddress, tidbUser: 'brflow', tidbPasswordFile: missing }, timings: FAST_TIMINGS }],
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      const cause = (err as WorkflowFailedError).cause?.cause as { type?: string; message: string };
      expect(cause.type).toBe(ErrorType.InvalidInput);
      expect(cause.message).toContain(missing);
      expect(clusterNormality(b.sim)).toEqual(expectedNormality(b));
    });
  } finally {
    await b.sim.stop();
  }
});

test('a cluster that cannot be reached: status and the followed restore name the step being retried, its attempt and the error with the address', async () => {
  await withPoolWorker(undefined, async (taskQueue) => {
    // Nothing listens there: PD's GetMembers is refused, the lock request fails and is tried again (BR's PD policy).
    const deadPd = `127.0.0.1:${await freePort()}`;
    const id = `unreachable-${taskQueue}`;
    const h = await env.client.workflow.start(restoreWorkflow, {
      taskQueue, workflowId: id,
      args: [{ storage: `local://${env.backupDir}`, cluster: { pd: [deadPd], tidb: '127.0.0.1:4000' }, timings: FAST_TIMINGS }],
    });
    // What `brflow restore` prints while it follows the restore (not a TTY: one line per event).
    let followed = '';
    const out = Object.assign(new Writable({ write(chunk: Buffer, _enc, done) { followed += chunk.toString(); done(); } }), { isTTY: false }) as unknown as NodeJS.WriteStream;
    const following = followRestore(h, out, 200).then(() => 'completed', (e: unknown) => e);
    const retryLine = `^retrying requestClusterLock \\(attempt (\\d+) of 10(, next in \\d+ s)?\\): PD GetMembers at ${deadPd.replace(/\./g, '\\.')}: unavailable`;
    const lineFor = new RegExp(retryLine, 'm');
    try {
      let live: { status: string; retrying?: RetryingStep[] } | undefined;
      for (let i = 0; i < 60 && !(live?.retrying?.length) && (live === undefined || live.status === 'RUNNING'); i++) {
        await new Promise((r) => setTimeout(r, 250));
        const st = await runCli(['status', id, '--json', '--address', testTemporalAddress()]);
        expect(st.code).toBe(0);
        live = JSON.parse(st.stdout) as typeof live;
      }
      expect(live).toMatchObject({ status: 'RUNNING' });
      expect(live!.retrying![0]).toMatchObject({ activity: 'requestClusterLock', maximumAttempts: 10, lastFailure: expect.stringContaining(`PD GetMembers at ${deadPd}`) });
      expect(live!.retrying![0]!.attempt).toBeGreaterThanOrEqual(2);
      expect((await runCli(['status', id, '--address', testTemporalAddress()])).stdout).toMatch(lineFor);
      for (let i = 0; i < 60 && !lineFor.test(followed); i++) await new Promise((r) => setTimeout(r, 250));
    } finally {
      await h.terminate('test done');
    }
    expect(await following).toBeInstanceOf(BrflowError);
    // Each attempt told once, in order.
    const attempts = [...followed.matchAll(new RegExp(retryLine, 'gm'))].map((m) => Number(m[1]));
    expect(attempts.length).toBeGreaterThan(0);
    expect(attempts[0]).toBeGreaterThanOrEqual(2);
    expect(new Set(attempts).size).toBe(attempts.length);
    expect([...attempts].sort((a, b) => a - b)).toEqual(attempts);
  });
}, 120_000);
