import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import { TidbClient } from '../../../src/cluster/tidb';
import type { RealTidb } from '../../../src/local-stack/real-tidb';
import { ErrorType } from '../../../src/plan/error-types';
import { assertPlanRestorable, planRestore, type RestorePlan } from '../../../src/plan/restore-plan';
import type { TableInfo } from '../../../src/plan/table-info';
import { ManifestBuilder } from '../../unit/plan/manifest-builder';
import { realTableInfo, realTidbConfig, recreateOnRealTidb, startRealTidbForTest } from '../../support/real-parts';

/**
 * Foreign keys, CHECK constraints (enforced or not) and TTL (with its job switched off) round-trip through
 * brflow on the real TiDB v8.5.3: tables are made there, their TableInfo taken from the status API into a
 * backup manifest, the database dropped, and the tables recreated by the planner + TidbSchemaControl (the
 * production path). SHOW CREATE TABLE and the status API's column, index, key and constraint IDs must equal
 * the original's. Tables are created in name order, so `a_orders` names `z_customers` before it exists and
 * `b_left`/`c_right` reference each other: only foreign_key_checks = 0 lets that through.
 */
jest.setTimeout(120_000);

const SOURCE = [
  'CREATE TABLE z_customers (id int PRIMARY KEY, code varchar(10), UNIQUE KEY uk_code (code))',
  `CREATE TABLE a_orders (id bigint PRIMARY KEY, customer_id int, code varchar(10), qty int NOT NULL, created_at datetime,
     KEY idx_created (created_at),
     CONSTRAINT fk_customer FOREIGN KEY (customer_id) REFERENCES z_customers (id) ON DELETE CASCADE,
     CONSTRAINT fk_code FOREIGN KEY (code) REFERENCES z_customers (code) ON UPDATE SET NULL,
     CONSTRAINT qty_positive CHECK (qty > 0),
     CONSTRAINT qty_small CHECK (qty < 1000) NOT ENFORCED)
   TTL = created_at + INTERVAL 3 MONTH TTL_ENABLE = 'OFF' TTL_JOB_INTERVAL = '2h'`,
  'CREATE TABLE b_left (id int PRIMARY KEY, right_id int)',
  'CREATE TABLE c_right (id int PRIMARY KEY, left_id int, CONSTRAINT fk_left FOREIGN KEY (left_id) REFERENCES b_left (id))',
  'ALTER TABLE b_left ADD CONSTRAINT fk_right FOREIGN KEY (right_id) REFERENCES c_right (id)',
];
const TABLES = ['a_orders', 'b_left', 'c_right', 'z_customers'];

let tidb: RealTidb;
let sql: Connection;

async function schemaOf(db: string, table: string): Promise<TableInfo> {
  return realTableInfo(tidb, db, table);
}

async function showCreate(db: string, table: string): Promise<string> {
  const [rows] = await sql.query<RowDataPacket[]>(`SHOW CREATE TABLE \`${db}\`.\`${table}\``);
  return String(rows[0]!['Create Table']);
}

/** What must come back: IDs of columns, indexes, foreign keys and constraints, the constraints and the TTL. */
function ids(t: TableInfo): unknown {
  return {
    cols: t.cols.map((c) => [c.name.O, c.id]),
    indexes: (t.index_info ?? []).map((i) => [i.idx_name.O, i.id]),
    fks: ((t['fk_info'] as { id: number; fk_name: { O: string }; ref_schema: unknown; ref_table: unknown; cols: unknown; ref_cols: unknown; on_delete: number; on_update: number }[] | null) ?? []).map(({ fk_name, ...rest }) => ({ name: fk_name.O, ...rest })),
    checks: ((t['constraint_info'] as { id: number; constraint_name: { O: string }; expr_string: string; enforced: boolean }[] | null) ?? []).map((c) => [c.constraint_name.O, c.id, c.expr_string, c.enforced]),
    ttl: t['ttl_info'] ?? null,
  };
}

/** Snapshot of `db`: TableInfo and SHOW CREATE TABLE per table. */
async function snapshot(db: string) {
  const out: Record<string, { info: TableInfo; create: string }> = {};
  for (const t of TABLES) out[t] = { info: await schemaOf(db, t), create: await showCreate(db, t) };
  return out;
}

function planOf(infos: Record<string, { info: TableInfo }>, skip?: ('foreignKeys' | 'checkConstraints' | 'ttl')[]): RestorePlan {
  const b = new ManifestBuilder().db('shop', 1);
  for (const t of TABLES) b.table('shop', infos[t]!.info);
  return planRestore(b.build(), skip ? { skip } : {});
}

async function recreate(plan: RestorePlan): Promise<void> {
  await recreateOnRealTidb(tidb, plan);
}

beforeAll(async () => {
  tidb = await startRealTidbForTest();
  const [host, port] = tidb.address.split(':') as [string, string];
  sql = await createConnection({ host, port: Number(port), user: 'root' });
  await sql.query('SET GLOBAL tidb_enable_check_constraint = ON');
  await sql.query('CREATE DATABASE shop');
  await sql.query('USE shop');
  for (const s of SOURCE) await sql.query(s);
});
afterAll(async () => {
  await sql?.end();
  await tidb?.stop();
});

test('foreign keys (forward and cyclic), CHECK constraints and TTL come back with the same SHOW CREATE TABLE and IDs', async () => {
  const original = await snapshot('shop');
  expect(original.a_orders!.create).toContain('CONSTRAINT `qty_small` CHECK ((`qty` < 1000)) /*!80016 NOT ENFORCED */');
  expect(original.a_orders!.create).toContain("TTL_ENABLE='OFF'");
  const plan = planOf(original);
  expect(() => assertPlanRestorable(plan)).not.toThrow();
  expect(plan.summary.skipped).toBeUndefined();
  await sql.query('DROP DATABASE shop');

  await recreate(plan);
  const restored = await snapshot('shop');
  for (const t of TABLES) {
    expect({ t, create: restored[t]!.create }).toEqual({ t, create: original[t]!.create });
    expect({ t, ids: ids(restored[t]!.info) }).toEqual({ t, ids: ids(original[t]!.info) });
  }
  // The keys are enforced again once the session's checks are back: a dangling child row is refused.
  await expect(sql.query('INSERT INTO shop.a_orders (id, customer_id, qty) VALUES (1, 42, 1)')).rejects.toMatchObject({ errno: 1452 });
  await expect(sql.query('INSERT INTO shop.z_customers VALUES (42, NULL)')).resolves.toBeDefined();
  await expect(sql.query('INSERT INTO shop.a_orders (id, customer_id, qty) VALUES (1, 42, 0)')).rejects.toMatchObject({ errno: 3819 });

  // Run again (a retried activity): everything exists, nothing changes.
  await recreate(plan);
  const again = await snapshot('shop');
  for (const t of TABLES) expect({ t, ids: ids(again[t]!.info), create: again[t]!.create }).toEqual({ t, ids: ids(original[t]!.info), create: original[t]!.create });
  await sql.query('DROP DATABASE shop');
  await sql.query('CREATE DATABASE shop');
  await sql.query('USE shop');
  for (const s of SOURCE) await sql.query(s);
});

test('skipped kinds are left out; a target ignoring CHECK constraints is refused naming the fix', async () => {
  const original = await snapshot('shop');
  await sql.query('DROP DATABASE shop');
  const skipping = planOf(original, ['foreignKeys', 'ttl']);
  expect(skipping.summary.skipped).toEqual({ foreignKeys: 4, ttl: 1 });
  await recreate(skipping);
  const restored = await snapshot('shop');
  expect(restored.a_orders!.create).not.toContain('FOREIGN KEY');
  expect(restored.a_orders!.create).not.toContain('TTL');
  expect(restored.a_orders!.create).toContain('CONSTRAINT `qty_positive` CHECK ((`qty` > 0))');
  await sql.query('DROP DATABASE shop');

  const enabled = async () => {
    const client = new TidbClient(realTidbConfig(tidb));
    try {
      return await client.checkConstraintsEnabled();
    } finally {
      await client.close();
    }
  };
  expect(await enabled()).toBe(true);
  await sql.query('SET GLOBAL tidb_enable_check_constraint = OFF');
  try {
    // What the pre-check reads before a restore changes anything.
    expect(await enabled()).toBe(false);
    await expect(recreate(planOf(original))).rejects.toMatchObject({ type: ErrorType.UnsupportedObject, message: expect.stringMatching(/shop\.a_orders .*CHECK constraint qty_positive.*SET GLOBAL tidb_enable_check_constraint = ON/) });
  } finally {
    await sql.query('SET GLOBAL tidb_enable_check_constraint = ON');
  }
});

test('table options and invisible indexes come back: SHARD_ROW_ID_BITS, PRE_SPLIT_REGIONS, AUTO_ID_CACHE, comments, INVISIBLE', async () => {
  await sql.query('CREATE DATABASE opts');
  await sql.query('USE opts');
  const tables = {
    sharded: "CREATE TABLE sharded (a int, b varchar(10) COMMENT 'the b', KEY ib (b) INVISIBLE COMMENT 'hidden from the optimizer') SHARD_ROW_ID_BITS = 4 PRE_SPLIT_REGIONS = 2 COMMENT = 'rows spread'",
    cached: 'CREATE TABLE cached (id int PRIMARY KEY AUTO_INCREMENT, v int) AUTO_ID_CACHE = 1',
  };
  for (const s of Object.values(tables)) await sql.query(s);
  const original: Record<string, { info: TableInfo; create: string }> = {};
  for (const t of Object.keys(tables)) original[t] = { info: await schemaOf('opts', t), create: await showCreate('opts', t) };
  expect(original.sharded!.create).toContain('/*!80000 INVISIBLE */');
  expect(original.sharded!.create).toContain('SHARD_ROW_ID_BITS=4 PRE_SPLIT_REGIONS=2');
  expect(original.cached!.create).toContain('AUTO_ID_CACHE=1');
  const b = new ManifestBuilder().db('opts', 1);
  for (const t of Object.keys(tables)) b.table('opts', original[t]!.info);
  const plan = planRestore(b.build());
  await sql.query('DROP DATABASE opts');
  await recreate(plan);
  for (const t of Object.keys(tables)) {
    const info = await schemaOf('opts', t);
    expect({ t, create: await showCreate('opts', t) }).toEqual({ t, create: original[t]!.create });
    expect({ t, ids: ids(info) }).toEqual({ t, ids: ids(original[t]!.info) });
    const opts = (x: TableInfo) => [x['ShardRowIDBits'], x.pre_split_regions, x.auto_id_cache, x.comment, (x.index_info ?? []).map((i) => [i.idx_name.O, i.is_invisible ?? i.invisible, i.comment])];
    expect(opts(info)).toEqual(opts(original[t]!.info));
  }
});
