import { TidbClient } from '../../../src/cluster/tidb';
import { needAutoId, TidbSchemaControl } from '../../../src/cluster/tidb-schema-control';
import { planColumnLayout } from '../../../src/plan/column-ids';
import { createDatabaseSql } from '../../../src/plan/create-sql';
import { ErrorType } from '../../../src/plan/error-types';
import type { PlanTable } from '../../../src/plan/restore-plan';
import type { TableInfo } from '../../../src/plan/table-info';
import { Catalog } from '../../../src/simulator/tidb/catalog';
import { startTidbFront, type TidbFront } from '../../../src/simulator/tidb/tidb-front';

/** A PlanTable for a backup TableInfo, with the DDL plan/column-ids renders for it. */
function planTable(db: string, info: TableInfo): PlanTable {
  return {
    index: 0, db, name: info.name.O, oldId: info.id, physicalIds: [info.id], info, layout: planColumnLayout(info),
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
