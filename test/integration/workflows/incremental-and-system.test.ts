import { join } from 'node:path';
import { expectedTableStates } from '../../../src/backup/generator/expected-state';
import { makeBackup } from '../../../src/backup/generator/make-backup';
import { LocalStorage } from '../../../src/backup/local-storage';
import { readManifest } from '../../../src/backup/read-manifest';
import { restoreWorkflow } from '../../../src/workflows/restore';
import { FAST_TIMINGS, openRestoreEnv, type RestoreEnv } from '../../support/restore-env';
import { clusterNormality, expectedNormality, recordedChecksums, restoredChecksums } from '../../support/sim-cluster';

/**
 * Issue 4's restore kinds beyond a plain full restore, end to end on the simulator: a full backup followed
 * by its incremental backup (DDL jobs replayed: create, add column, rename, drop), and a backup carrying
 * `mysql.*` system tables. State is read back from the simulated cluster, not from the workflow's word.
 */
const GEN = { seed: 21, tables: 8, rows: 30 };

let env: RestoreEnv;

// No backup here: each test generates its own into env.dir and checks what the generator reports.
beforeAll(async () => {
  env = await openRestoreEnv({ prefix: 'incr' });
});

afterAll(() => env?.close());

test('full then incremental restore: DDL jobs replayed, every table ends as full + incremental, cluster normal', async () => {
  const fullDir = join(env.dir, 'full');
  const incDir = join(env.dir, 'inc');
  await makeBackup(new LocalStorage(fullDir), { ...GEN, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false });
  const inc = await makeBackup(new LocalStorage(incDir), { ...GEN, metaVersion: 2, compression: 'zstd', incremental: true, withSysTables: false });
  expect(inc.ddlJobs).toBeGreaterThan(0);
  const incManifest = await readManifest(new LocalStorage(incDir));
  expect(BigInt(incManifest.startVersion)).toBeGreaterThan(0n);

  await env.withCluster(async (cluster, taskQueue) => {
    for (const [i, d] of [fullDir, incDir].entries()) {
      await env.client.workflow.execute(restoreWorkflow, {
        taskQueue, workflowId: `incr-${i}-${taskQueue}`,
        args: [{ storage: `local://${d}`, batchFiles: 4, concurrency: 4, timings: FAST_TIMINGS }],
      });
    }
    const expected = expectedTableStates({ seed: GEN.seed, tables: GEN.tables, rowsPerTable: GEN.rows, withSysTables: false }, true)
      .filter((t) => t.db !== 'mysql');
    const byName = new Map(incManifest.tables.map((t) => [`${t.db}.${t.name}`, t]));
    const tables = expected.map((e) => {
      const t = byName.get(`${e.db}.${e.table}`);
      if (!t) throw new Error(`incremental backup has no schema for ${e.db}.${e.table}`);
      return t;
    });
    const restored = await restoredChecksums(cluster, tables);
    expect(restored).toEqual(expected.map((e) => ({ table: `${e.db}.${e.table}`, crc64xor: e.crc64xor, totalKvs: e.totalKvs, totalBytes: e.totalBytes })));
    // Tables the incremental backup's DDL dropped are gone from TiDB.
    const front = cluster.sim.tidbFront!.catalog;
    const live = new Set(expected.map((e) => `${e.db}.${e.table}`));
    for (const db of front.databases().map((d) => d.db_name.O).filter((d) => d !== 'mysql')) {
      for (const t of front.tables(db)) expect([`${db}.${t.name.O}`, live.has(`${db}.${t.name.O}`)]).toEqual([`${db}.${t.name.O}`, true]);
    }
    expect(clusterNormality(cluster.sim)).toEqual(expectedNormality(cluster));
  });
});

test('a backup with mysql.* system tables, named by the filter as BR requires: user tables restored, system tables moved into mysql as BR does', async () => {
  const sysDir = join(env.dir, 'sys');
  const made = await makeBackup(new LocalStorage(sysDir), { ...GEN, seed: 22, metaVersion: 1, compression: 'lz4', incremental: false, withSysTables: true });
  // BR's backup stores `mysql` under its temporary name; restore moves the tables into `mysql`.
  const sysTables = made.tables.filter((t) => t.db === '__TiDB_BR_Temporary_mysql').map((t) => t.table).sort();
  expect(sysTables.length).toBeGreaterThan(0);
  const manifest = await readManifest(new LocalStorage(sysDir));

  await env.withCluster(async (cluster, taskQueue) => {
    const result = await env.client.workflow.execute(restoreWorkflow, {
      taskQueue, workflowId: `sys-${taskQueue}`,
      args: [{ storage: `local://${sysDir}`, filters: ['*.*', 'mysql.*'], batchFiles: 4, timings: FAST_TIMINGS }],
    });
    const user = manifest.tables.filter((t) => !t.isSystem);
    expect(result.checksum.passed).toBeGreaterThanOrEqual(user.filter((t) => t.totalKvs !== '0').length);
    const restored = await restoredChecksums(cluster, user);
    expect(restored).toEqual(recordedChecksums(user));
    // BR restores mysql.* tables except privilege, bootstrap and statistics ones (cluster/tidb.ts lists them);
    // a table mysql lacks is moved in by RENAME, and the temporary schema is dropped.
    expect(sysTables).toEqual(['expr_pushdown_blacklist', 'global_priv', 'stats_meta', 'user']);
    const front = cluster.sim.tidbFront!.catalog;
    // mysql.expr_pushdown_blacklist exists in TiDB, so its rows are copied by REPLACE … SELECT; privilege and
    // statistics tables are left alone (BR: unrecoverable / unsupported), so mysql.user is never overwritten.
    expect(front.systemTableReplaces()).toEqual([
      { source: { db: '__TiDB_BR_Temporary_mysql', table: 'expr_pushdown_blacklist' }, target: { db: 'mysql', table: 'expr_pushdown_blacklist' } },
    ]);
    expect(front.database('__TiDB_BR_Temporary_mysql')).toBeUndefined();
    // Before the move, the system tables' data was ingested and checksummed like any table.
    expect(result.checksum.passed).toBe(manifest.tables.length);
    expect(clusterNormality(cluster.sim)).toEqual(expectedNormality(cluster));
  });
});
