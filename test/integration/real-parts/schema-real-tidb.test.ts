import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import { createActivities, type RestoreActivities } from '../../../src/activities';
import { makeBackup } from '../../../src/backup/generator/make-backup';
import { LocalStorage } from '../../../src/backup/local-storage';
import type { DdlJob } from '../../../src/backup/manifest';
import { TidbClient } from '../../../src/cluster/tidb';
import type { RealTidb } from '../../../src/local-stack/real-tidb';
import { planColumnLayout } from '../../../src/plan/column-ids';
import { publicIndexes } from '../../../src/plan/table-info-read';
import type { PlanTable } from '../../../src/plan/restore-plan';
import type { TableInfo } from '../../../src/plan/table-info';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/server';
import { normalizeRestoreRequest } from '../../../src/workflows/normalize-request';
import type { PlanSummary } from '../../../src/workflows/types';
import { connectClusterDeps, type ClusterDeps } from '../../../src/worker/cluster-deps';
import { realTidbConfig, startRealTidbForTest } from '../../support/real-parts';

/**
 * The production schema path (connectClusterDeps' SchemaControl and the schema activities over it) against the
 * real TiDB v8.5.3: auto ID bases, placeholder columns, TIMESTAMP defaults and DDL replay, each also after a
 * crash between any two of its statements. The server's time zone is +08:00 (its sessions default to it),
 * so a session brflow opens must set UTC itself.
 *
 * The "backup" tables are made on the same TiDB in schema `up` from a UTC session, and their TableInfo read
 * from the status API, as BR records it; the auto ID bases BR reads from the allocators are set on it.
 */
let tidb: RealTidb;
let sim: SimulatorHandle;
let cd: ClusterDeps;
let sql: Connection;
let reader: TidbClient;
const backup = new Map<string, TableInfo>();

async function query(s: string): Promise<RowDataPacket[]> {
  return (await sql.query<RowDataPacket[]>(s))[0];
}

/** SHOW TABLE … NEXT_ROW_ID: allocator kind → next ID. */
async function nextRowIds(db: string, table: string): Promise<Record<string, number>> {
  const rows = await query(`SHOW TABLE \`${db}\`.\`${table}\` NEXT_ROW_ID`);
  return Object.fromEntries(rows.map((r) => [String(r.ID_TYPE), Number(r.NEXT_GLOBAL_ROW_ID)]));
}

function planTable(db: string, info: TableInfo): PlanTable {
  return {
    index: 0, db, name: info.name.O, oldId: info.id, physicalIds: [info.id], info, layout: planColumnLayout(info),
    checksum: { crc64xor: '0', totalKvs: '0', totalBytes: '0' }, rangeStart: 0, rangeEnd: 0, batchStart: 0, batchEnd: 0, files: 0, bytes: '0', kvs: '0',
  };
}

function statementsOf(t: PlanTable): string[] {
  if (!t.layout?.reproducible) throw new Error(`${t.name}: ${t.layout ? t.layout.reason : 'no layout'}`);
  return t.layout.statements;
}

/** What a restored table must share with the backup's: columns (name, ID, order, defaults), indexes (name, ID), handle. */
function layoutOf(t: TableInfo) {
  return {
    cols: [...t.cols].sort((a, b) => a.offset - b.offset).map((c) => ({ name: c.name.O, id: c.id, default: c.default ?? null })),
    indexes: publicIndexes(t).map((i) => [i.idx_name.O, i.id]).sort(),
    handle: t.pk_is_handle ? 'int' : t.is_common_handle ? 'clustered' : 'rowid',
  };
}

beforeAll(async () => {
  [tidb, sim] = await Promise.all([startRealTidbForTest(), startSimulator({ stores: 1, tidb: false })]);
  const [host, port] = tidb.address.split(':') as [string, string];
  sql = await createConnection({ host, port: Number(port), user: 'root', password: '', dateStrings: true, supportBigNumbers: true, bigNumberStrings: true });
  // Sessions opened from now on start in +08:00 unless they set their zone: the case of a TiDB whose host is not in UTC.
  await sql.query("SET GLOBAL time_zone = '+08:00'");
  await sql.query("SET time_zone = '+00:00'");
  for (const s of [
    'CREATE DATABASE up',
    'USE up',
    'CREATE TABLE rnd (id bigint NOT NULL AUTO_RANDOM(5), v int, PRIMARY KEY (id) CLUSTERED)',
    'CREATE TABLE inc (id int NOT NULL AUTO_INCREMENT, junk int, v varchar(4), PRIMARY KEY (id) CLUSTERED)',
    'ALTER TABLE inc DROP COLUMN junk',
    'CREATE TABLE rowid (a varchar(3))',
    'CREATE TABLE sep (id int NOT NULL AUTO_INCREMENT, v int NOT NULL, KEY k_id (id)) AUTO_ID_CACHE = 1',
    'CREATE TABLE sepk (id int NOT NULL AUTO_INCREMENT, v int, PRIMARY KEY (id) CLUSTERED) AUTO_ID_CACHE = 1',
    "CREATE TABLE ts (id int NOT NULL, c1 int, gone int, created timestamp NULL DEFAULT '2023-06-01 12:00:00', PRIMARY KEY (id) NONCLUSTERED)",
    'ALTER TABLE ts DROP COLUMN gone',
    "ALTER TABLE ts ADD COLUMN upd timestamp NULL DEFAULT '2023-01-02 03:04:05'",
    'ALTER TABLE ts ADD INDEX idx_upd (upd)',
    "ALTER TABLE ts ALTER COLUMN upd SET DEFAULT '2024-02-03 04:05:06'",
    'ALTER TABLE ts ADD COLUMN dropped_late int',
    'ALTER TABLE ts DROP COLUMN dropped_late',
    'ALTER TABLE ts ADD COLUMN tail int',
  ]) await sql.query(s);
  reader = new TidbClient(realTidbConfig(tidb));
  const bases: Record<string, Partial<TableInfo> & Record<string, unknown>> = {
    rnd: { auto_rand_id: 42000 },
    inc: { auto_inc_id: 1000 },
    rowid: { auto_inc_id: 900 },
    sep: { auto_inc_id: 5000, auto_inc_id_extra: 70000 },
    sepk: { auto_inc_id: 8000 },
    ts: { auto_inc_id: 300 },
  };
  for (const [name, b] of Object.entries(bases)) backup.set(name, { ...(await reader.tableInfo('up', name))!, ...b } as TableInfo);
  cd = await connectClusterDeps({ pdEndpoints: sim.pdAddresses, tidb: realTidbConfig(tidb) });
}, 120_000);

afterAll(async () => {
  await cd?.close();
  await reader?.close();
  await sql?.end();
  await Promise.all([sim?.stop(), tidb?.stop()]);
});

const createDb = (name: string) => cd.deps.schema.createDatabase({ name, realName: name, id: 1, createSql: `CREATE DATABASE IF NOT EXISTS \`${name}\`` });

test('the backup tables need what the defects are about: placeholders, an added TIMESTAMP column, auto ID bases', () => {
  const ts = planTable('x', backup.get('ts')!);
  expect(statementsOf(ts).some((s) => s.includes('__brflow_col_'))).toBe(true);
  // A placeholder among the columns added after CREATE (ID 6), and one inside CREATE (ID 3).
  expect(statementsOf(ts).filter((s) => /ADD COLUMN `__brflow_col_6`/.test(s))).toHaveLength(1);
  expect(statementsOf(ts)[0]).toContain('__brflow_col_3');
  expect(statementsOf(ts).length).toBeGreaterThanOrEqual(5);
  expect(backup.get('ts')!.cols.find((c) => c.name.O === 'created')!.default).toBe('2023-06-01 12:00:00');
  expect(backup.get('ts')!.cols.find((c) => c.name.O === 'upd')).toMatchObject({ default: '2024-02-03 04:05:06', origin_default: '2023-01-02 03:04:05' });
  expect(statementsOf(planTable('x', backup.get('inc')!)).some((s) => s.includes('__brflow_col_2'))).toBe(true);
});

test('created through the worker deps, twice: the backup column IDs, index IDs and order, TIMESTAMP defaults as the backup holds them (UTC)', async () => {
  for (let round = 0; round < 2; round++) {
    await createDb('app');
    for (const info of backup.values()) {
      const created = await cd.deps.schema.createTable(planTable('app', info));
      expect(layoutOf(created)).toEqual(layoutOf(info));
    }
  }
  const restored = (await reader.tableInfo('app', 'ts'))!;
  const want = backup.get('ts')!;
  const defaults = (t: TableInfo) => t.cols.filter((c) => c.type.Tp === 7).map((c) => [c.name.O, c.default, c.origin_default ?? null]);
  expect(defaults(restored)).toEqual(defaults(want));
  expect(defaults(restored)).toEqual([['created', '2023-06-01 12:00:00', null], ['upd', '2024-02-03 04:05:06', '2023-01-02 03:04:05']]);
  await query('INSERT INTO app.ts (id) VALUES (1)');
  expect(await query('SELECT created, upd FROM app.ts')).toEqual([{ created: '2023-06-01 12:00:00', upd: '2024-02-03 04:05:06' }]);
});

test('created through the worker deps, twice: the auto ID bases of the backup, and a keyless INSERT lands above them', async () => {
  for (let round = 0; round < 2; round++) {
    await createDb('app_ids');
    for (const info of backup.values()) await cd.deps.schema.createTable(planTable('app_ids', info));
  }
  expect((await nextRowIds('app_ids', 'rnd')).AUTO_RANDOM).toBe(42000);
  expect((await nextRowIds('app_ids', 'inc'))._TIDB_ROWID).toBe(1000);
  expect((await nextRowIds('app_ids', 'rowid'))._TIDB_ROWID).toBe(900);
  expect((await nextRowIds('app_ids', 'ts'))._TIDB_ROWID).toBe(300);
  const sep = await nextRowIds('app_ids', 'sep');
  expect(sep.AUTO_INCREMENT).toBe(5000);
  expect(sep._TIDB_ROWID).toBeGreaterThanOrEqual(70000);
  expect((await nextRowIds('app_ids', 'sepk')).AUTO_INCREMENT).toBe(8000);
  // The rolled-back row that moved sep's _tidb_rowid allocator left nothing behind.
  expect(await query('SELECT COUNT(*) AS n FROM app_ids.sep')).toEqual([{ n: '0' }]);

  // Keyless INSERTs get handles above the backup's bases, so they cannot reuse a restored row's.
  await query('INSERT INTO app_ids.rnd (v) VALUES (1)');
  await query("INSERT INTO app_ids.inc (v) VALUES ('x')");
  await query("INSERT INTO app_ids.rowid (a) VALUES ('x')");
  await query('INSERT INTO app_ids.sep (v) VALUES (1)');
  await query('INSERT INTO app_ids.sepk (v) VALUES (1)');
  expect(Number((await query('SELECT id FROM app_ids.sepk'))[0]!.id)).toBeGreaterThanOrEqual(8000);
  const [rnd] = await query('SELECT id FROM app_ids.rnd');
  expect(BigInt(String(rnd!.id)) & ((1n << 58n) - 1n)).toBeGreaterThanOrEqual(42000n);
  expect(Number((await query('SELECT id FROM app_ids.inc'))[0]!.id)).toBeGreaterThanOrEqual(1000);
  expect(Number((await query('SELECT _tidb_rowid AS r FROM app_ids.rowid'))[0]!.r)).toBeGreaterThanOrEqual(900);
  const [s] = await query('SELECT id, _tidb_rowid AS r FROM app_ids.sep');
  expect({ id: Number(s!.id) >= 5000, rowid: Number(s!.r) >= 70000 }).toEqual({ id: true, rowid: true });
});

test('a crash after any statement of a table with placeholder columns: the retry finishes it with the backup layout and bases', async () => {
  for (const name of ['ts', 'inc', 'sep']) {
    const info = backup.get(name)!;
    const statements = statementsOf(planTable('x', info));
    for (let k = 1; k <= statements.length; k++) {
      const db = `kp_${name}_${k}`;
      await createDb(db);
      // What a worker killed after statement k leaves (its session was brflow's: UTC).
      await reader.executeStatements(db, statements.slice(0, k));
      const created = await cd.deps.schema.createTable(planTable(db, info));
      expect([k, layoutOf(created)]).toEqual([k, layoutOf(info)]);
      const now = (await reader.tableInfo(db, name))!;
      expect([k, layoutOf(now)]).toEqual([k, layoutOf(info)]);
      // No statement took effect twice: a placeholder added again would have taken a new column ID.
      expect([k, now.max_col_id]).toEqual([k, info.max_col_id]);
      const ids = await nextRowIds(db, name);
      if (name === 'inc') expect([k, ids._TIDB_ROWID]).toEqual([k, 1000]);
      if (name === 'ts') expect([k, ids._TIDB_ROWID]).toEqual([k, 300]);
      if (name === 'sep') expect([k, ids.AUTO_INCREMENT]).toEqual([k, 5000]);
    }
  }
});

test('a table of the same name with another layout is still refused', async () => {
  await createDb('other');
  await reader.executeStatements('other', ['CREATE TABLE ts (id int NOT NULL, c1 varchar(3), zz int)']);
  await expect(cd.deps.schema.createTable(planTable('other', backup.get('ts')!))).rejects.toMatchObject({ message: expect.stringContaining('already exists with a different layout') });
});

describe('a group of tables through worker deps with a pool of 4 sessions', () => {
  let pooled: ClusterDeps;
  const connections = async (): Promise<number> => ((await (await fetch(`http://${tidb.statusAddress}/status`)).json()) as { connections: number }).connections;
  beforeAll(async () => {
    pooled = await connectClusterDeps({ pdEndpoints: sim.pdAddresses, tidb: { ...realTidbConfig(tidb), sessions: 4 } });
  });
  afterAll(() => pooled?.close());

  test('created side by side over several sessions, each table with the backup layout and bases; the sessions close with the deps', async () => {
    const baseline = await connections();
    const group = ['grp_a', 'grp_b'].flatMap((db) => [...backup.values()].map((info) => planTable(db, info)));
    for (const db of ['grp_a', 'grp_b']) await pooled.deps.schema.createDatabase({ name: db, realName: db, id: 1, createSql: `CREATE DATABASE IF NOT EXISTS \`${db}\`` });
    const created = await pooled.deps.schema.createTables(group);
    expect(created.map((c) => [c.name.O, layoutOf(c)])).toEqual(group.map((t) => [t.name, layoutOf(t.info)]));
    // The real TiDB counts the pool's sessions: more than one, at most the pool's size.
    const during = (await connections()) - baseline;
    expect(during).toBeGreaterThanOrEqual(2);
    expect(during).toBeLessThanOrEqual(4);
    for (const db of ['grp_a', 'grp_b']) {
      expect([db, (await nextRowIds(db, 'inc'))._TIDB_ROWID]).toEqual([db, 1000]);
      expect([db, (await nextRowIds(db, 'rnd')).AUTO_RANDOM]).toEqual([db, 42000]);
      expect([db, (await nextRowIds(db, 'sep')).AUTO_INCREMENT]).toEqual([db, 5000]);
    }
    // Twice: found in bulk with the backup's layout, the same tables (IDs) as before.
    expect((await pooled.deps.schema.createTables(group)).map((c) => c.id)).toEqual(created.map((c) => c.id));
    await pooled.close();
    for (let i = 0; i < 50 && (await connections()) > baseline; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await connections()).toBe(baseline);
    pooled = await connectClusterDeps({ pdEndpoints: sim.pdAddresses, tidb: { ...realTidbConfig(tidb), sessions: 4 } });
  });

  test('tables of one layout with gaps: copies (CREATE TABLE … LIKE) of the first come out as their own statements make a table, bases and all', async () => {
    const renamed = (name: string, as: string): TableInfo => ({ ...backup.get(name)!, name: { O: as, L: as } });
    const group = ['ts', 'inc'].flatMap((name) => [0, 1, 2].map((i) => planTable('grp_like', renamed(name, `${name}_${i}`))));
    await createDb('grp_like');
    const created = await pooled.deps.schema.createTables(group);
    expect(created.map((c) => [c.name.O, layoutOf(c)])).toEqual(group.map((t) => [t.name, layoutOf(t.info)]));
    // Made from their own statements alone (a group of one each), in another database.
    await createDb('grp_own');
    const own = new Map<string, TableInfo>();
    for (const name of ['ts', 'inc']) own.set(name, await pooled.deps.schema.createTable(planTable('grp_own', renamed(name, `${name}_0`))));
    // TiDB recorded copies for all but the first of each layout.
    const likes = await query("SELECT TABLE_NAME, QUERY FROM information_schema.DDL_JOBS WHERE DB_NAME = 'grp_like' AND QUERY LIKE '%LIKE%'");
    // TiDB may merge CREATEs that wait together into one job, whose QUERY then holds them `;`-separated.
    expect(likes.flatMap((r) => String(r.QUERY).split(';').map((q) => q.trim()).filter((q) => q !== '')).sort()).toEqual(['CREATE TABLE `inc_1` LIKE `inc_0`', 'CREATE TABLE `inc_2` LIKE `inc_0`', 'CREATE TABLE `ts_1` LIKE `ts_0`', 'CREATE TABLE `ts_2` LIKE `ts_0`']);
    // The whole TableInfo but its identity and timestamps is the one the statements make (a table without
    // secondary indexes: LIKE writes index_info [] where CREATE TABLE writes null, the same nothing).
    const shape = (t: TableInfo) => {
      const { id: _id, name: _name, update_timestamp: _u, ...rest } = t as TableInfo & { update_timestamp?: unknown };
      return { ...rest, index_info: rest.index_info ?? [] };
    };
    for (const c of created) expect([c.name.O, shape(c)]).toEqual([c.name.O, shape(own.get(c.name.O.replace(/_\d$/, ''))!)]);
    for (const i of [0, 1, 2]) {
      expect([i, (await nextRowIds('grp_like', `inc_${i}`))._TIDB_ROWID]).toEqual([i, 1000]);
      expect([i, (await nextRowIds('grp_like', `ts_${i}`))._TIDB_ROWID]).toEqual([i, 300]);
    }
  });

  test('a group holding a table of the same name with another layout is refused, and that table left alone', async () => {
    await createDb('grp_other');
    await reader.executeStatements('grp_other', ['CREATE TABLE ts (id int NOT NULL, c1 varchar(3), zz int)']);
    const before = await query('SHOW CREATE TABLE grp_other.ts');
    const group = [...backup.values()].map((info) => planTable('grp_other', info));
    await expect(pooled.deps.schema.createTables(group)).rejects.toMatchObject({ message: expect.stringContaining('grp_other.ts already exists with a different layout') });
    expect(await query('SHOW CREATE TABLE grp_other.ts')).toEqual(before);
  });
});

test('every DDL job kind, replayed a second time on the real TiDB after it took effect, counts as done and changes nothing more', async () => {
  let n = 0;
  const job = (type: number, query: string, schema = 'ddl2', newName?: string): DdlJob => ({
    id: ++n, type, schema_id: 1, table_id: 1, schema_name: schema, query, binlog: { SchemaVersion: n, ...(newName ? { TableInfo: { name: { O: newName, L: newName.toLowerCase() } } } : {}) },
  });
  const jobs: DdlJob[] = [
    job(1, 'CREATE DATABASE `ddl2`'),
    job(3, 'CREATE TABLE t (id int NOT NULL, a int, b int) PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (10), PARTITION p5 VALUES LESS THAN (15))'),
    job(5, 'ALTER TABLE t ADD COLUMN c int'),
    job(6, 'ALTER TABLE t DROP COLUMN b'),
    job(7, 'ALTER TABLE t ADD INDEX ia (a)'),
    job(8, 'ALTER TABLE t DROP INDEX ia'),
    job(32, 'ALTER TABLE t ADD PRIMARY KEY (id) NONCLUSTERED'),
    job(33, 'ALTER TABLE t DROP PRIMARY KEY'),
    job(19, 'ALTER TABLE t ADD PARTITION (PARTITION p1 VALUES LESS THAN (20))'),
    job(20, 'ALTER TABLE t DROP PARTITION p0'),
    job(12, 'ALTER TABLE t MODIFY COLUMN c bigint'),
    job(14, 'RENAME TABLE t TO t2', 'ddl2', 't2'),
    job(14, 'ALTER TABLE `ddl2`.`t2` RENAME TO `ddl2`.`t3`', 'ddl2', 't3'),
    job(21, 'CREATE VIEW v AS SELECT id FROM t3'),
    job(24, 'DROP VIEW v'),
    job(3, 'CREATE TABLE gone (id int)'),
    job(4, 'DROP TABLE gone'),
  ];
  const drop = job(2, 'DROP DATABASE `ddl2`');
  for (const j of jobs) {
    await cd.deps.schema.execDdl(j);
    await expect(cd.deps.schema.execDdl(j)).resolves.toBeUndefined();
  }
  const t3 = (await reader.tableInfo('ddl2', 't3'))!;
  expect({
    cols: t3.cols.map((c) => [c.name.O, c.id, c.type.Tp]),
    indexes: (t3.index_info ?? []).map((i) => i.idx_name.O),
    partitions: t3.partition?.definitions.map((d) => d.name.O),
    t: await reader.tableInfo('ddl2', 't'),
    t2: await reader.tableInfo('ddl2', 't2'),
    gone: await reader.tableInfo('ddl2', 'gone'),
  }).toEqual({ cols: [['id', 1, 3], ['a', 2, 3], ['c', 4, 8]], indexes: [], partitions: ['p5', 'p1'], t: undefined, t2: undefined, gone: undefined });
  await cd.deps.schema.execDdl(drop);
  await expect(cd.deps.schema.execDdl(drop)).resolves.toBeUndefined();
  expect(await query("SHOW DATABASES LIKE 'ddl2'")).toEqual([]);
  // A rename whose target was someone else's table all along is not taken for done.
  await reader.executeStatements(undefined, ['CREATE DATABASE ddl3', 'CREATE TABLE ddl3.a (x int)', 'CREATE TABLE ddl3.b (x int)']);
  await expect(cd.deps.schema.execDdl(job(14, 'RENAME TABLE a TO b', 'ddl3', 'b'))).rejects.toMatchObject({ errno: 1050 });
});

test('a replay run again from its first job after all of it took effect: jobs on tables and schemas that later jobs renamed or dropped count as done', async () => {
  // What the full restore left: the incremental jobs start from these.
  await reader.executeStatements(undefined, ['CREATE DATABASE dz', 'CREATE TABLE dz.t (id int)', 'CREATE DATABASE dy', 'CREATE TABLE dy.k (id int)']);
  let n = 100;
  const job = (type: number, query: string, tableId: number, schemaId = 900, newName?: string): DdlJob => ({
    id: ++n, type, schema_id: schemaId, table_id: tableId, schema_name: schemaId === 900 ? 'dz' : 'dy', query,
    binlog: { SchemaVersion: n, ...(newName ? { TableInfo: { name: { O: newName, L: newName } } } : {}) },
  });
  const jobs: DdlJob[] = [
    job(5, 'ALTER TABLE t ADD COLUMN c int', 901),
    job(14, 'RENAME TABLE t TO u', 901, 900, 'u'),
    job(5, 'ALTER TABLE u ADD COLUMN d int', 901),
    job(4, 'DROP TABLE u', 901),
    job(7, 'ALTER TABLE k ADD INDEX i (id)', 902, 901),
    job(2, 'DROP DATABASE `dy`', 0, 901),
    job(3, 'CREATE TABLE kept (id int)', 903),
  ];
  const replay = async () => {
    for (const [i, j] of jobs.entries()) await cd.deps.schema.execDdl(j, jobs.slice(i + 1));
  };
  await replay();
  await expect(replay()).resolves.toBeUndefined();
  expect({
    dz: (await query('SHOW TABLES FROM dz')).map((r) => Object.values(r)[0]),
    dy: await query("SHOW DATABASES LIKE 'dy'"),
  }).toEqual({ dz: ['kept'], dy: [] });
  // Without a later job to explain it, a missing table is still an error.
  await expect(cd.deps.schema.execDdl(jobs[0]!, [])).rejects.toMatchObject({ errno: 1146 });
});

describe('DDL replay of an incremental backup (make-backup --incremental)', () => {
  let dir: string;
  let acts: RestoreActivities;
  let full: PlanSummary;
  let inc: PlanSummary;
  const env = new MockActivityEnvironment();
  const run = <T>(f: () => Promise<T>, e = env): Promise<T> => e.run(f) as Promise<T>;

  const plan = async (storage: string): Promise<PlanSummary> => {
    const r = normalizeRestoreRequest({ storage, tableGroupSize: 1024 });
    if (!('value' in r)) throw new Error(JSON.stringify(r));
    const v = r.value;
    return run(() => acts.planRestore({ storage: v.storage, filters: v.filters, caseSensitive: v.caseSensitive, batchFiles: v.batchFiles, mergeRegionSizeBytes: v.mergeRegionSizeBytes, mergeRegionKeyCount: v.mergeRegionKeyCount, tableGroupSize: v.tableGroupSize }));
  };

  /** The target as the full restore leaves it, before the incremental one replays its DDL. */
  const fullSchema = async (): Promise<void> => {
    await query('DROP DATABASE IF EXISTS shop');
    await query('DROP DATABASE IF EXISTS inc_db');
    await run(() => acts.createDatabases({ planRef: full.planRef }));
    for (let g = 0; g < full.tableGroups; g++) await run(() => acts.createTables({ planRef: full.planRef, group: g }));
  };

  const replayedState = async () => ({
    newItems: (await reader.tableInfo('inc_db', 'new_items'))?.cols.map((c) => c.name.O),
    orderCols: (await reader.tableInfo('shop', 'order'))?.cols.map((c) => [c.name.O, c.id]),
    documents: (await reader.tableInfo('shop', 'documents')) !== undefined,
    documentsV2: (await reader.tableInfo('shop', 'documents_v2')) !== undefined,
    emptyTable: (await reader.tableInfo('shop', 'empty_table')) !== undefined,
  });
  const replayed = {
    newItems: ['id', 'label', 'qty'],
    orderCols: [['id', 1], ['select', 2], ['amount', 3], ['created', 4], ['note', 5], ['extra', 6]],
    documents: false,
    documentsV2: true,
    emptyTable: false,
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'brflow-real-ddl-'));
    const o = { seed: 11, tables: 8, rows: 5, metaVersion: 2, compression: 'zstd', withSysTables: false } as const;
    await makeBackup(new LocalStorage(join(dir, 'full')), { ...o, incremental: false });
    await makeBackup(new LocalStorage(join(dir, 'inc')), { ...o, incremental: true });
    acts = createActivities(cd.deps);
    full = await plan(`local://${join(dir, 'full')}`);
    inc = await plan(`local://${join(dir, 'inc')}`);
  }, 120_000);

  afterAll(() => rm(dir, { recursive: true, force: true }));

  test('a crash after any job, with its progress lost: the replay runs again to the end', async () => {
    const { plan: p } = { plan: await readPlanJobs() };
    expect(p.map((j) => j.type)).toEqual([1, 3, 5, 14, 4]);
    for (let k = 0; k <= p.length; k++) {
      await fullSchema();
      for (const job of p.slice(0, k)) await reader.executeStatements(job.type === 1 ? undefined : job.schema_name, [job.query!]);
      await expect(run(() => acts.execDdlJobs({ planRef: inc.planRef }))).resolves.toBe(p.length);
      expect([k, await replayedState()]).toEqual([k, replayed]);
    }
  });

  test('a retry starts after the last job its heartbeats recorded, and records each job it finishes', async () => {
    const p = await readPlanJobs();
    await fullSchema();
    for (const job of p.slice(0, 3)) await reader.executeStatements(job.type === 1 ? undefined : job.schema_name, [job.query!]);
    const resumed = new MockActivityEnvironment({ heartbeatDetails: { next: 3 } });
    const beats: unknown[] = [];
    resumed.on('heartbeat', (d: unknown) => beats.push(d));
    await run(() => acts.execDdlJobs({ planRef: inc.planRef }), resumed);
    expect(beats).toEqual([{ next: 4 }, { next: 5 }]);
    expect(await replayedState()).toEqual(replayed);
  });

  test('a job that outlasts the heartbeat timeout keeps the progress in every beat', async () => {
    const p = await readPlanJobs();
    await fullSchema();
    for (const job of p.slice(0, 4)) await reader.executeStatements(job.type === 1 ? undefined : job.schema_name, [job.query!]);
    // The production SchemaControl, its last job (DROP TABLE) held 1.5 s as a long ADD INDEX would be.
    const slow = createActivities({ ...cd.deps, schema: Object.assign(Object.create(cd.deps.schema) as typeof cd.deps.schema, {
      execDdl: async (job: DdlJob, later?: readonly DdlJob[]) => {
        await new Promise((r) => setTimeout(r, 1500));
        await cd.deps.schema.execDdl(job, later);
      },
    }) });
    const e = new MockActivityEnvironment({ heartbeatDetails: { next: 4 }, heartbeatTimeoutMs: 600 });
    const beats: unknown[] = [];
    e.on('heartbeat', (d: unknown) => beats.push(d));
    await run(() => slow.execDdlJobs({ planRef: inc.planRef }), e);
    // The plan cache beats 'planning' while it loads the plan (a miss here), then the replay beats its progress.
    const progress = beats.filter((b) => b !== 'planning');
    expect(progress.length).toBeGreaterThanOrEqual(4);
    expect(progress.slice(0, -1)).toEqual(progress.slice(0, -1).map(() => ({ next: 4 })));
    expect(progress.at(-1)).toEqual({ next: 5 });
    expect(await replayedState()).toEqual(replayed);
  });

  /** The plan's DDL jobs in replay order (the same sort execDdlJobs applies). */
  async function readPlanJobs() {
    const manifest = await cd.deps.backup.readManifest(`local://${join(dir, 'inc')}`);
    return [...manifest.ddlJobs].sort((a, b) => (a.binlog?.SchemaVersion ?? 0) - (b.binlog?.SchemaVersion ?? 0));
  }
});
