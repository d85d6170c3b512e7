import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { routeActivitiesByCluster } from '../../../src/activities/cluster-router';
import { PlanCache } from '../../../src/activities/plan-cache';
import { openStorage } from '../../../src/backup/open-storage';
import { readManifest } from '../../../src/backup/read-manifest';
import type { TlsOptions } from '../../../src/cluster/tls';
import { ErrorType } from '../../../src/plan/error-types';
import { ClusterPool, type ClusterPoolOptions } from '../../../src/worker/cluster-pool';
import { workerConfigFromEnv } from '../../../src/worker/config';
import { restoreWorkflow } from '../../../src/workflows/restore';
import { FAST_TIMINGS, openRestoreEnv, uniqueTaskQueue, type RestoreEnvWithBackup } from '../../support/restore-env';
import { clusterNormality, expectedNormality, recordedChecksums, restoredChecksums, startSimCluster, type SimCluster } from '../../support/sim-cluster';
import { testTemporalAddress } from '../../support/env';
import { makeTestPki, type TestPki } from '../cluster/support/tls-certs';
import { startTlsFront } from '../../support/tls-front';

/**
 * Restores into a cluster that speaks only mutual TLS (PD, every TiKV store, TiDB's SQL and status ports):
 * once through `brflow worker` configured by BRFLOW_CLUSTER_* and BRFLOW_TIDB_*, once through a worker with no
 * TLS of its own and an input naming the cluster and its certificate paths. The backup's checksums must hold
 * and the cluster must be handed back normal; the history carries paths, never PEM contents.
 */
const root = join(__dirname, '../../..');
const cli = join(root, 'src/cli/main.ts');

let env: RestoreEnvWithBackup;
let pki: TestPki;
let paths: { ca: string; cert: string; key: string };
let mutual: TlsOptions;

beforeAll(async () => {
  env = await openRestoreEnv({
    prefix: 'cluster-tls',
    backup: { seed: 41, tables: 4, rows: 25, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false },
    backupSubdir: 'backup',
  });
  pki = await makeTestPki(env.dir);
  paths = { ca: join(env.dir, 'ca.pem'), cert: join(env.dir, 'client.pem'), key: join(env.dir, 'client.key') };
  mutual = { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey };
});

afterAll(() => env?.close());

function userTables() {
  return env.manifest.tables.filter((t) => t.db !== 'mysql');
}

/** A simulated cluster serving mutual TLS only, and the target brflow's own checks reach it with. */
async function startTlsCluster(): Promise<SimCluster> {
  const c = await startSimCluster({ tls: { ca: pki.ca, cert: pki.serverCert, key: pki.serverKey, requireClientCert: true } });
  return { ...c, target: { ...c.target, tls: mutual, tidb: { ...c.target.tidb, tls: mutual } } };
}

/** Every payload of a history, decoded. */
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

test('mutual TLS everywhere: brflow worker with TEMPORAL_TLS_*, BRFLOW_CLUSTER_* and BRFLOW_TIDB_* restores into a mutual-TLS cluster through a mutual-TLS Temporal', async () => {
  const c = await startTlsCluster();
  // The worker reaches Temporal only through a front that demands its client certificate.
  const front = await startTlsFront(testTemporalAddress(), pki);
  const taskQueue = uniqueTaskQueue('cluster-tls-worker');
  let worker: ChildProcess | undefined;
  try {
    worker = spawn(process.execPath, ['--import', 'tsx', cli, 'worker'], {
      cwd: root,
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: front.address,
        TEMPORAL_TLS_SERVER_CA_CERT_PATH: paths.ca,
        TEMPORAL_TLS_CLIENT_CERT_PATH: paths.cert,
        TEMPORAL_TLS_CLIENT_KEY_PATH: paths.key,
        TEMPORAL_TLS_SERVER_NAME: 'localhost',
        BRFLOW_TASK_QUEUE: taskQueue,
        BRFLOW_PD_ADDRESSES: c.sim.pdAddresses.join(','),
        BRFLOW_CLUSTER_CA: paths.ca,
        BRFLOW_CLUSTER_CERT: paths.cert,
        BRFLOW_CLUSTER_KEY: paths.key,
        BRFLOW_TIDB_ADDRESS: c.sim.tidb!.address,
        BRFLOW_TIDB_STATUS_ADDRESS: c.sim.tidb!.statusAddress,
        BRFLOW_TIDB_CA: paths.ca,
        BRFLOW_TIDB_CERT: paths.cert,
        BRFLOW_TIDB_KEY: paths.key,
        BRFLOW_SHUTDOWN_GRACE_MS: '1000',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let logs = '';
    const started = new Promise<void>((resolve, reject) => {
      worker!.stdout!.on('data', (d: Buffer) => {
        logs += d.toString();
        if (logs.includes('brflow worker started')) resolve();
      });
      worker!.once('exit', (code) => reject(new Error(`worker exited with ${code} before starting:\n${logs}`)));
    });
    await started;
    const startLine = JSON.parse(logs.split('\n').find((l) => l.includes('brflow worker started'))!) as { clusterTls: string; temporal: string };
    expect(startLine.clusterTls).toBe('mutual TLS');
    expect(startLine.temporal).toBe(`${front.address} (mutual TLS), namespace default`);

    const result = await env.client.workflow.execute(restoreWorkflow, {
      taskQueue,
      workflowId: `tls-worker-${taskQueue}`,
      args: [{ storage: `local://${env.backupDir}`, timings: FAST_TIMINGS }],
    });
    expect(result.tables).toBe(userTables().length);
    expect(await restoredChecksums(c, userTables())).toEqual(recordedChecksums(userTables()));
    expect(clusterNormality(c.sim)).toEqual(expectedNormality(c));
    // The key never reaches the worker's logs.
    expect(logs).not.toContain(pki.clientKey.toString().split('\n')[1]);
  } finally {
    if (worker && worker.exitCode === null) {
      worker.kill('SIGTERM');
      await new Promise((r) => worker!.once('exit', r));
    }
    await front.close();
    await c.sim.stop();
  }
});

const PLAIN_POOL: ClusterPoolOptions = { tidbDefaults: { host: '127.0.0.1', port: 4000, statusAddress: '127.0.0.1:10080', user: 'root', password: '' } };

/** A worker with no cluster of its own (and by default no TLS), routed through the pool as `brflow worker` builds it. */
async function withPoolWorker(body: (taskQueue: string) => Promise<void>, opts: ClusterPoolOptions = PLAIN_POOL): Promise<void> {
  const pool = new ClusterPool(opts);
  const activities = routeActivitiesByCluster((ref) => pool.lease(ref), new PlanCache({ readManifest: (url) => readManifest(openStorage(url)) }));
  try {
    await env.withWorkers({ activities }, body);
  } finally {
    await pool.close();
  }
}

test('an input naming its cluster with cluster.tls (paths on the worker host) restores over mutual TLS; no PEM in history', async () => {
  const c = await startTlsCluster();
  try {
    await withPoolWorker(async (taskQueue) => {
      const handle = await env.client.workflow.start(restoreWorkflow, {
        taskQueue,
        workflowId: `tls-input-${taskQueue}`,
        args: [{
          storage: `local://${env.backupDir}`,
          cluster: { pd: c.sim.pdAddresses, tidb: c.sim.tidb!.address, tidbStatus: c.sim.tidb!.statusAddress, tls: paths },
          timings: FAST_TIMINGS,
        }],
      });
      const result = await handle.result();
      expect(result.tables).toBe(userTables().length);
      expect(await restoredChecksums(c, userTables())).toEqual(recordedChecksums(userTables()));
      expect(clusterNormality(c.sim)).toEqual(expectedNormality(c));

      const history = payloadTexts(await handle.fetchHistory());
      expect(history).toContain(paths.key);
      expect(history).not.toContain('-----BEGIN');
      const keyBody = (await readFile(paths.key, 'utf8')).split('\n')[1]!;
      expect(history).not.toContain(keyBody);
    });
  } finally {
    await c.sim.stop();
  }
});

test('cluster.tls naming a file the worker cannot read fails typed, naming the field and path, and changes nothing', async () => {
  const c = await startTlsCluster();
  try {
    await withPoolWorker(async (taskQueue) => {
      const missing = join(env.dir, 'no-such-ca.pem');
      const err = await env.client.workflow.execute(restoreWorkflow, {
        taskQueue,
        workflowId: `tls-missing-${taskQueue}`,
        args: [{ storage: `local://${env.backupDir}`, cluster: { pd: c.sim.pdAddresses, tidb: c.sim.tidb!.address, tls: { ...paths, ca: missing } }, timings: FAST_TIMINGS }],
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      const cause = (err as WorkflowFailedError).cause?.cause as { type?: string; message: string };
      expect(cause.type).toBe(ErrorType.InvalidInput);
      expect(cause.message).toContain(`cluster.tls.ca: cannot read ${missing}`);
      expect(clusterNormality(c.sim)).toEqual(expectedNormality(c));
    });
  } finally {
    await c.sim.stop();
  }
});

test('an input naming its cluster without cluster.tls gets the worker BRFLOW_CLUSTER_* settings (no cluster of its own)', async () => {
  const c = await startTlsCluster();
  // What src/worker/main.ts builds from this environment: no home cluster, the cluster TLS as the default.
  const cfg = workerConfigFromEnv({ BRFLOW_CLUSTER_CA: paths.ca, BRFLOW_CLUSTER_CERT: paths.cert, BRFLOW_CLUSTER_KEY: paths.key });
  try {
    await withPoolWorker(async (taskQueue) => {
      const result = await env.client.workflow.execute(restoreWorkflow, {
        taskQueue,
        workflowId: `tls-default-${taskQueue}`,
        args: [{ storage: `local://${env.backupDir}`, cluster: { pd: c.sim.pdAddresses, tidb: c.sim.tidb!.address, tidbStatus: c.sim.tidb!.statusAddress }, timings: FAST_TIMINGS }],
      });
      expect(result.tables).toBe(userTables().length);
      expect(await restoredChecksums(c, userTables())).toEqual(recordedChecksums(userTables()));
      expect(clusterNormality(c.sim)).toEqual(expectedNormality(c));
    }, { tidbDefaults: cfg.tidb, ...(cfg.clusterTls ? { tlsDefault: cfg.clusterTls } : {}) });
  } finally {
    await c.sim.stop();
  }
});
