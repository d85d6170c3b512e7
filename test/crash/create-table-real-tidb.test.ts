import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { NativeConnection, WorkflowBundle } from '@temporalio/worker';
import { makeBackup } from '../../src/backup/generator/make-backup';
import { LocalStorage } from '../../src/backup/local-storage';
import type { ManifestTable } from '../../src/backup/manifest';
import { readManifest } from '../../src/backup/read-manifest';
import { TidbClient } from '../../src/cluster/tidb';
import type { RealTidb } from '../../src/local-stack/real-tidb';
import { planColumnLayout } from '../../src/plan/column-ids';
import type { ColumnInfo, TableInfo } from '../../src/plan/table-info';
import { BackupMeta } from '../../src/proto/brpb';
import { startSimulator } from '../../src/simulator/server';
import { connectClusterDeps, type ClusterDeps, type ClusterTarget } from '../../src/worker/cluster-deps';
import { restoreWorkflow } from '../../src/workflows/restore';
import { CrashWorkerPool } from '../support/crash-worker';
import { startDelayProxy, type DelayProxy } from '../support/delay-proxy';
import { testTemporalAddress } from '../support/env';
import { realTidbConfig, startRealTidbForTest } from '../support/real-parts';
import { uniqueTaskQueue } from '../support/restore-env';
import { recordedChecksums, restoredChecksums, schedulingView } from '../support/sim-cluster';
import { bundleRestoreWorkflows, connectWorkerConnection, startRestoreWorkers } from '../support/worker-harness';

/**
 * A worker SIGKILLed between the statements that create a table with placeholder columns on the real TiDB
 * v8.5.3 (CREATE with `__brflow_col_2`, ADD COLUMN with the origin default, DROP the placeholder, SET the
 * current default), after each statement k in turn; a new worker takes createTables over and the table must
 * end with the backup's layout. The dying worker reaches TiDB through a proxy that holds the table's DDL,
 * so "statement k+1 has arrived" means statements 1..k are done and k+1 never runs.
 *
 * The backup is make-backup's (v1 metadata) with shop.documents' TableInfo changed to the layout of a table
 * that lost column 2 and gained a TIMESTAMP column later: row values are not decoded by a restore, so the
 * data files still restore and checksum as recorded.
 */
const HOLD_MS = 1500;
const TIMINGS = { keeperIntervalMs: 500, gcTtlSec: 300, pauseTtlSec: 300, heartbeatTimeoutMs: 2000, compensationMaxIntervalMs: 500 };
const DOCUMENTS_DDL = /\b(CREATE|ALTER) TABLE `documents`/;

let bundle: WorkflowBundle;
let bundlePath: string;
let native: NativeConnection;
let connection: Connection;
let client: Client;
let dir: string;
let tidb: RealTidb;
let documents: ManifestTable;
let statements: string[];
const pool = new CrashWorkerPool(1);

/** shop.documents (id 1, title 2, body 3) as if column 2 had been dropped and a TIMESTAMP added later. */
function reshape(info: TableInfo): TableInfo {
  const [id, title, body] = info.cols as [ColumnInfo, ColumnInfo, ColumnInfo];
  const touched: ColumnInfo = {
    ...title, id: 5, offset: 3, name: { O: 'touched', L: 'touched' },
    type: { ...title.type, Tp: 7, Flag: 0, Flen: 19, Decimal: 0, Charset: 'binary', Collate: 'binary' },
    default: '2024-02-03 04:05:06', origin_default: '2023-01-02 03:04:05',
  };
  return { ...info, cols: [id, { ...title, id: 3 }, { ...body, id: 4 }, touched], max_col_id: 5 };
}

beforeAll(async () => {
  pool.warm();
  const address = testTemporalAddress();
  dir = mkdtempSync(join(tmpdir(), 'brflow-create-kill-'));
  [bundle, native, connection, tidb] = await Promise.all([
    bundleRestoreWorkflows(),
    connectWorkerConnection(address),
    Connection.connect({ address }),
    startRealTidbForTest(),
    makeBackup(new LocalStorage(join(dir, 'backup')), { seed: 41, tables: 8, rows: 20, metaVersion: 1, compression: 'zstd', incremental: false, withSysTables: false }),
  ]);
  bundlePath = join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  client = new Client({ connection });
  const metaPath = join(dir, 'backup', 'backupmeta');
  const meta = BackupMeta.decode(readFileSync(metaPath));
  for (const s of meta.schemas) {
    const info = JSON.parse(Buffer.from(s.table).toString('utf8')) as TableInfo | null;
    if (info?.name.O === 'documents') s.table = Buffer.from(JSON.stringify(reshape(info)));
  }
  writeFileSync(metaPath, BackupMeta.encode(meta).finish());
  documents = (await readManifest(new LocalStorage(join(dir, 'backup')))).tables.find((t) => t.name === 'documents')!;
  const layout = planColumnLayout(documents.info);
  if (!layout.reproducible) throw new Error(layout.reason);
  statements = layout.statements;
}, 180_000);

afterAll(async () => {
  await pool.close();
  await native?.close();
  await connection?.close();
  await tidb?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** What the restored table must share with the backup's: columns (name, ID, order, defaults) and handle. */
const layout = (t: TableInfo | undefined) => t && {
  cols: [...t.cols].sort((a, b) => a.offset - b.offset).map((c) => [c.name.O, c.id, c.default ?? null, c.origin_default ?? null]),
  intHandle: t.pk_is_handle,
};

test('the reshaped table needs four statements, placeholder included', () => {
  expect(statements.map((s) => /^\w+ TABLE `documents` ?(\w+ \w+)?/.exec(s)?.[0])).toEqual([
    'CREATE TABLE `documents` ', 'ALTER TABLE `documents` ADD COLUMN', 'ALTER TABLE `documents` DROP COLUMN', 'ALTER TABLE `documents` ALTER COLUMN',
  ]);
  expect(statements[0]).toContain('__brflow_col_2');
});

test.each([1, 2, 3])('SIGKILL after statement %i of 4 creating a table with placeholder columns: a new worker finishes it with the backup layout', async (k) => {
  const sim = await startSimulator({ stores: 3, scatterPolls: 1, tidb: false });
  const proxy: DelayProxy = await startDelayProxy(tidb.address, DOCUMENTS_DDL, HOLD_MS);
  const direct: ClusterTarget = { pdEndpoints: sim.pdAddresses, tidb: realTidbConfig(tidb) };
  const reader = new TidbClient(direct.tidb);
  let cd: ClusterDeps | undefined;
  try {
    await reader.executeStatements(undefined, ['DROP DATABASE IF EXISTS shop']);
    const taskQueue = uniqueTaskQueue(`create-kill-${k}`);
    const dying = await pool.start({ temporalAddress: testTemporalAddress(), taskQueue, target: { ...direct, tidb: { ...direct.tidb, port: proxy.port } }, bundlePath });
    const handle = await client.workflow.start(restoreWorkflow, {
      taskQueue, workflowId: `create-kill-${taskQueue}`,
      args: [{ storage: `local://${join(dir, 'backup')}`, filters: ['shop.documents'], timings: TIMINGS }],
    });
    // Statement k+1 has reached the proxy: 1..k were answered, k+1 is held and dies with the worker.
    const deadline = Date.now() + 60_000;
    while (proxy.held.length < k + 1) {
      if (Date.now() > deadline) throw new Error(`statement ${k + 1} never came (${proxy.held.length} did)`);
      await new Promise((r) => setTimeout(r, 25));
    }
    await dying.kill();
    const half = await reader.tableInfo('shop', 'documents');
    expect(half).toBeDefined();
    expect(layout(half)).not.toEqual(layout(documents.info));

    cd = await connectClusterDeps(direct);
    const w = await startRestoreWorkers({ connection: native, taskQueue, bundle, deps: cd.deps });
    try {
      const result = await handle.result();
      expect(result.checksum).toEqual({ enabled: true, passed: 1 });
    } finally {
      await w.stop();
    }
    expect(layout(await reader.tableInfo('shop', 'documents'))).toEqual(layout(documents.info));
    expect(await restoredChecksums({ sim, target: direct, baseline: schedulingView(sim) }, [documents])).toEqual(recordedChecksums([documents]));
  } finally {
    await reader.close();
    await cd?.close();
    await proxy.close();
    await sim.stop();
  }
});
