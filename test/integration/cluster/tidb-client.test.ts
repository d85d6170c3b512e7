import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { DdlJob } from '../../../src/backup/manifest';
import { TidbClient, TidbError, TEMPORARY_MYSQL_DB } from '../../../src/cluster/tidb';
import { checkColumnIds } from '../../../src/cluster/tidb-column-ids';
import type { TidbConnectionConfig } from '../../../src/cluster/tidb-config';
import { ErrorType } from '../../../src/plan/error-types';
import type { TableInfo } from '../../../src/plan/table-info';
import { Catalog } from '../../../src/simulator/tidb/catalog';
import { startTidbFront, type TidbFront } from '../../../src/simulator/tidb/tidb-front';

const PASSWORD = 's3cret-pw';

/** A table as an upstream cluster's history left it: column b dropped, d added later, so IDs are 1, 3, 4. */
function upstreamTable(): TableInfo {
  const up = new Catalog();
  up.executeSql('CREATE DATABASE shop');
  up.executeSql('CREATE TABLE shop.orders (id bigint NOT NULL, b int, c varchar(20) NOT NULL, PRIMARY KEY (id) /*T![clustered_index] CLUSTERED */, KEY idx_c (c))');
  up.executeSql('ALTER TABLE shop.orders DROP COLUMN b');
  up.executeSql('ALTER TABLE shop.orders ADD COLUMN d decimal(10,2) DEFAULT NULL');
  return up.table('shop', 'orders') as TableInfo;
}

/** What plan/column-ids renders for that table: a placeholder holds ID 2, then goes. */
const ORDERS_STATEMENTS = [
  'CREATE TABLE IF NOT EXISTS `orders` (\n  `id` bigint(20) NOT NULL,\n  `__brflow_placeholder_2` tinyint DEFAULT NULL,\n  `c` varchar(20) NOT NULL,\n  `d` decimal(10,2) DEFAULT NULL,\n  PRIMARY KEY (`id`) /*T![clustered_index] CLUSTERED */,\n  KEY `idx_c` (`c`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin',
  'ALTER TABLE `orders` DROP COLUMN `__brflow_placeholder_2`',
];

describe('TidbClient against the simulated TiDB front over real sockets', () => {
  let front: TidbFront;
  let client: TidbClient;
  let cfg: TidbConnectionConfig;

  beforeEach(async () => {
    front = await startTidbFront({ users: { brflow: PASSWORD } });
    const [host, port] = front.address.split(':') as [string, string];
    cfg = { host, port: Number(port), statusAddress: front.statusAddress, user: 'brflow', password: PASSWORD, timeoutMs: 5_000 };
    client = new TidbClient(cfg);
  });

  afterEach(async () => {
    await client.close();
    await front.stop();
  });

  it('reads the version', async () => {
    const v = await client.version();
    expect(v.serverVersion).toBe('8.0.11-TiDB-v8.5.3');
    expect(v.release).toBe('v8.5.3');
  });

  it('creates a table with gaps in its column IDs exactly as the backup has them, and reads it back from the status API', async () => {
    const backup = upstreamTable();
    expect(backup.cols.map((c) => [c.name.O, c.id])).toEqual([['id', 1], ['c', 3], ['d', 4]]);
    await client.createDatabases(['CREATE DATABASE IF NOT EXISTS `shop` /*!40100 DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin */']);
    const created = await client.createTable({ db: 'shop', table: 'orders', statements: ORDERS_STATEMENTS, backup, placeholderColumns: ['__brflow_placeholder_2'] });
    expect(created.outcome).toBe('created');
    const inCatalog = front.catalog.table('shop', 'orders') as TableInfo;
    expect(inCatalog.cols.map((c) => [c.name.O, c.id])).toEqual([['id', 1], ['c', 3], ['d', 4]]);
    expect(inCatalog.max_col_id).toBe(4);
    // What the client read over HTTP is what the catalog holds.
    expect(created.info).toEqual(inCatalog);
    expect(await client.tableInfo('shop', 'orders')).toEqual(inCatalog);
    expect(await client.tableInfo('shop', 'nope')).toBeUndefined();
  });

  it('reads table, partition and index IDs from information_schema equal to the catalog', async () => {
    await client.executeStatements(undefined, ['CREATE DATABASE d1']);
    await client.executeStatements('d1', [
      'CREATE TABLE p (a int NOT NULL, b varchar(8), PRIMARY KEY (a) /*T![clustered_index] NONCLUSTERED */, UNIQUE KEY ub (b)) PARTITION BY RANGE (a) (PARTITION p0 VALUES LESS THAN (10), PARTITION p1 VALUES LESS THAN MAXVALUE)',
      'CREATE TABLE h (id int PRIMARY KEY, x int, KEY ix (x))',
    ]);
    const ids = await client.readTableIds('d1', ['p', 'h', 'missing']);
    const p = front.catalog.table('d1', 'p') as TableInfo;
    const h = front.catalog.table('d1', 'h') as TableInfo;
    const byName = new Map(ids.map((x) => [x.table, x]));
    expect(ids).toHaveLength(2);
    expect(byName.get('p')).toEqual({
      db: 'd1',
      table: 'p',
      tableId: p.id,
      partitions: p.partition?.definitions.map((d) => ({ name: d.name.O, id: d.id })),
      indexes: (p.index_info ?? []).map((i) => ({ name: i.idx_name.O, id: i.id })),
    });
    // Partition IDs come from the global allocator, right after the table's own.
    expect(p.partition?.definitions.map((d) => d.id)).toEqual([p.id + 1, p.id + 2]);
    // The integer handle key is listed as PRIMARY with index ID 0, as TiDB does.
    expect(byName.get('h')).toEqual({ db: 'd1', table: 'h', tableId: h.id, partitions: [], indexes: [{ name: 'PRIMARY', id: 0 }, { name: 'ix', id: 1 }] });
  });

  it('is idempotent: a second create finds the table with the backup layout and changes nothing', async () => {
    const backup = upstreamTable();
    await client.createDatabases(['CREATE DATABASE IF NOT EXISTS shop']);
    const first = await client.createTable({ db: 'shop', table: 'orders', statements: ORDERS_STATEMENTS, backup, placeholderColumns: ['__brflow_placeholder_2'] });
    const jobsBefore = front.catalog.ddlJobs().length;
    const second = await client.createTable({ db: 'shop', table: 'orders', statements: ORDERS_STATEMENTS, backup, placeholderColumns: ['__brflow_placeholder_2'] });
    expect(second.outcome).toBe('existed');
    expect(second.info).toEqual(first.info);
    expect(front.catalog.ddlJobs()).toHaveLength(jobsBefore);
  });

  it('finishes a creation an earlier try left half-done (placeholder still there)', async () => {
    const backup = upstreamTable();
    await client.createDatabases(['CREATE DATABASE shop']);
    front.faults.failDdl(/DROP COLUMN `__brflow_placeholder_2`/);
    await expect(client.createTable({ db: 'shop', table: 'orders', statements: ORDERS_STATEMENTS, backup, placeholderColumns: ['__brflow_placeholder_2'] })).rejects.toMatchObject({ errno: 1105 });
    expect(front.catalog.table('shop', 'orders')?.cols.map((c) => c.name.O)).toContain('__brflow_placeholder_2');
    const again = await client.createTable({ db: 'shop', table: 'orders', statements: ORDERS_STATEMENTS, backup, placeholderColumns: ['__brflow_placeholder_2'] });
    expect(again.outcome).toBe('resumed');
    expect(front.catalog.table('shop', 'orders')?.cols.map((c) => [c.name.O, c.id])).toEqual([['id', 1], ['c', 3], ['d', 4]]);
  });

  it('survives a CREATE that took effect although its answer was lost', async () => {
    const backup = upstreamTable();
    await client.createDatabases(['CREATE DATABASE shop']);
    const plain = ORDERS_STATEMENTS.map((s) => s.replace('IF NOT EXISTS ', ''));
    front.faults.failDdl(/^CREATE TABLE/, { when: 'after' });
    await expect(client.createTable({ db: 'shop', table: 'orders', statements: plain, backup, placeholderColumns: ['__brflow_placeholder_2'] })).rejects.toBeInstanceOf(TidbError);
    const again = await client.createTable({ db: 'shop', table: 'orders', statements: plain, backup, placeholderColumns: ['__brflow_placeholder_2'] });
    expect(again.outcome).toBe('resumed');
    expect(again.info.cols.map((c) => c.id)).toEqual([1, 3, 4]);
  });

  it('refuses an existing table with a different layout (TableExists) and leaves it alone', async () => {
    const backup = upstreamTable();
    await client.executeStatements(undefined, ['CREATE DATABASE shop']);
    await client.executeStatements('shop', ['CREATE TABLE orders (id bigint NOT NULL PRIMARY KEY, c varchar(20) NOT NULL, d decimal(10,2))']);
    const before = front.catalog.table('shop', 'orders');
    await expect(client.createTable({ db: 'shop', table: 'orders', statements: ORDERS_STATEMENTS, backup, placeholderColumns: ['__brflow_placeholder_2'] })).rejects.toMatchObject({
      type: ErrorType.TableExists,
      message: expect.stringContaining('shop.orders'),
    });
    expect(front.catalog.table('shop', 'orders')).toEqual(before);
  });

  /** The orders table of the backup under another name: a group of tables alike. */
  const ordersAs = (table: string) => ({
    db: 'shop', table, backup: upstreamTable(), placeholderColumns: ['__brflow_placeholder_2'],
    statements: ORDERS_STATEMENTS.map((sql) => sql.replace('`orders`', `\`${table}\``)),
  });
  const connections = async (): Promise<number> => ((await (await fetch(`http://${front.statusAddress}/status`)).json()) as { connections: number }).connections;

  it('creates a group side by side over several sessions, with the backup layout, and closes every session with the client', async () => {
    await client.close();
    client = new TidbClient({ ...cfg, sessions: 3 });
    await client.createDatabases(['CREATE DATABASE shop']);
    expect(await connections()).toBe(1);
    const group = Array.from({ length: 9 }, (_, i) => ordersAs(`orders_${i}`));
    const created = await client.createTables(group);
    expect(created.map((c) => c.outcome)).toEqual(group.map(() => 'created'));
    for (const [i, t] of group.entries()) {
      const inCatalog = front.catalog.table('shop', t.table) as TableInfo;
      expect(inCatalog.cols.map((c) => [c.name.O, c.id])).toEqual([['id', 1], ['c', 3], ['d', 4]]);
      expect(created[i]!.info).toEqual(inCatalog);
    }
    // Three sessions took the tables between them (one session would have stayed one connection).
    expect(await connections()).toBe(3);
    // Each statement ran once, every CREATE before any ALTER (TiDB merges CREATEs that arrive together): a CREATE
    // and the placeholder's DROP per table.
    expect(front.catalog.ddlJobs().filter((j) => j.tableName.startsWith('orders_')).map((j) => j.type)).toEqual([...group.map(() => 'create table'), ...group.map(() => 'alter table')]);
    // Again: every table is found with the backup's layout in one bulk read, and nothing runs.
    const jobs = front.catalog.ddlJobs().length;
    expect((await client.createTables(group)).map((c) => c.outcome)).toEqual(group.map(() => 'existed'));
    expect(front.catalog.ddlJobs()).toHaveLength(jobs);
    await client.close();
    for (let i = 0; i < 50 && (await connections()) > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await connections()).toBe(0);
  });

  it('makes tables of one layout with gaps as copies of the first (CREATE TABLE … LIKE): its ALTER runs once, each copy has the backup IDs', async () => {
    await client.close();
    client = new TidbClient({ ...cfg, sessions: 3 });
    await client.createDatabases(['CREATE DATABASE shop', 'CREATE DATABASE shop2']);
    // As the planner writes them: the table's own name heads each statement.
    const planned = (db: string, table: string) => ({ ...ordersAs(table), db, statements: ordersAs(table).statements.map((sql) => sql.replace('CREATE TABLE IF NOT EXISTS', 'CREATE TABLE')) });
    const group = [...Array.from({ length: 6 }, (_, i) => planned('shop', `orders_${i}`)), planned('shop2', 'orders_a'), planned('shop2', 'orders_b')];
    const jobs0 = front.catalog.ddlJobs().length;
    const created = await client.createTables(group);
    expect(created.map((c) => c.outcome)).toEqual(group.map(() => 'created'));
    for (const t of group) {
      expect([t.db, t.table, (front.catalog.table(t.db, t.table) as TableInfo).cols.map((c) => [c.name.O, c.id])]).toEqual([t.db, t.table, [['id', 1], ['c', 3], ['d', 4]]]);
    }
    expect(new Set(created.map((c) => c.info.id)).size).toBe(group.length);
    // One CREATE and one ALTER per database (the template), the others copies of it in their own database.
    const queries = front.catalog.ddlJobs().slice(jobs0).map((j) => `${j.schemaName}: ${j.query.split('\n')[0]!}`);
    expect(queries.filter((q) => q.includes('DROP COLUMN')).sort()).toEqual(['shop2: ALTER TABLE `orders_a` DROP COLUMN `__brflow_placeholder_2`', 'shop: ALTER TABLE `orders_0` DROP COLUMN `__brflow_placeholder_2`']);
    expect(queries.filter((q) => q.includes(' LIKE ')).sort()).toEqual([
      'shop2: CREATE TABLE `orders_b` LIKE `orders_a`',
      ...[1, 2, 3, 4, 5].map((i) => `shop: CREATE TABLE \`orders_${i}\` LIKE \`orders_0\``),
    ]);
    // Again: found with the backup's layout, nothing runs.
    const jobs = front.catalog.ddlJobs().length;
    expect((await client.createTables(group)).map((c) => c.outcome)).toEqual(group.map(() => 'existed'));
    expect(front.catalog.ddlJobs()).toHaveLength(jobs);
  });

  it('a copy TiDB refuses is made from its own statements; one that took effect although its answer was lost is adopted', async () => {
    await client.close();
    client = new TidbClient({ ...cfg, sessions: 2 });
    await client.createDatabases(['CREATE DATABASE shop']);
    const planned = (table: string) => ({ ...ordersAs(table), statements: ordersAs(table).statements.map((sql) => sql.replace('CREATE TABLE IF NOT EXISTS', 'CREATE TABLE')) });
    const group = ['orders_0', 'orders_1', 'orders_2'].map(planned);
    front.faults.failDdl(/^CREATE TABLE `orders_1` LIKE/, { error: { errno: 8200, message: 'injected: LIKE refused' } });
    front.faults.failDdl(/^CREATE TABLE `orders_2` LIKE/, { when: 'after' });
    const created = await client.createTables(group);
    expect(created.map((c) => c.outcome)).toEqual(['created', 'created', 'existed']);
    for (const t of group) expect((front.catalog.table('shop', t.table) as TableInfo).cols.map((c) => [c.name.O, c.id])).toEqual([['id', 1], ['c', 3], ['d', 4]]);
    expect(front.faults.hits).toEqual(['CREATE TABLE `orders_1` LIKE `orders_0`', 'CREATE TABLE `orders_2` LIKE `orders_0`']);
    // orders_1 went its own way: CREATE and DROP of its placeholder.
    expect(front.catalog.ddlJobs().filter((j) => j.tableName === 'orders_1').map((j) => j.query.split('\n')[0])).toEqual(['CREATE TABLE `orders_1` (', 'ALTER TABLE `orders_1` DROP COLUMN `__brflow_placeholder_2`']);
  });

  it('refuses a group holding a table that exists with another layout, and leaves that table alone', async () => {
    await client.close();
    client = new TidbClient({ ...cfg, sessions: 3 });
    await client.executeStatements(undefined, ['CREATE DATABASE shop']);
    await client.executeStatements('shop', ['CREATE TABLE orders_4 (id bigint NOT NULL PRIMARY KEY, c varchar(20) NOT NULL, d decimal(10,2))']);
    const before = front.catalog.table('shop', 'orders_4');
    const group = Array.from({ length: 9 }, (_, i) => ordersAs(`orders_${i}`));
    await expect(client.createTables(group)).rejects.toMatchObject({ type: ErrorType.TableExists, message: expect.stringContaining('shop.orders_4 already exists with a different layout') });
    expect(front.catalog.table('shop', 'orders_4')).toEqual(before);
  });

  it('refuses a created table whose column IDs differ from the backup (ColumnIdMismatch naming table and columns)', async () => {
    const backup = upstreamTable();
    await client.executeStatements(undefined, ['CREATE DATABASE shop']);
    // Rendered without the placeholder: TiDB numbers c and d 2 and 3.
    const naive = ['CREATE TABLE `orders` (`id` bigint NOT NULL, `c` varchar(20) NOT NULL, `d` decimal(10,2), PRIMARY KEY (`id`) /*T![clustered_index] CLUSTERED */, KEY `idx_c` (`c`))'];
    const err = await client.createTable({ db: 'shop', table: 'orders', statements: naive, backup }).catch((e: unknown) => e);
    expect(err).toMatchObject({ type: ErrorType.ColumnIdMismatch });
    expect((err as Error).message).toContain('shop.orders');
    expect((err as Error).message).toContain('c (backup id 3, downstream id 2)');
    expect((err as Error).message).toContain('d (backup id 4, downstream id 3)');
  });

  it('sets auto_increment and auto_random bases', async () => {
    await client.executeStatements(undefined, ['CREATE DATABASE a']);
    await client.executeStatements('a', [
      'CREATE TABLE inc (id int NOT NULL AUTO_INCREMENT, PRIMARY KEY (id) /*T![clustered_index] CLUSTERED */)',
      'CREATE TABLE rnd (id bigint NOT NULL /*T![auto_rand] AUTO_RANDOM(5) */, PRIMARY KEY (id) /*T![clustered_index] CLUSTERED */)',
    ]);
    await client.rebaseAutoIncrement('a', 'inc', 5001);
    await client.rebaseAutoIncrement('a', 'inc', 5001);
    await client.rebaseAutoRandom('a', 'rnd', '90000');
    expect(front.catalog.table('a', 'inc')?.auto_inc_id).toBe(5001);
    expect(front.catalog.table('a', 'rnd')?.auto_rand_id).toBe(90000);
    await expect(client.rebaseAutoRandom('a', 'inc', 1)).rejects.toMatchObject({ errno: 8216 });
  });

  it('replays DDL jobs in schema-version order with USE <schema> first, skipping TiFlash/lock jobs, and resumes', async () => {
    const job = (type: number, version: number, schema: string | undefined, query: string): DdlJob => ({
      id: version,
      type,
      schema_id: 0,
      table_id: 0,
      ...(schema !== undefined ? { schema_name: schema } : {}),
      query,
      binlog: { SchemaVersion: version },
    });
    const jobs = [
      job(5, 13, 'inc', 'ALTER TABLE t ADD COLUMN extra int'),
      job(1, 10, undefined, 'CREATE DATABASE inc'),
      job(3, 11, 'inc', 'CREATE TABLE t (id int PRIMARY KEY, v int)'),
      job(6, 12, 'inc', 'ALTER TABLE t DROP COLUMN v'),
      job(30, 14, 'inc', 'ALTER TABLE t SET TIFLASH REPLICA 1'),
      job(14, 15, 'inc', 'RENAME TABLE t TO t2'),
      job(11, 16, 'inc', 'TRUNCATE TABLE t2'),
    ];
    const done: number[] = [];
    const first = await client.replayDdlJobs(jobs.slice(0, 4), { onDone: (i) => done.push(i) });
    expect(first).toEqual({ executed: 4, skipped: 0 });
    expect(done).toEqual([0, 1, 2, 3]);
    const beforeTruncate = front.catalog.table('inc', 't') as TableInfo;
    // An earlier try finished the first four (in version order); resume from there with the whole list.
    const rest = await client.replayDdlJobs(jobs, { startAt: 4 });
    expect(rest).toEqual({ executed: 2, skipped: 1 });
    const t2 = front.catalog.table('inc', 't2') as TableInfo;
    expect(front.catalog.table('inc', 't')).toBeUndefined();
    expect(t2.cols.map((c) => [c.name.O, c.id])).toEqual([['id', 1], ['extra', 3]]);
    expect(t2.id).toBeGreaterThan(beforeTruncate.id);
    // Replaying a create job again is harmless (BR creates with OnExistIgnore).
    await client.replayDdlJobs([jobs[1] as DdlJob, jobs[2] as DdlJob].map((j) => ({ ...j, query: j.query.replace('TABLE t ', 'TABLE t2 ') })));
    expect(front.catalog.table('inc', 't2')).toEqual(t2);
  });

  it('restores system tables: REPLACE into existing mysql tables, RENAME new ones, skip stats/privileges, drop the temporary schema', async () => {
    await client.executeStatements(undefined, [`CREATE DATABASE ${TEMPORARY_MYSQL_DB}`]);
    await client.executeStatements(TEMPORARY_MYSQL_DB, [
      'CREATE TABLE opt_rule_blacklist (name char(100) NOT NULL)',
      "CREATE TABLE expr_pushdown_blacklist (name char(100) NOT NULL, store_type char(100) NOT NULL DEFAULT 'tikv,tiflash,tidb', reason varchar(200) DEFAULT NULL)",
      'CREATE TABLE brflow_custom (k int PRIMARY KEY, v text)',
      'CREATE TABLE stats_meta (version bigint unsigned NOT NULL, table_id bigint NOT NULL)',
      "CREATE TABLE user (Host char(255) NOT NULL DEFAULT '', User char(32) NOT NULL DEFAULT '')",
    ]);
    const customId = front.catalog.table(TEMPORARY_MYSQL_DB, 'brflow_custom')?.id;
    const tables = ['opt_rule_blacklist', 'expr_pushdown_blacklist', 'brflow_custom', 'stats_meta', 'user'];
    const result = await client.restoreSystemTables(tables);
    expect(result).toEqual({
      replaced: ['opt_rule_blacklist', 'expr_pushdown_blacklist'],
      renamed: ['brflow_custom'],
      skipped: [
        { table: 'stats_meta', reason: 'unsupported' },
        { table: 'user', reason: 'unrecoverable' },
      ],
    });
    expect(front.catalog.systemTableReplaces()).toEqual([
      { target: { db: 'mysql', table: 'opt_rule_blacklist' }, source: { db: TEMPORARY_MYSQL_DB, table: 'opt_rule_blacklist' } },
      { target: { db: 'mysql', table: 'expr_pushdown_blacklist' }, source: { db: TEMPORARY_MYSQL_DB, table: 'expr_pushdown_blacklist' } },
    ]);
    expect(front.catalog.table('mysql', 'brflow_custom')?.id).toBe(customId);
    expect(front.catalog.database(TEMPORARY_MYSQL_DB)).toBeUndefined();
    // Repeating it (an activity retry) finds nothing left to move and does no harm.
    const again = await client.restoreSystemTables(tables);
    expect(again.replaced).toEqual([]);
    expect(again.renamed).toEqual([]);
    expect(front.catalog.systemTableReplaces()).toHaveLength(2);
  });

  it('surfaces a DDL failure TiDB answers as a non-retryable TidbError naming the address', async () => {
    front.faults.failDdl(/^CREATE DATABASE/, { error: { errno: 8200, message: 'injected: DDL refused' } });
    const err = await client.executeStatements(undefined, ['CREATE DATABASE x']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TidbError);
    expect(err).toMatchObject({ errno: 8200, retryable: false });
    expect((err as Error).message).toContain(front.address);
    expect(front.catalog.database('x')).toBeUndefined();
  });

  it('retries the status API through a 5xx, and gives up naming the status address when it persists', async () => {
    await client.executeStatements(undefined, ['CREATE DATABASE st', 'CREATE TABLE st.t (a int)']);
    front.faults.failStatus(/^\/schema\/st\/t$/, 503, 2);
    expect((await client.tableInfo('st', 't'))?.id).toBe(front.catalog.table('st', 't')?.id);
    expect(front.faults.hits.filter((h) => h === 'GET /schema/st/t')).toHaveLength(2);
    front.faults.failStatus(/^\/schema\/st\/t$/, 500, 100);
    const quick = new TidbClient(cfg, { retry: { name: 'test', attempts: 3, initialMs: 10, maxMs: 10 } });
    const err = await quick.tableInfo('st', 't').catch((e: unknown) => e);
    await quick.close();
    expect(err).toMatchObject({ type: ErrorType.ClusterUnavailable, httpStatus: 500 });
    expect((err as Error).message).toContain(front.statusAddress);
    expect(front.faults.hits.filter((h) => h === 'GET /schema/st/t')).toHaveLength(5);
  });

  it('times out a statement that hangs, within the deadline', async () => {
    front.faults.delay(/^SELECT VERSION/, 3_000);
    const slow = new TidbClient({ ...cfg, timeoutMs: 300 }, { retry: { name: 'test', attempts: 1, initialMs: 10, maxMs: 10 } });
    const started = Date.now();
    const err = await slow.version().catch((e: unknown) => e);
    await slow.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(err).toMatchObject({ type: ErrorType.ClusterUnavailable, kind: 'deadline' });
  });

  it('honours TLS options: a client configured for TLS refuses a server without it', async () => {
    const tls = new TidbClient({ ...cfg, tls: { ca: Buffer.from('not a real CA') } });
    const err = await tls.version().catch((e: unknown) => e);
    await tls.close();
    expect(err).toMatchObject({ type: ErrorType.ClusterRejected, retryable: false });
    expect((err as Error).message).toMatch(/secure connection/i);
    expect(front.catalog.ddlJobs().filter((j) => j.schemaName !== 'mysql' && j.schemaName !== 'test')).toEqual([]);
  });

  it('rejects a wrong password without retrying and without echoing it', async () => {
    const bad = new TidbClient({ ...cfg, password: 'wrong-pw-123' });
    const err = await bad.version().catch((e: unknown) => e);
    await bad.close();
    expect(err).toMatchObject({ type: ErrorType.ClusterRejected, errno: 1045 });
    expect((err as Error).message).not.toContain('wrong-pw-123');
    expect((err as Error).message).not.toContain(PASSWORD);
  });
});

describe('TidbClient against dead addresses', () => {
  const fast = { name: 'test', attempts: 2, initialMs: 50, maxMs: 50 };

  it('fails within the deadline naming the address when nothing listens', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const client = new TidbClient({ host: '127.0.0.1', port, statusAddress: `127.0.0.1:${port}`, user: 'root', password: 'x', timeoutMs: 500 }, { retry: fast });
    const started = Date.now();
    const err = await client.version().catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(err).toMatchObject({ type: ErrorType.ClusterUnavailable, kind: 'unavailable' });
    expect((err as Error).message).toContain(`127.0.0.1:${port}`);
    await client.close();
  });

  it('fails within the deadline when the server accepts but never answers the handshake', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as AddressInfo).port;
    const client = new TidbClient({ host: '127.0.0.1', port, statusAddress: `127.0.0.1:${port}`, user: 'root', password: 'x', timeoutMs: 400 }, { retry: fast });
    const started = Date.now();
    const err = await client.version().catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    sockets.forEach((s) => s.destroy());
    await new Promise<void>((r) => silent.close(() => r()));
    await client.close();
    // Two tries of 400 ms plus one 50 ms pause.
    expect(elapsed).toBeLessThan(2_500);
    expect(err).toMatchObject({ type: ErrorType.ClusterUnavailable });
    expect((err as Error).message).toContain(`127.0.0.1:${port}`);
  });
});

describe('checkColumnIds', () => {
  it('accepts equal IDs whatever the column order and refuses differing, missing and extra columns', () => {
    const backup = upstreamTable();
    const same = structuredClone(backup);
    same.cols.reverse();
    expect(() => checkColumnIds(backup, same, 'shop')).not.toThrow();
    const other = structuredClone(backup);
    (other.cols[1] as { id: number }).id = 7;
    other.cols.pop();
    other.cols.push({ ...structuredClone(backup.cols[0]!), id: 9, name: { O: 'zz', L: 'zz' } });
    expect(() => checkColumnIds(backup, other, 'shop')).toThrow(
      'table shop.orders: column IDs differ from the backup: c (backup id 3, downstream id 7), d (backup id 4, missing downstream), zz (id 9 downstream, not in the backup)',
    );
  });
});
