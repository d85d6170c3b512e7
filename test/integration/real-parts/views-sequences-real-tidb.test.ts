import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import { TidbClient } from '../../../src/cluster/tidb';
import { TidbSchemaControl } from '../../../src/cluster/tidb-schema-control';
import type { RealTidb } from '../../../src/local-stack/real-tidb';
import { ErrorType } from '../../../src/plan/error-types';
import { assertPlanRestorable, planRestore, type RestorePlan } from '../../../src/plan/restore-plan';
import type { TableInfo } from '../../../src/plan/table-info';
import { parseTableInfoJson } from '../../../src/plan/table-info-json';
import { ManifestBuilder } from '../../unit/plan/manifest-builder';
import { realTidbConfig, startRealTidbForTest } from '../../support/real-parts';

/**
 * Views and sequences round-trip through brflow on the real TiDB v8.5.3: they are made there, their TableInfo
 * taken from the status API into a backup manifest (a sequence's auto_inc_id set as BR's backup sets it: the
 * stored sequence value + 1, which `SHOW TABLE … NEXT_ROW_ID` prints), the databases dropped, and everything
 * recreated by the planner + TidbSchemaControl in the order the restore workflow uses (databases, sequences,
 * tables, views). SHOW CREATE VIEW / SEQUENCE, the stored view fields and information_schema.VIEWS must equal
 * the original's, and each sequence must continue after the values the original handed out.
 *
 * `a_top` reads the view `m_mid`, which is dropped and made again after it, so `a_top` has the lower table ID:
 * creating views in ID order, as BR does, would fail; the plan orders them by what they read.
 */
jest.setTimeout(120_000);

const SOURCE = [
  'CREATE DATABASE shop',
  'CREATE DATABASE report',
  'CREATE TABLE shop.t (a int PRIMARY KEY, b varchar(10))',
  "CREATE SEQUENCE shop.s_up START WITH 5 INCREMENT BY 3 MINVALUE 2 MAXVALUE 1000 CACHE 10 CYCLE COMMENT 'it''s up'",
  'CREATE SEQUENCE shop.s_down START WITH -1 INCREMENT BY -2 MINVALUE -1000 MAXVALUE -1 NOCACHE NOCYCLE',
  'CREATE SEQUENCE shop.s_unused',
  // A column whose DEFAULT draws from a sequence: the sequence must exist before the table is created.
  'CREATE TABLE shop.numbered (id bigint PRIMARY KEY DEFAULT NEXT VALUE FOR shop.s_unused, v int)',
  'CREATE VIEW shop.m_mid (x, y) AS SELECT a, b FROM shop.t',
  'CREATE VIEW shop.a_top AS SELECT x FROM shop.m_mid WHERE x < 100 WITH LOCAL CHECK OPTION',
  'DROP VIEW shop.m_mid',
  "CREATE ALGORITHM = MERGE DEFINER = 'app'@'10.%' SQL SECURITY INVOKER VIEW shop.m_mid (x, y) AS SELECT a, b FROM shop.t WHERE a > 1 WITH CASCADED CHECK OPTION",
  'SET NAMES utf8mb4 COLLATE utf8mb4_general_ci',
  'CREATE ALGORITHM = TEMPTABLE VIEW report.joined AS SELECT t.a, m.y FROM shop.t JOIN shop.m_mid m ON t.a = m.x',
  'SET NAMES utf8mb4',
];
const VIEWS = [['shop', 'a_top'], ['shop', 'm_mid'], ['report', 'joined']] as const;
const SEQUENCES = ['s_up', 's_down', 's_unused'] as const;

let tidb: RealTidb;
let sql: Connection;

async function schemaOf(db: string, table: string): Promise<TableInfo> {
  const res = await fetch(`http://${tidb.statusAddress}/schema/${db}/${table}`);
  if (!res.ok) throw new Error(`GET /schema/${db}/${table}: ${res.status}`);
  return parseTableInfoJson<TableInfo>(await res.text());
}

async function rows(q: string): Promise<RowDataPacket[]> {
  const [r] = await sql.query<RowDataPacket[]>(q);
  return r;
}

/** What BR's backup writes into a sequence's auto_inc_id: SequenceValue + 1, which NEXT_ROW_ID shows. */
async function recordedSequenceValue(db: string, name: string): Promise<string> {
  const r = (await rows(`SHOW TABLE \`${db}\`.\`${name}\` NEXT_ROW_ID`)).find((x) => x.ID_TYPE === 'SEQUENCE');
  // Printed as an unsigned 64-bit number; BR reads the signed value from TiDB's meta.
  return BigInt.asIntN(64, BigInt(String(r!.NEXT_GLOBAL_ROW_ID))).toString();
}

async function nextval(name: string): Promise<bigint> {
  const r = await rows(`SELECT NEXTVAL(shop.\`${name}\`) AS v`);
  return BigInt(String(r[0]!.v));
}

/** Everything a view or sequence is, as TiDB shows and stores it. */
async function snapshot() {
  const views: Record<string, unknown> = {};
  for (const [db, v] of VIEWS) {
    const show = (await rows(`SHOW CREATE VIEW \`${db}\`.\`${v}\``))[0]!;
    const info = await schemaOf(db, v);
    const stored = info.view as Record<string, unknown>;
    const definer = stored['view_definer'] as Record<string, unknown>;
    views[`${db}.${v}`] = {
      create: show['Create View'], client: show['character_set_client'], collation: show['collation_connection'],
      view: { ...stored, view_definer: { user: definer['AuthUsername'] || definer['Username'], host: definer['AuthHostname'] || definer['Hostname'] } },
      cols: info.cols.map((c) => c.name.O),
      infoSchema: (await rows(`SELECT CHECK_OPTION, DEFINER, SECURITY_TYPE, VIEW_DEFINITION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = '${db}' AND TABLE_NAME = '${v}'`))[0],
    };
  }
  const sequences: Record<string, unknown> = {};
  for (const s of SEQUENCES) {
    sequences[s] = { create: (await rows(`SHOW CREATE SEQUENCE shop.\`${s}\``))[0]!['Create Sequence'], sequence: (await schemaOf('shop', s)).sequence };
  }
  return { views, sequences };
}

function planOf(infos: Record<string, TableInfo>): RestorePlan {
  const b = new ManifestBuilder().db('shop', 1).db('report', 2);
  for (const [key, info] of Object.entries(infos)) b.table(key.split('.')[0]!, info);
  return planRestore(b.build());
}

/** The restore's order: databases, then sequences (createDatabases), tables (createTables), views (createViews). */
async function recreate(plan: RestorePlan): Promise<void> {
  const client = new TidbClient(realTidbConfig(tidb));
  try {
    const control = new TidbSchemaControl(client);
    for (const d of plan.databases) await control.createDatabase(d);
    for (const s of plan.sequences ?? []) await control.createSequence(s);
    for (const t of plan.tables) await control.createTable(t);
    for (const v of plan.views ?? []) await control.createView(v);
  } finally {
    await client.close();
  }
}

beforeAll(async () => {
  tidb = await startRealTidbForTest();
  const [host, port] = tidb.address.split(':') as [string, string];
  sql = await createConnection({ host, port: Number(port), user: 'root', supportBigNumbers: true, bigNumberStrings: true });
  for (const s of SOURCE) await sql.query(s);
});
afterAll(async () => {
  await sql?.end();
  await tidb?.stop();
});

test('views (over views, definer, INVOKER, check options, column list, charset) and sequences (options, current value) come back', async () => {
  const last = { s_up: 0n, s_down: 0n };
  for (let i = 0; i < 4; i++) last.s_up = await nextval('s_up');
  for (let i = 0; i < 3; i++) last.s_down = await nextval('s_down');
  expect([last.s_up, last.s_down]).toEqual([14n, -5n]);

  const original = await snapshot();
  // What the backup holds: TableInfo from the status API, sequences with BR's recorded value.
  const infos: Record<string, TableInfo> = { 'shop.t': await schemaOf('shop', 't'), 'shop.numbered': await schemaOf('shop', 'numbered') };
  const numbered = (await rows('SHOW CREATE TABLE shop.numbered'))[0]!['Create Table'];
  for (const [db, v] of VIEWS) infos[`${db}.${v}`] = await schemaOf(db, v);
  for (const s of SEQUENCES) infos[`shop.${s}`] = { ...(await schemaOf('shop', s)), auto_inc_id: await recordedSequenceValue('shop', s) as unknown as number };
  // The default ascending sequence's bound is 9223372036854775806, beyond a double: it must survive exactly.
  expect((infos['shop.s_unused']!.sequence as Record<string, unknown>)['sequence_max_value']).toBe('9223372036854775806');

  const plan = planOf(infos);
  expect(() => assertPlanRestorable(plan)).not.toThrow();
  expect(plan.tables.map((t) => t.name)).toEqual(['numbered', 't']);
  expect(plan.views!.map((v) => `${v.db}.${v.name}`)).toEqual(['shop.m_mid', 'shop.a_top', 'report.joined']);
  expect(infos['shop.a_top']!.id).toBeLessThan(infos['shop.m_mid']!.id);
  expect(plan.summary).toMatchObject({ tables: 2, views: 3, sequences: 3 });

  await sql.query('DROP DATABASE report');
  await sql.query('DROP DATABASE shop');
  await recreate(plan);
  expect(await snapshot()).toEqual(original);
  expect((await rows('SHOW CREATE TABLE shop.numbered'))[0]!['Create Table']).toBe(numbered);
  expect((original.views['shop.m_mid'] as { infoSchema: unknown }).infoSchema).toMatchObject({ CHECK_OPTION: 'CASCADED', DEFINER: 'app@10.%', SECURITY_TYPE: 'INVOKER' });
  expect((original.views['shop.a_top'] as { infoSchema: unknown }).infoSchema).toMatchObject({ CHECK_OPTION: 'LOCAL' });
  expect((original.views['report.joined'] as { collation: unknown }).collation).toBe('utf8mb4_general_ci');

  // Each sequence continues beyond what the original handed out, in its direction; an unused one starts at its start.
  const up = await nextval('s_up');
  const down = await nextval('s_down');
  expect(up).toBeGreaterThan(last.s_up);
  expect((up - 5n) % 3n).toBe(0n);
  expect(down).toBeLessThan(last.s_down);
  // s_unused was never used before the backup: the restored table's DEFAULT draws its start value.
  await sql.query('INSERT INTO shop.numbered (v) VALUES (7)');
  expect(await rows('SELECT id, v FROM shop.numbered')).toEqual([{ id: '1', v: 7 }]);
  expect(await nextval('s_unused')).toBe(2n);
  // The views read the restored table.
  await sql.query("INSERT INTO shop.t VALUES (2, 'two'), (200, 'big')");
  expect(await rows('SELECT * FROM shop.a_top')).toEqual([{ x: 2 }]);
  expect(await rows('SELECT * FROM report.joined ORDER BY a')).toEqual([{ a: 2, y: 'two' }, { a: 200, y: 'big' }]);

  // Run again (a retried activity): everything exists; nothing changes and no sequence goes back.
  await recreate(plan);
  const again = await snapshot();
  expect(again).toEqual(original);
  expect(await nextval('s_up')).toBeGreaterThan(up);
  expect(await nextval('s_down')).toBeLessThan(down);
});

test('a view whose table the target lacks is refused naming the view and the fix; a table in a view\'s place is refused', async () => {
  await sql.query('CREATE DATABASE IF NOT EXISTS shop');
  await sql.query('CREATE TABLE IF NOT EXISTS shop.t (a int PRIMARY KEY, b varchar(10))');
  await sql.query('CREATE OR REPLACE VIEW shop.lonely AS SELECT a FROM shop.t');
  const info = await schemaOf('shop', 'lonely');
  const plan = planRestore(new ManifestBuilder().db('shop', 1).table('shop', info).build());
  await sql.query('DROP VIEW shop.lonely');
  await sql.query('DROP TABLE shop.t');
  await expect(recreate(plan)).rejects.toMatchObject({ type: ErrorType.TableMissing, message: expect.stringMatching(/view shop\.lonely reads a table or view the target does not have.*widen the filters/) });
  await sql.query('CREATE TABLE shop.lonely (a int)');
  await expect(recreate(plan)).rejects.toMatchObject({ type: ErrorType.TableExists, message: expect.stringMatching(/view shop\.lonely cannot be restored: a table of that name exists/) });
});
