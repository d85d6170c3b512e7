import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { NativeConnection, WorkflowBundle } from '@temporalio/worker';
import { expectedTableStates } from '../../src/backup/generator/expected-state';
import { makeBackup } from '../../src/backup/generator/make-backup';
import { LocalStorage } from '../../src/backup/local-storage';
import type { Manifest } from '../../src/backup/manifest';
import { readManifest } from '../../src/backup/read-manifest';
import { TidbClient } from '../../src/cluster/tidb';
import type { RealTidb } from '../../src/local-stack/real-tidb';
import { startSimulator, type SimulatorHandle } from '../../src/simulator/server';
import { connectClusterDeps, type ClusterDeps, type ClusterTarget } from '../../src/worker/cluster-deps';
import { restoreWorkflow } from '../../src/workflows/restore';
import { CrashWorkerPool } from '../support/crash-worker';
import { startDelayProxy, type DelayProxy } from '../support/delay-proxy';
import { testTemporalAddress } from '../support/env';
import { realTidbConfig, startRealTidbForTest } from '../support/real-parts';
import { uniqueTaskQueue } from '../support/restore-env';
import { restoredChecksums, schedulingView } from '../support/sim-cluster';
import { bundleRestoreWorkflows, connectWorkerConnection, startRestoreWorkers } from '../support/worker-harness';

/**
 * A worker SIGKILLed in the middle of an incremental backup's DDL replay on the real TiDB v8.5.3, after the
 * ADD COLUMN job took effect and while the next job is on its way; a new worker takes the activity over. The
 * replay must finish (it used to stop for good on 1060 Duplicate column name, replaying from job 1) and the
 * tables end as full + incremental.
 *
 * The point is caught without hooks in product code: the dying worker reaches TiDB through a TCP proxy that
 * holds each DDL statement for HOLD_MS, and the test watches the real TiDB's catalog for the added column.
 */
const GEN = { seed: 31, tables: 8, rows: 20, metaVersion: 2, compression: 'zstd', withSysTables: false } as const;
const HOLD_MS = 1500;
const TIMINGS = { keeperIntervalMs: 500, gcTtlSec: 300, pauseTtlSec: 300, heartbeatTimeoutMs: 2000, compensationMaxIntervalMs: 500 };
const DDL = /\b(CREATE DATABASE|CREATE TABLE|ALTER TABLE|RENAME TABLE|DROP TABLE)\b/i;

let bundle: WorkflowBundle;
let bundlePath: string;
let native: NativeConnection;
let connection: Connection;
let client: Client;
let dir: string;
let tidb: RealTidb;
let sim: SimulatorHandle;
let proxy: DelayProxy;
let inc: Manifest;
const pool = new CrashWorkerPool(1);

beforeAll(async () => {
  pool.warm();
  const address = testTemporalAddress();
  dir = mkdtempSync(join(tmpdir(), 'brflow-ddl-kill-'));
  [bundle, native, connection, tidb, sim] = await Promise.all([
    bundleRestoreWorkflows(),
    connectWorkerConnection(address),
    Connection.connect({ address }),
    startRealTidbForTest(),
    startSimulator({ stores: 3, scatterPolls: 1, tidb: false }),
    makeBackup(new LocalStorage(join(dir, 'full')), { ...GEN, incremental: false }),
    makeBackup(new LocalStorage(join(dir, 'inc')), { ...GEN, incremental: true }),
  ]);
  bundlePath = join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  inc = await readManifest(new LocalStorage(join(dir, 'inc')));
  proxy = await startDelayProxy(tidb.address, DDL, HOLD_MS);
  client = new Client({ connection });
}, 180_000);

afterAll(async () => {
  await pool.close();
  await proxy?.close();
  await native?.close();
  await connection?.close();
  await sim?.stop();
  await tidb?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('SIGKILL mid DDL replay (ADD COLUMN done, RENAME in flight): a new worker finishes the replay and the restore', async () => {
  const direct: ClusterTarget = { pdEndpoints: sim.pdAddresses, tidb: realTidbConfig(tidb) };
  const viaProxy: ClusterTarget = { ...direct, tidb: { ...direct.tidb, host: '127.0.0.1', port: proxy.port } };
  const reader = new TidbClient(direct.tidb);
  let cd: ClusterDeps | undefined;
  try {
    cd = await connectClusterDeps(direct);
    const fullQueue = uniqueTaskQueue('ddl-kill-full');
    const w = await startRestoreWorkers({ connection: native, taskQueue: fullQueue, bundle, deps: cd.deps });
    try {
      await client.workflow.execute(restoreWorkflow, { taskQueue: fullQueue, workflowId: `ddl-kill-full-${fullQueue}`, args: [{ storage: `local://${join(dir, 'full')}`, timings: TIMINGS }] });
    } finally {
      await w.stop();
    }
    expect((await reader.tableInfo('shop', 'order'))?.cols.map((c) => c.name.O)).not.toContain('extra');

    const taskQueue = uniqueTaskQueue('ddl-kill');
    const dying = await pool.start({ temporalAddress: testTemporalAddress(), taskQueue, target: viaProxy, bundlePath });
    const handle = await client.workflow.start(restoreWorkflow, { taskQueue, workflowId: `ddl-kill-inc-${taskQueue}`, args: [{ storage: `local://${join(dir, 'inc')}`, timings: TIMINGS }] });
    // The point: job 3 (ADD COLUMN `extra`) has taken effect; job 4 (RENAME) is held in the proxy.
    const deadline = Date.now() + 60_000;
    while (!(await reader.tableInfo('shop', 'order'))?.cols.some((c) => c.name.O === 'extra')) {
      if (Date.now() > deadline) throw new Error('the DDL replay never added shop.order.extra');
      await new Promise((r) => setTimeout(r, 50));
    }
    await dying.kill();
    const atKill = await handle.describe();
    expect(atKill.raw.pendingActivities?.map((a) => a.activityType?.name)).toContain('execDdlJobs');
    expect(await reader.tableInfo('shop', 'documents_v2')).toBeUndefined();

    const w2 = await startRestoreWorkers({ connection: native, taskQueue, bundle, deps: cd.deps });
    try {
      const result = await handle.result();
      expect(result.checksum.enabled).toBe(true);
    } finally {
      await w2.stop();
    }
    const expected = expectedTableStates({ seed: GEN.seed, tables: GEN.tables, rowsPerTable: GEN.rows, withSysTables: false }, true).filter((e) => e.db !== 'mysql');
    const byName = new Map(inc.tables.map((t) => [`${t.db}.${t.name}`, t]));
    const tables = expected.map((e) => byName.get(`${e.db}.${e.table}`)!);
    const cluster = { sim, target: direct, baseline: schedulingView(sim) };
    expect(await restoredChecksums(cluster, tables)).toEqual(expected.map((e) => ({ table: `${e.db}.${e.table}`, crc64xor: e.crc64xor, totalKvs: e.totalKvs, totalBytes: e.totalBytes })));
    expect((await reader.tableInfo('shop', 'order'))?.cols.map((c) => [c.name.O, c.id])).toEqual([['id', 1], ['select', 2], ['amount', 3], ['created', 4], ['note', 5], ['extra', 6]]);
    expect(await reader.tableInfo('shop', 'documents')).toBeUndefined();
    expect(await reader.tableInfo('shop', 'documents_v2')).toBeDefined();
    expect(await reader.tableInfo('shop', 'empty_table')).toBeUndefined();
    expect((await reader.tableInfo('inc_db', 'new_items'))?.cols.map((c) => c.name.O)).toEqual(['id', 'label', 'qty']);
  } finally {
    await reader.close();
    await cd?.close();
  }
});
