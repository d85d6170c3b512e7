import { join } from 'node:path';
import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import { expectedTableStates } from '../../../src/backup/generator/expected-state';
import { makeBackup } from '../../../src/backup/generator/make-backup';
import { LocalStorage } from '../../../src/backup/local-storage';
import type { Manifest } from '../../../src/backup/manifest';
import { readManifest } from '../../../src/backup/read-manifest';
import { TidbClient } from '../../../src/cluster/tidb';
import { needAutoId } from '../../../src/plan/auto-ids';
import type { RealTidb } from '../../../src/local-stack/real-tidb';
import { startSimulator } from '../../../src/simulator/server';
import { restoreWorkflow } from '../../../src/workflows/restore';
import { connectClusterDeps, type ClusterDeps } from '../../../src/worker/cluster-deps';
import { realTidbConfig, restoredShape as shape, startRealTidbForTest } from '../../support/real-parts';
import { FAST_TIMINGS, openRestoreEnv, type RestoreEnv } from '../../support/restore-env';
import { recordedChecksums, restoredChecksums, schedulingView, type SimCluster } from '../../support/sim-cluster';

/**
 * A make-backup backup (every column, partition and key kind the generator writes: int, clustered and
 * _tidb_rowid handles, range and hash partitions, unicode names) restored by the workflow, through the
 * worker's production deps, into the real TiDB v8.5.3 (catalog, DDL, ID allocators) with the simulator's
 * PD and TiKV stores holding the data; then its incremental backup, whose DDL jobs replay on the real TiDB.
 * What is checked is read from the real TiDB (status API, SHOW TABLE … NEXT_ROW_ID) and the stores.
 */
const GEN = { seed: 23, tables: 10, rows: 40, metaVersion: 2, compression: 'zstd', withSysTables: false } as const;

let env: RestoreEnv;
let tidb: RealTidb;
let full: Manifest;
let inc: Manifest;
let sql: Connection;

beforeAll(async () => {
  env = await openRestoreEnv({ prefix: 'real-tidb' });
  tidb = await startRealTidbForTest();
  await Promise.all([
    makeBackup(new LocalStorage(join(env.dir, 'full')), { ...GEN, incremental: false }),
    makeBackup(new LocalStorage(join(env.dir, 'inc')), { ...GEN, incremental: true }),
  ]);
  [full, inc] = await Promise.all([readManifest(new LocalStorage(join(env.dir, 'full'))), readManifest(new LocalStorage(join(env.dir, 'inc')))]);
  const [host, port] = tidb.address.split(':') as [string, string];
  sql = await createConnection({ host, port: Number(port), user: 'root', password: '', supportBigNumbers: true, bigNumberStrings: true });
}, 180_000);

afterAll(async () => {
  await sql?.end();
  await tidb?.stop();
  await env?.close();
});

async function query(s: string): Promise<RowDataPacket[]> {
  return (await sql.query<RowDataPacket[]>(s))[0];
}

const q = (name: string) => `\`${name.replace(/`/g, '``')}\``;

test('full then incremental restore into the real TiDB: backup column/index IDs, partitions, auto ID bases; keyless inserts land above them; DDL replayed', async () => {
  const sim = await startSimulator({ stores: 3, scatterPolls: 1, tidb: false });
  const target = { pdEndpoints: sim.pdAddresses, tidb: realTidbConfig(tidb) };
  const cluster: SimCluster = { sim, target, baseline: schedulingView(sim) };
  let cd: ClusterDeps | undefined;
  const reader = new TidbClient(target.tidb);
  try {
    cd = await connectClusterDeps(target);
    await env.withWorkers({ deps: cd.deps }, async (taskQueue) => {
      const result = await env.client.workflow.execute(restoreWorkflow, {
        taskQueue, workflowId: `real-tidb-full-${taskQueue}`,
        args: [{ storage: `local://${join(env.dir, 'full')}`, batchFiles: 4, concurrency: 4, tableGroupSize: 3, timings: FAST_TIMINGS }],
      });
      const user = full.tables.filter((t) => !t.isSystem);
      expect(result.tables).toBe(user.length);
      expect(result.checksum).toEqual({ enabled: true, passed: user.length });
      expect(await restoredChecksums(cluster, user)).toEqual(recordedChecksums(user));

      const kinds = new Set<string>();
      for (const t of user) {
        const info = (await reader.tableInfo(t.db, t.name))!;
        expect([t.db, t.name, shape(info)]).toEqual([t.db, t.name, shape(t.info)]);
        kinds.add(shape(info).handle);
        if (info.partition) kinds.add(`partition:${info.partition.type}`);
        const next = Object.fromEntries((await query(`SHOW TABLE ${q(t.db)}.${q(t.name)} NEXT_ROW_ID`)).map((r) => [String(r.ID_TYPE), Number(r.NEXT_GLOBAL_ROW_ID)]));
        if (needAutoId(t.info) && t.info.auto_inc_id > 1) expect([t.name, next._TIDB_ROWID]).toEqual([t.name, t.info.auto_inc_id]);
      }
      // Those bases came with each table's CREATE (plan/auto-ids.ts): TiDB ran no rebase job for any of them.
      expect(await query("SELECT JOB_TYPE, DB_NAME, TABLE_NAME FROM information_schema.DDL_JOBS WHERE JOB_TYPE LIKE 'rebase%'")).toEqual([]);
      expect(user.filter((t) => needAutoId(t.info) && t.info.auto_inc_id > 1).length).toBeGreaterThan(0);
      // The generator's key kinds and partition kinds (1 range, 2 hash) all went through the real TiDB.
      expect([...kinds].sort()).toEqual(['clustered', 'int', 'partition:1', 'partition:2', 'rowid'].sort());

      // A keyless insert into the _tidb_rowid table gets a handle above the backup's rows (auto_inc_id covers them).
      const log = user.find((t) => t.name === 'event_log')!;
      expect(log.info.auto_inc_id).toBeGreaterThan(1);
      await query("INSERT INTO shop.event_log (id, kind, payload) VALUES (424242, 'new', 'after restore')");
      const [row] = await query('SELECT _tidb_rowid AS r FROM shop.event_log WHERE id = 424242');
      expect(Number(row!.r)).toBeGreaterThanOrEqual(log.info.auto_inc_id);
      await query('DELETE FROM shop.event_log WHERE id = 424242');

      const incResult = await env.client.workflow.execute(restoreWorkflow, {
        taskQueue, workflowId: `real-tidb-inc-${taskQueue}`,
        args: [{ storage: `local://${join(env.dir, 'inc')}`, batchFiles: 4, concurrency: 4, timings: FAST_TIMINGS }],
      });
      expect(incResult.checksum.enabled).toBe(true);
      const expected = expectedTableStates({ seed: GEN.seed, tables: GEN.tables, rowsPerTable: GEN.rows, withSysTables: false }, true).filter((e) => e.db !== 'mysql');
      const byName = new Map(inc.tables.map((t) => [`${t.db}.${t.name}`, t]));
      const tables = expected.map((e) => byName.get(`${e.db}.${e.table}`)!);
      expect(await restoredChecksums(cluster, tables)).toEqual(expected.map((e) => ({ table: `${e.db}.${e.table}`, crc64xor: e.crc64xor, totalKvs: e.totalKvs, totalBytes: e.totalBytes })));
      for (const t of tables) expect([t.db, t.name, shape((await reader.tableInfo(t.db, t.name))!)]).toEqual([t.db, t.name, shape(t.info)]);
      expect(await reader.tableInfo('shop', 'documents')).toBeUndefined();
      expect(await reader.tableInfo('shop', 'empty_table')).toBeUndefined();
    });
  } finally {
    await reader.close();
    await cd?.close();
    await sim.stop();
  }
});
