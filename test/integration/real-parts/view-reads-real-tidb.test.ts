import { createConnection, type Connection } from 'mysql2/promise';
import { TidbClient } from '../../../src/cluster/tidb';
import { TidbSchemaControl } from '../../../src/cluster/tidb-schema-control';
import type { RealTidb } from '../../../src/local-stack/real-tidb';
import { viewOf, viewReferences } from '../../../src/plan/view-sql';
import { realTableInfo, realTidbConfig, startRealTidbForTest } from '../../support/real-parts';

/**
 * What a view reads, as brflow finds it in the SELECT a real TiDB v8.5.3 stores (`view.view_select`, status API):
 * the views are written by a user (aliases, a comma join, EXTRACT(… FROM col), a subquery, a view over a view),
 * TiDB stores them in its restored form, and viewReferences must find exactly the tables and views they read,
 * the input of both the creation order and the pre-check that refuses a view whose reads are missing. The
 * pre-check's reads of the target answer as the restore needs: a view counts as present (TiDB resolves a view over
 * a view), a missing table or database as absent; placement policies are listed by name.
 */
jest.setTimeout(120_000);

let tidb: RealTidb;
let sql: Connection;

beforeAll(async () => {
  tidb = await startRealTidbForTest();
  const [host, port] = tidb.address.split(':') as [string, string];
  sql = await createConnection({ host, port: Number(port), user: 'root', multipleStatements: false });
  for (const q of [
    'CREATE DATABASE vr',
    'CREATE DATABASE vr2',
    'CREATE TABLE vr.orders (id int PRIMARY KEY, d datetime, amount int)',
    'CREATE TABLE vr.items (id int PRIMARY KEY, order_id int)',
    'CREATE TABLE vr2.rates (k int PRIMARY KEY, r int)',
    'USE vr',
    'CREATE VIEW v_alias AS SELECT o.id, EXTRACT(YEAR FROM o.d) AS y, TRIM(BOTH \'x\' FROM \'xaX\') AS s FROM orders AS o',
    'CREATE VIEW v_comma AS SELECT o.id, i.id AS item FROM orders o, items i WHERE o.id = i.order_id',
    'CREATE VIEW v_sub AS SELECT id FROM orders WHERE amount IN (SELECT r FROM vr2.rates) AND \'FROM vr.nope\' <> \'\'',
    'CREATE VIEW v_over AS SELECT v.id FROM v_alias v LEFT JOIN vr2.rates ON v.id = rates.k',
    "CREATE PLACEMENT POLICY vr_p FOLLOWERS=2",
  ]) await sql.query(q);
});

afterAll(async () => {
  await sql?.end();
  await tidb?.stop();
});

test.each([
  ['v_alias', [['vr', 'orders']]],
  ['v_comma', [['vr', 'orders'], ['vr', 'items']]],
  ['v_sub', [['vr', 'orders'], ['vr2', 'rates']]],
  ['v_over', [['vr', 'v_alias'], ['vr2', 'rates']]],
])('%s: the tables and views its stored SELECT reads', async (name, want) => {
  const info = await realTableInfo(tidb, 'vr', name);
  const select = viewOf(info)!.view_select;
  expect({ select, reads: viewReferences(select) }).toEqual({ select, reads: want.map(([db, n]) => ({ db, name: n })) });
});

test('the pre-check reads of the target: tables and views by name, missing ones absent, placement policies by name', async () => {
  const client = new TidbClient(realTidbConfig(tidb));
  try {
    const control = new TidbSchemaControl(client);
    expect((await control.getTable('vr', 'orders'))?.name.O).toBe('orders');
    expect((await control.getTable('VR', 'V_ALIAS'))?.view).toBeTruthy();
    expect(await control.getTable('vr', 'nope')).toBeUndefined();
    expect(await control.getTable('no_such_db', 'orders')).toBeUndefined();
    expect(await control.placementPolicyNames()).toContain('vr_p');
  } finally {
    await client.close();
  }
});
