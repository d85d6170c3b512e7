import { WorkflowFailedError } from '@temporalio/client';
import type { ManifestTable } from '../../../src/backup/manifest';
import { TidbClient } from '../../../src/cluster/tidb';
import { ErrorType } from '../../../src/plan/error-types';
import { planRestore } from '../../../src/plan/restore-plan';
import { restoreWorkflow } from '../../../src/workflows/restore';
import { FAST_TIMINGS, openRestoreEnv, type RestoreEnvWithBackup } from '../../support/restore-env';
import { clusterNormality, expectedNormality, recordedChecksums, restoredChecksums, type SimCluster } from '../../support/sim-cluster';

/**
 * noSchema (BR --no-schema): data goes into tables the operator created beforehand; brflow creates and alters
 * no schema object, and refuses tables that are missing or laid out differently from the backup.
 */
let env: RestoreEnvWithBackup;
let chosen: ManifestTable[];

beforeAll(async () => {
  env = await openRestoreEnv({
    prefix: 'no-schema',
    backup: { seed: 41, tables: 8, rows: 20, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false },
  });
  chosen = env.manifest.tables.filter((t) => t.db !== 'mysql' && BigInt(t.totalKvs) > 0n).slice(0, 2);
});

afterAll(() => env?.close());

/** The operator's part: the databases and the chosen tables created with the backup's layout, beforehand. */
async function precreate(c: SimCluster, tables: readonly ManifestTable[]): Promise<void> {
  const plan = planRestore(env.manifest, { filters: tables.map((t) => `${t.db}.${t.name}`) });
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
  await env.withCluster(async (c, taskQueue) => {
    await precreate(c, chosen);
    const catalog = c.sim.tidbFront!.catalog;
    const versionBefore = catalog.schemaVersion;
    const jobsBefore = catalog.ddlJobs().length;
    const result = await env.client.workflow.execute(restoreWorkflow, {
      taskQueue,
      workflowId: `no-schema-${taskQueue}`,
      args: [{ storage: `local://${env.dir}`, filters: filtersOf(chosen), noSchema: true, timings: FAST_TIMINGS }],
    });
    expect(result.tables).toBe(2);
    expect(result.checksum).toEqual({ enabled: true, passed: 2 });
    expect(await restoredChecksums(c, chosen)).toEqual(recordedChecksums(chosen));
    // Not one schema change: same schema version, no new DDL job.
    expect(catalog.schemaVersion).toBe(versionBefore);
    expect(catalog.ddlJobs()).toHaveLength(jobsBefore);
    expect(clusterNormality(c.sim)).toEqual(expectedNormality(c));
  });
});

test('noSchema refuses a table that does not exist, typed, naming it, and hands the cluster back', async () => {
  await env.withCluster(async (c, taskQueue) => {
    await precreate(c, chosen.slice(0, 1));
    const err = await env.client.workflow.execute(restoreWorkflow, {
      taskQueue,
      workflowId: `no-schema-missing-${taskQueue}`,
      args: [{ storage: `local://${env.dir}`, filters: filtersOf(chosen), noSchema: true, timings: FAST_TIMINGS }],
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
  await env.withCluster(async (c, taskQueue) => {
    const t = chosen[0]!;
    const tidb = new TidbClient(c.target.tidb);
    try {
      const plan = planRestore(env.manifest, { filters: filtersOf([t]) });
      await tidb.createDatabases(plan.databases.map((d) => d.createSql));
      // Same name, a layout of the operator's own: column IDs cannot match the backup's.
      await tidb.executeStatements(t.db, [`CREATE TABLE \`${t.name}\` (other_id BIGINT PRIMARY KEY, note VARCHAR(20))`]);
    } finally {
      await tidb.close();
    }
    const err = await env.client.workflow.execute(restoreWorkflow, {
      taskQueue,
      workflowId: `no-schema-layout-${taskQueue}`,
      args: [{ storage: `local://${env.dir}`, filters: filtersOf([t]), noSchema: true, timings: FAST_TIMINGS }],
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const root = (err as WorkflowFailedError).cause?.cause as { type?: string; message: string };
    expect(root.type).toBe(ErrorType.ColumnIdMismatch);
    expect(root.message).toContain(t.name);
    expect(c.sim.inspector.tableChecksums()).toEqual([]);
    expect(clusterNormality(c.sim)).toEqual(expectedNormality(c));
  });
});
