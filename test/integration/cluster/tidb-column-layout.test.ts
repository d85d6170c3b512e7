import { TidbClient } from '../../../src/cluster/tidb';
import { planColumnLayout } from '../../../src/plan/column-ids';
import { createDatabaseSql } from '../../../src/plan/create-sql';
import type { TableInfo } from '../../../src/plan/table-info';
import { Catalog } from '../../../src/simulator/tidb/catalog';
import { startTidbFront, type TidbFront } from '../../../src/simulator/tidb/tidb-front';

/**
 * The seam between plan/column-ids (statements that pin the backup's column IDs) and the TiDB client and
 * front: tables with a DDL history upstream come out downstream with exactly the backup's column IDs.
 */
describe('plan/column-ids statements through TidbClient.createTable', () => {
  let front: TidbFront;
  let client: TidbClient;

  beforeAll(async () => {
    front = await startTidbFront();
    const [host, port] = front.address.split(':') as [string, string];
    client = new TidbClient({ host, port: Number(port), statusAddress: front.statusAddress, user: 'root', password: '', timeoutMs: 5_000 });
  });

  afterAll(async () => {
    await client.close();
    await front.stop();
  });

  const histories: [string, string[]][] = [
    ['gaps from dropped columns', ['CREATE TABLE h.t1 (id bigint NOT NULL PRIMARY KEY, a int, b varchar(10), c int)', 'ALTER TABLE h.t1 DROP COLUMN a', 'ALTER TABLE h.t1 DROP COLUMN c']],
    ['a column added later, placed first', ['CREATE TABLE h.t2 (id int NOT NULL, v varchar(5), PRIMARY KEY (id) /*T![clustered_index] NONCLUSTERED */)', 'ALTER TABLE h.t2 ADD COLUMN z int FIRST']],
    ['a column added with a default after rows existed', ['CREATE TABLE h.t3 (id int PRIMARY KEY, a int)', "ALTER TABLE h.t3 ADD COLUMN s varchar(8) NOT NULL DEFAULT 'x' AFTER id", 'ALTER TABLE h.t3 DROP COLUMN a']],
  ];

  it.each(histories)('%s', async (_name, history) => {
    const up = new Catalog();
    up.executeSql('CREATE DATABASE IF NOT EXISTS h');
    for (const sql of history) up.executeSql(sql);
    const table = /h\.(t\d)/.exec(history[0] as string)?.[1] as string;
    const backup = up.table('h', table) as TableInfo;
    const layout = planColumnLayout(backup);
    if (!layout.reproducible) throw new Error(`not reproducible: ${layout.reason}`);
    await client.createDatabases([createDatabaseSql(up.database('h')!, { ifNotExists: true })]);
    const placeholders = layout.statements.flatMap((s) => [...s.matchAll(/`(__brflow_col_\d+)`/g)].map((m) => m[1] as string));
    const created = await client.createTable({ db: 'h', table, statements: layout.statements, backup, placeholderColumns: [...new Set(placeholders)] });
    expect(created.outcome).toBe('created');
    const down = front.catalog.table('h', table) as TableInfo;
    expect(down.cols.map((c) => [c.name.O, c.id])).toEqual(backup.cols.map((c) => [c.name.O, c.id]));
    expect(layout.expectedColumnIds).toEqual(expect.arrayContaining(down.cols.map((c) => ({ name: c.name.O, id: c.id }))));
  });
});
