import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import type { NativeConnection, WorkflowBundle } from '@temporalio/worker';
import { makeBackup } from '../../../src/backup/generator/make-backup';
import { LocalStorage } from '../../../src/backup/local-storage';
import type { Manifest, ManifestTable } from '../../../src/backup/manifest';
import { readManifest } from '../../../src/backup/read-manifest';
import { TidbClient } from '../../../src/cluster/tidb';
import { ErrorType } from '../../../src/plan/error-types';
import { planRestore } from '../../../src/plan/restore-plan';
import { connectClusterDeps, type ClusterDeps } from '../../../src/worker/cluster-deps';
import { restoreWorkflow } from '../../../src/workflows/restore';
import { clusterNormality, expectedNormality, restoredChecksums, startSimCluster, type SimCluster } from '../../support/sim-cluster';
import { testTemporalAddress } from '../../support/env';
import { bundleRestoreWorkflows, connectWorkerConnection, startRestoreWorkers } from '../../support/worker-harness';

/**
 * noSchema (BR --no-schema): data goes into tables the operator created beforehand; brflow creates and alters
 * no schema object, and refuses tables that are missing or laid out differently from the backup.
 */
const FAST = { keeperIntervalMs: 300, gcTtlSec: 10, pauseTtlSec: 10, heartbeatTimeoutMs: 5000, compensationMaxIntervalMs: 500 };

let bundle: WorkflowBundle;
let native: NativeConnection;
let connection: Connection;
let client: Client;
let dir: string;
let manifest: Manifest;
let chosen: ManifestTable[];

beforeAll(async () => {
  const address = testTemporalAddress();
  dir = await mkdtemp(join(tmpdir(), 'brflow-no-schema-'));
  [bundle, native, connection] = await Promise.all([
    bundleRestoreWorkflows(),
    connectWorkerConnection(address),
    Connection.connect({ address }),
    makeBackup(new LocalStorage(dir), { seed: 41, tables: 8, rows: 20, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false }),
  ]);
  manifest = await readManifest(new LocalStorage(dir));
  client = new Client({ connection });
  chosen = manifest.tables.filter((t) => t.db !== 'mysql' && BigInt(t.totalKvs) > 0n).slice(0, 2);
});

afterAll(async () => {
  await native?.close();
  await connection?.close();
  await rm(dir, { recursive: true, force: true });
});

async function withCluster(body: (c: SimCluster, taskQueue: string) => Promise<void>): Promise<void> {
  const c = await startSimCluster();
  const taskQueue = `no-schema-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  let cd: ClusterDeps | undefined;
  try {
    cd = await connectClusterDeps(c.target);
    const workers = await startRestoreWorkers({ connection: native, taskQueue, deps: cd.deps, bundle });
    try {
      await body(c, taskQueue);
    } finally {
      await workers.stop();
    }
  } finally {
    await cd?.close();
    await c.sim.stop();
  }
}

/** The operator's part: the databases and the chosen tables created with the backup's layout, beforehand. */
async function precreate(c: SimCluster, tables: readonly ManifestTable[]): Promise<void> {
  const plan = planRestore(manifest, { filters: tables.map((t) => `${t.db}.${t.name}`) });
  const tidb = new TidbClient(c.target.tidb);
  try {
    await tidb.createDatabases(plan.databases.map((d) => d.createSql));
    for (const t of plan.tables) {
      if (!t.layout?.reproducible) throw new Error(`${t.db}.${t.name}: the fixture table must be creatable`);
      await tidb.createTable({ db: t.db, table: t.name, statements: t.layout.statements, backup: t.info });
    }
  } finally {
    await tidb.close();
  }
}

const filtersOf = (tables: readonly ManifestTable[]) => tables.map((t) => `${t.db}.${t.name}`);

test('noSchema fills existing tables with the backup’s data and runs no DDL at all', async () => {
  await withCluster(async (c, taskQueue) => {
    await precreate(c, chosen);
    const catalog = c.sim.tidbFront!.catalog;
    const versionBefore = catalog.schemaVersion;
    const jobsBefore = catalog.ddlJobs().length;
    const result = await client.workflow.execute(restoreWorkflow, {
      taskQueue,
      workflowId: `no-schema-${taskQueue}`,
      args: [{ storage: `local://${dir}`, filters: filtersOf(chosen), noSchema: true, timings: FAST }],
    });
    expect(result.tables).toBe(2);
    expect(result.checksum).toEqual({ enabled: true, passed: 2 });
    expect(await restoredChecksums(c, chosen)).toEqual(chosen.map((t) => ({ table: `${t.db}.${t.name}`, crc64xor: t.crc64xor, totalKvs: t.totalKvs, totalBytes: t.totalBytes })));
    // Not one schema change: same schema version, no new DDL job.
    expect(catalog.schemaVersion).toBe(versionBefore);
    expect(catalog.ddlJobs()).toHaveLength(jobsBefore);
    expect(clusterNormality(c.sim)).toEqual(expectedNormality(c));
  });
});

test('noSchema refuses a table that does not exist, typed, naming it, and hands the cluster back', async () => {
  await withCluster(async (c, taskQueue) => {
    await precreate(c, chosen.slice(0, 1));
    const err = await client.workflow.execute(restoreWorkflow, {
      taskQueue,
      workflowId: `no-schema-missing-${taskQueue}`,
      args: [{ storage: `local://${dir}`, filters: filtersOf(chosen), noSchema: true, timings: FAST }],
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const root = (err as WorkflowFailedError).cause?.cause as { type?: string; message: string };
    expect(root.type).toBe(ErrorType.TableMissing);
    expect(root.message).toContain(`${chosen[1]!.db}.${chosen[1]!.name}`);
    expect(c.sim.tidbFront!.catalog.table(chosen[1]!.db, chosen[1]!.name)).toBeUndefined();
    expect(clusterNormality(c.sim)).toEqual(expectedNormality(c));
  });
});

test('noSchema refuses an existing table whose columns differ from the backup’s', async () => {
  await withCluster(async (c, taskQueue) => {
    const t = chosen[0]!;
    const tidb = new TidbClient(c.target.tidb);
    try {
      const plan = planRestore(manifest, { filters: filtersOf([t]) });
      await tidb.createDatabases(plan.databases.map((d) => d.createSql));
      // Same name, a layout of the operator's own: column IDs cannot match the backup's.
      await tidb.executeStatements(t.db, [`CREATE TABLE \`${t.name}\` (other_id BIGINT PRIMARY KEY, note VARCHAR(20))`]);
    } finally {
      await tidb.close();
    }
    const err = await client.workflow.execute(restoreWorkflow, {
      taskQueue,
      workflowId: `no-schema-layout-${taskQueue}`,
      args: [{ storage: `local://${dir}`, filters: filtersOf([t]), noSchema: true, timings: FAST }],
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const root = (err as WorkflowFailedError).cause?.cause as { type?: string; message: string };
    expect(root.type).toBe(ErrorType.ColumnIdMismatch);
    expect(root.message).toContain(t.name);
    expect(c.sim.inspector.tableChecksums()).toEqual([]);
    expect(clusterNormality(c.sim)).toEqual(expectedNormality(c));
  });
});
