import { TidbClient } from '../../../src/cluster/tidb';
import { TidbSchemaControl } from '../../../src/cluster/tidb-schema-control';
import { needAutoId } from '../../../src/plan/auto-ids';
import { planColumnLayout } from '../../../src/plan/column-ids';
import { createDatabaseSql } from '../../../src/plan/create-sql';
import { ErrorType } from '../../../src/plan/error-types';
import type { PlanTable } from '../../../src/plan/restore-plan';
import type { TableInfo } from '../../../src/plan/table-info';
import { Catalog } from '../../../src/simulator/tidb/catalog';
import { startTidbFront, type TidbFront } from '../../../src/simulator/tidb/tidb-front';

/** A PlanTable for a backup TableInfo, with the DDL plan/column-ids renders for it. */
function planTable(db: string, info: TableInfo, layout: { autoIdsInCreate?: boolean } = {}): PlanTable {
  return {
    index: 0, db, name: info.name.O, oldId: info.id, physicalIds: [info.id], info, layout: planColumnLayout(info, layout),
    checksum: { crc64xor: '0', totalKvs: '0', totalBytes: '0' }, rangeStart: 0, rangeEnd: 0, batchStart: 0, batchEnd: 0, files: 0, bytes: '0', kvs: '0',
  };
}

describe('TidbSchemaControl over the simulated TiDB', () => {
  let front: TidbFront;
  let client: TidbClient;
  let schema: TidbSchemaControl;
  const up = new Catalog({ firstUserId: 500 });

  beforeAll(async () => {
    up.executeSql('CREATE DATABASE app');
    up.executeSql('CREATE TABLE app.inc (id int NOT NULL AUTO_INCREMENT, junk int, v varchar(4), PRIMARY KEY (id) /*T![clustered_index] CLUSTERED */)');
    up.executeSql('ALTER TABLE app.inc DROP COLUMN junk');
    up.executeSql('ALTER TABLE app.inc AUTO_INCREMENT = 7001');
    up.executeSql('CREATE TABLE app.rnd (id bigint NOT NULL /*T![auto_rand] AUTO_RANDOM(5) */, PRIMARY KEY (id) /*T![clustered_index] CLUSTERED */) /*T![auto_rand_base] AUTO_RANDOM_BASE=42000 */');
    up.executeSql('CREATE TABLE app.rowid (a varchar(3)) AUTO_INCREMENT = 900');
    front = await startTidbFront();
    const [host, port] = front.address.split(':') as [string, string];
    client = new TidbClient({ host, port: Number(port), statusAddress: front.statusAddress, user: 'root', password: '', timeoutMs: 5_000 });
    schema = new TidbSchemaControl(client);
  });

  afterAll(async () => {
    await client.close();
    await front.stop();
  });

  it('creates database and tables with the backup column IDs and BR’s auto ID bases, twice without harm', async () => {
    const db = up.database('app')!;
    const planDb = { name: 'app', realName: 'app', id: db.id, createSql: createDatabaseSql(db, { ifNotExists: true }) };
    for (let round = 0; round < 2; round++) {
      await schema.createDatabase(planDb);
      for (const name of ['inc', 'rnd', 'rowid']) {
        const backup = up.table('app', name)!;
        const created = await schema.createTable(planTable('app', backup));
        expect(created.cols.map((c) => [c.name.O, c.id])).toEqual(backup.cols.map((c) => [c.name.O, c.id]));
        expect(created).toEqual(front.catalog.table('app', name));
      }
    }
    expect(front.catalog.table('app', 'inc')?.auto_inc_id).toBe(7001);
    expect(front.catalog.table('app', 'rnd')?.auto_rand_id).toBe(42000);
    expect(front.catalog.table('app', 'rowid')?.auto_inc_id).toBe(900);
    expect(await schema.getTable('app', 'inc')).toEqual(front.catalog.table('app', 'inc'));
  });

  it('plans with autoIdsInCreate: the CREATE sets the auto ID bases, no ALTER job per table; an adopted table is rebased by ALTER', async () => {
    await schema.createDatabase({ name: 'app2', realName: 'app2', id: 0, createSql: 'CREATE DATABASE IF NOT EXISTS `app2`' });
    const names = ['inc', 'rnd', 'rowid'];
    const tables = names.map((n) => planTable('app2', up.table('app', n)!, { autoIdsInCreate: true }));
    const jobsBefore = front.catalog.ddlJobs().length;
    await schema.createTables(tables);
    // Each CREATE carries its table's bases; no ALTER rebases them afterwards.
    const jobs = front.catalog.ddlJobs().slice(jobsBefore).map((j) => j.query.replace(/ \(\n[\s\S]*\n\) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin/, ' (…)'));
    expect(jobs).toEqual([
      'CREATE TABLE `inc` (…) AUTO_INCREMENT=7001', 'CREATE TABLE `rnd` (…) /*T![auto_rand_base] AUTO_RANDOM_BASE=42000 */', 'CREATE TABLE `rowid` (…) AUTO_INCREMENT=900',
      // inc's column-ID gap: its placeholder drop, not a rebase.
      'ALTER TABLE `inc` DROP COLUMN `__brflow_col_2`',
    ]);
    const bases = () => ({ inc: front.catalog.table('app2', 'inc')?.auto_inc_id, rnd: front.catalog.table('app2', 'rnd')?.auto_rand_id, rowid: front.catalog.table('app2', 'rowid')?.auto_inc_id });
    expect(bases()).toEqual({ inc: 7001, rnd: 42000, rowid: 900 });
    // Again: the tables exist (adopted), so their bases are set by ALTER, which moves them up only.
    const jobsAgain = front.catalog.ddlJobs().length;
    await schema.createTables(tables);
    expect(front.catalog.ddlJobs().slice(jobsAgain).map((j) => j.query)).toEqual([
      'ALTER TABLE `app2`.`inc` AUTO_INCREMENT = 7001', 'ALTER TABLE `app2`.`rnd` AUTO_RANDOM_BASE = 42000', 'ALTER TABLE `app2`.`rowid` AUTO_INCREMENT = 900',
    ]);
    expect(bases()).toEqual({ inc: 7001, rnd: 42000, rowid: 900 });
  });

  it('refuses a table the plan could not reproduce, naming it', async () => {
    const t = planTable('app', up.table('app', 'inc')!);
    t.layout = { reproducible: false, reason: 'an expression index' };
    await expect(schema.createTable(t)).rejects.toMatchObject({ type: ErrorType.UnsupportedTable, message: expect.stringContaining('app.inc') });
  });

  it('needAutoId follows BR: row-ID tables and AUTO_INCREMENT tables need one, clustered AUTO_RANDOM ones do not', () => {
    expect(needAutoId(up.table('app', 'inc')!)).toBe(true);
    expect(needAutoId(up.table('app', 'rowid')!)).toBe(true);
    expect(needAutoId(up.table('app', 'rnd')!)).toBe(false);
  });
});
