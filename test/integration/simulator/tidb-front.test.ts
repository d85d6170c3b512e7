import { createConnection, type Connection } from 'mysql2/promise';
import type { TableInfo } from '../../../src/plan/table-info';
import { startTidbFront, type TidbFront } from '../../../src/simulator/tidb/tidb-front';

describe('simulated TiDB front on the MySQL wire', () => {
  let front: TidbFront;
  let conn: Connection;

  beforeEach(async () => {
    front = await startTidbFront({ host: '127.0.0.1', port: 0, statusPort: 0 });
    const [host, port] = front.address.split(':') as [string, string];
    conn = await createConnection({ host, port: Number(port), user: 'root', multipleStatements: true });
  });

  afterEach(async () => {
    await conn.end().catch(() => undefined);
    await front.stop();
  });

  const errnoOf = async (sql: string): Promise<number | undefined> => {
    try {
      await conn.query(sql);
      return undefined;
    } catch (e) {
      return (e as { errno?: number }).errno;
    }
  };

  it('answers version queries and system variables, and remembers SET per session', async () => {
    const [rows] = await conn.query('SELECT VERSION() AS v, @@tidb_enable_clustered_index AS ci, @@global.lower_case_table_names AS l');
    expect(rows).toEqual([{ v: '8.0.11-TiDB-v8.5.3', ci: 'ON', l: '2' }]);
    await conn.query('SET NAMES utf8mb4');
    await conn.query("SET @@session.sql_mode = ''");
    expect((await conn.query('SELECT @@sql_mode AS m'))[0]).toEqual([{ m: '' }]);
    expect(await errnoOf('SELECT @@no_such_variable')).toBe(1193);
  });

  it('runs DDL over the wire with TiDB error codes, and USE / multi-statement texts', async () => {
    await conn.query('CREATE DATABASE shop; USE shop; CREATE TABLE t (a int PRIMARY KEY, b int)');
    expect(front.catalog.table('shop', 't')?.cols.map((c) => c.id)).toEqual([1, 2]);
    expect(await errnoOf('CREATE TABLE t (a int)')).toBe(1050);
    expect(await errnoOf('CREATE TABLE nope.t (a int)')).toBe(1049);
    expect(await errnoOf('ALTER TABLE missing ADD COLUMN c int')).toBe(1146);
    expect(await errnoOf('USE nope')).toBe(1049);
    expect(await errnoOf('GRANT ALL ON *.* TO x')).toBe(1064);
    // The connection is still usable after errors.
    await conn.query('ALTER TABLE t ADD COLUMN c int');
    expect(front.catalog.table('shop', 't')?.max_col_id).toBe(3);
  });

  it('refuses prepared statements (text protocol only) without dying', async () => {
    await expect(conn.execute('SELECT ?', [1])).rejects.toMatchObject({ errno: 1235 });
    expect((await conn.query('SELECT 1 AS one'))[0]).toEqual([{ one: 1 }]);
  });

  it('serves information_schema SCHEMATA and TABLES rows matching the catalog', async () => {
    await conn.query('CREATE DATABASE d2 CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci');
    await conn.query('CREATE TABLE d2.x (a int)');
    const [schemata] = await conn.query("SELECT SCHEMA_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN ('d2', 'mysql') ORDER BY SCHEMA_NAME");
    expect(schemata).toEqual([
      { SCHEMA_NAME: 'd2', DEFAULT_COLLATION_NAME: 'utf8mb4_general_ci' },
      { SCHEMA_NAME: 'mysql', DEFAULT_COLLATION_NAME: 'utf8mb4_bin' },
    ]);
    const [tables] = await conn.query("SELECT TABLE_NAME, TIDB_TABLE_ID, TABLE_COLLATION FROM information_schema.tables WHERE table_schema = 'D2'");
    expect(tables).toEqual([{ TABLE_NAME: 'x', TIDB_TABLE_ID: front.catalog.table('d2', 'x')?.id, TABLE_COLLATION: 'utf8mb4_general_ci' }]);
    await conn.query('CREATE TABLE d2.y (a int)');
    const [sorted] = await conn.query("SELECT t.TABLE_NAME AS n, TIDB_TABLE_ID AS id FROM information_schema.TABLES t WHERE t.TABLE_SCHEMA = 'd2' ORDER BY id DESC LIMIT 1");
    expect(sorted).toEqual([{ n: 'y', id: front.catalog.table('d2', 'y')?.id }]);
  });

  it('serves the status API: /status, /schema, /schema/{db}, /schema/{db}/{table}, /db-table/{id}', async () => {
    await conn.query('CREATE DATABASE s; CREATE TABLE s.t (a int, b int) PARTITION BY HASH (a) PARTITIONS 2');
    const get = async (path: string) => {
      const r = await fetch(`http://${front.statusAddress}${path}`);
      return { status: r.status, body: await r.text() };
    };
    const status = await get('/status');
    expect(JSON.parse(status.body)).toMatchObject({ version: '8.0.11-TiDB-v8.5.3', connections: 1 });
    const t = front.catalog.table('s', 't') as TableInfo;
    expect(JSON.parse((await get('/schema/s/t')).body)).toEqual(t);
    expect(JSON.parse((await get('/schema/s')).body)).toEqual([t]);
    expect(JSON.parse((await get('/schema')).body).map((d: { db_name: { O: string } }) => d.db_name.O)).toEqual(['mysql', 'test', 's']);
    const partitionId = t.partition?.definitions[1]?.id;
    expect(JSON.parse((await get(`/db-table/${partitionId}`)).body)).toMatchObject({ db_info: { db_name: { O: 's' } }, table_info: { id: t.id } });
    expect(await get('/schema/s/none')).toEqual({ status: 400, body: "[schema:1146]Table 's.none' doesn't exist" });
    expect(await get('/schema/none')).toEqual({ status: 400, body: "[schema:1049]Unknown database 'none'" });
  });

  it('answers SHOW DATABASES / TABLES / CREATE TABLE, and its CREATE TABLE recreates the same layout', async () => {
    await conn.query("CREATE DATABASE src; USE src; CREATE TABLE t (id bigint NOT NULL AUTO_INCREMENT, v varchar(10) DEFAULT 'x', PRIMARY KEY (id) /*T![clustered_index] CLUSTERED */, KEY kv (v)) AUTO_INCREMENT = 50");
    expect((await conn.query('SHOW DATABASES'))[0]).toEqual([{ Database: 'INFORMATION_SCHEMA' }, { Database: 'mysql' }, { Database: 'test' }, { Database: 'src' }]);
    expect((await conn.query('SHOW TABLES'))[0]).toEqual([{ Tables_in_src: 't' }]);
    const [[row]] = (await conn.query('SHOW CREATE TABLE src.t')) as unknown as [[{ Table: string; 'Create Table': string }]];
    expect(row.Table).toBe('t');
    expect(row['Create Table']).toContain('AUTO_INCREMENT=50');
    await conn.query('CREATE DATABASE dst; USE dst');
    await conn.query(row['Create Table']);
    const a = front.catalog.table('src', 't') as TableInfo;
    const b = front.catalog.table('dst', 't') as TableInfo;
    expect({ ...b, id: a.id }).toEqual(a);
    expect(await errnoOf('SHOW CREATE TABLE dst.none')).toBe(1146);
  });

  it('lets tests fail DDL through the fault hook, once', async () => {
    front.faults.failDdl(/^CREATE TABLE/, { error: { errno: 9001, message: 'PD server timeout' } });
    expect(await errnoOf('CREATE TABLE test.f (a int)')).toBe(9001);
    expect(front.catalog.table('test', 'f')).toBeUndefined();
    await conn.query('CREATE TABLE test.f (a int)');
    expect(front.catalog.table('test', 'f')).toBeDefined();
    expect(front.faults.hits).toEqual(['CREATE TABLE test.f (a int)']);
  });

  it('denies a wrong password when accounts are configured', async () => {
    const guarded = await startTidbFront({ users: { root: 'pw' } });
    const [host, port] = guarded.address.split(':') as [string, string];
    await expect(createConnection({ host, port: Number(port), user: 'root', password: 'nope' })).rejects.toMatchObject({ errno: 1045 });
    const ok = await createConnection({ host, port: Number(port), user: 'root', password: 'pw', database: 'test' });
    expect((await ok.query('SELECT DATABASE() AS db'))[0]).toEqual([{ db: 'test' }]);
    await ok.end();
    await guarded.stop();
  });
});
