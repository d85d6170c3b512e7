import { createConnection } from 'mysql2/promise';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeBackup } from '../../../src/backup/generator/make-backup';
import { openStorage } from '../../../src/backup/open-storage';
import { readManifest } from '../../../src/backup/read-manifest';
import { TEMPORARY_MYSQL_DB, TidbClient, quoteId } from '../../../src/cluster/tidb';
import { TidbSchemaControl } from '../../../src/cluster/tidb-schema-control';
import { planColumnLayout } from '../../../src/plan/column-ids';
import { mergePlaceholderDrops } from '../../../src/plan/placeholder-drops';
import { planRestore, type RestorePlan } from '../../../src/plan/restore-plan';
import { createPolicySql, type PolicyInfo } from '../../../src/plan/placement-sql';
import { policyInfoFromMeta } from '../../support/tidb-meta-policy';
import { startTidbFront } from '../../../src/simulator/tidb/tidb-front';
import type { TableInfo } from '../../../src/plan/table-info';
import { DDL_CASES, REPLAYED_JOBS, ROUND_TRIP_SOURCES } from './support/ddl-cases';
import { ERROR_CASES } from './support/error-cases';
import { jsonDifferences, normaliseDbInfo, normaliseTableInfo } from './support/normalise';
import { answer, startTwoTidbs, statusGet, type Answer, type TidbUnderTest, type TwoTidbs } from './support/two-tidbs';

/**
 * Conformance of the simulated TiDB front with a real TiDB v8.5.3 (unistore): every statement, information_schema
 * read and status-API request brflow sends goes to both, and both must answer the same after normalising only
 * what legitimately differs (normalise.ts). DDL is compared through the TableInfo the status API reports, field by
 * field; queries by their rows; errors by MySQL error number and SQLSTATE.
 */
jest.setTimeout(120_000);

let two: TwoTidbs;
let dbCounter = 0;

beforeAll(async () => {
  two = await startTwoTidbs();
});
afterAll(async () => {
  await two?.stop();
});

const both = (): [TidbUnderTest, TidbUnderTest] => [two.simulated, two.real];

/** A database name no other case uses. */
function freshDb(prefix: string): string {
  dbCounter += 1;
  return `${prefix}_${dbCounter}`;
}

/** Runs `sql` on both TiDBs; returns the two answers (simulated, real). */
async function onBoth(sql: string): Promise<[Answer, Answer]> {
  const [s, r] = both();
  return [await answer(s, sql), await answer(r, sql)];
}

/** Runs statements in order on both; every answer must be the same kind (ok, or the same error) on both. */
async function runOnBoth(statements: readonly string[]): Promise<void> {
  for (const sql of statements) {
    const [s, r] = await onBoth(sql);
    const shape = (a: Answer) => (a.ok ? 'ok' : `error ${a.errno} (${a.sqlState})`);
    expect({ sql, simulated: shape(s) }).toEqual({ sql, simulated: shape(r) });
  }
}

async function tableInfoOf(t: TidbUnderTest, db: string, table: string): Promise<TableInfo> {
  const res = await statusGet(t, `/schema/${encodeURIComponent(db)}/${encodeURIComponent(table)}`);
  if (res.status !== 200) throw new Error(`${t.name} TiDB: GET /schema/${db}/${table} answered ${res.status}: ${res.text}`);
  return res.body as TableInfo;
}

/** The two TableInfos, normalised, must not differ in any field. */
async function expectSameTable(db: string, table: string): Promise<void> {
  const [s, r] = both();
  const diff = jsonDifferences(normaliseTableInfo(await tableInfoOf(s, db, table)), normaliseTableInfo(await tableInfoOf(r, db, table)));
  expect({ table: `${db}.${table}`, differences: diff }).toEqual({ table: `${db}.${table}`, differences: [] });
}

describe('DDL brflow sends: the same TableInfo on the simulated and the real TiDB', () => {
  test.each([
    ['utf8mb4_bin', '/*!40100 DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin */'],
    ['utf8mb4_general_ci', '/*!40100 DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci */'],
    ['latin1', '/*!40100 DEFAULT CHARACTER SET latin1 */'],
    ['gbk', '/*!40100 DEFAULT CHARACTER SET gbk COLLATE gbk_chinese_ci */'],
    ['binary', '/*!40100 DEFAULT CHARACTER SET binary */'],
  ])('CREATE DATABASE (createDatabaseSql) with %s: the same DBInfo', async (_name, options) => {
    const db = freshDb('dbcs');
    await runOnBoth([`CREATE DATABASE IF NOT EXISTS ${quoteId(db)} ${options}`]);
    const infos = await Promise.all(both().map(async (t) => normaliseDbInfo(((await statusGet(t, '/schema')).body as { db_name: { L: string } }[]).find((d) => d.db_name.L === db))));
    expect(infos[0]).toEqual(infos[1]);
    // A table written without a charset takes the database's.
    await runOnBoth([`CREATE TABLE ${quoteId(db)}.t (a varchar(5), b text, c enum('x','y'), d char(2) COLLATE utf8mb4_unicode_ci, e json)`]);
    await expectSameTable(db, 't');
  });

  test('placement (plan/placement-sql.ts statements): the same policies, DBInfo and TableInfo references, inheritance and errors', async () => {
    const db = freshDb('placement');
    const fast: PolicyInfo = { id: 0, name: { O: 'conf_fast', L: 'conf_fast' }, primary_region: 'us-east-1', regions: 'us-east-1,us-west-1', schedule: 'EVEN', followers: 4 };
    const ssd: PolicyInfo = { id: 0, name: { O: 'conf_ssd', L: 'conf_ssd' }, constraints: '[+disk=ssd]', leader_constraints: '[+region=r1]', follower_constraints: '{"+region=r1": 1}', survival_preferences: '[region, zone]' };
    const voters: PolicyInfo = { id: 0, name: { O: 'conf_voters', L: 'conf_voters' }, leader_constraints: '[+region=r1]', voters: 5, voter_constraints: '[+disk=ssd]', learners: 2, learner_constraints: '[+disk=hdd]' };
    await runOnBoth([
      ...[fast, ssd, voters].map(createPolicySql),
      // Repeated (a retried activity): IF NOT EXISTS keeps the first.
      createPolicySql(fast),
      `CREATE DATABASE ${quoteId(db)}`,
      `ALTER DATABASE ${quoteId(db)} PLACEMENT POLICY = \`conf_fast\``,
      `USE ${quoteId(db)}`,
      'CREATE TABLE t_inherit (id int PRIMARY KEY)',
      'CREATE TABLE t_own (id int PRIMARY KEY) PLACEMENT POLICY = conf_ssd',
      'CREATE TABLE t_none (id int PRIMARY KEY) PLACEMENT POLICY = DEFAULT',
      'CREATE TABLE t_parts (id int) PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (10), PARTITION p1 VALUES LESS THAN (20))',
      'ALTER TABLE `t_parts` PLACEMENT POLICY = DEFAULT',
      'ALTER TABLE `t_parts` PARTITION `p0` PLACEMENT POLICY = `conf_voters`',
      'ALTER TABLE `t_inherit` PLACEMENT POLICY = `conf_ssd`',
      'ALTER TABLE `t_own` PLACEMENT POLICY = DEFAULT',
    ]);
    for (const sql of ['ALTER TABLE `t_none` PLACEMENT POLICY = `nope`', 'CREATE PLACEMENT POLICY conf_fast FOLLOWERS=1', 'ALTER TABLE `t_parts` PARTITION `p9` PLACEMENT POLICY = `conf_ssd`', `ALTER DATABASE ${quoteId(db)} PLACEMENT POLICY = nope`]) {
      const [s, r] = await onBoth(sql);
      expect({ sql, simulated: s }).toEqual({ sql, simulated: r });
    }
    for (const t of ['t_inherit', 't_own', 't_none', 't_parts']) await expectSameTable(db, t);
    const infos = await Promise.all(both().map(async (t) => normaliseDbInfo(((await statusGet(t, '/schema')).body as { db_name: { L: string } }[]).find((d) => d.db_name.L === db))));
    expect(infos[0]).toEqual(infos[1]);
    expect((infos[1] as { policy_ref_info: { name: { O: string } } }).policy_ref_info.name.O).toBe('conf_fast');
    // The policies as TiDB's meta keeps them (what BR backs up) against the simulator's.
    const [ids] = await two.real.conn.query("SELECT POLICY_ID, POLICY_NAME FROM information_schema.placement_policies WHERE POLICY_NAME LIKE 'conf\\_%'");
    const real = await Promise.all((ids as { POLICY_ID: number }[]).map((r) => policyInfoFromMeta(two.real.statusAddress, Number(r.POLICY_ID))));
    const sim = real.map((p) => two.simulatedCatalog.placementPolicies.get(p.name.O));
    expect(sim).toEqual(real);
    expect(real.map((p) => p.name.O).sort()).toEqual(['conf_fast', 'conf_ssd', 'conf_voters']);
    // What the pre-check reads (TidbClient.placementPolicyNames): the policies by name as created.
    const names = await Promise.all(
      both().map(async (t) => {
        const client = new TidbClient(t.config);
        try {
          return (await client.placementPolicyNames()).filter((n) => n.startsWith('conf_')).sort();
        } finally {
          await client.close();
        }
      }),
    );
    expect(names[0]).toEqual(names[1]);
    expect(names[1]).toEqual(['conf_fast', 'conf_ssd', 'conf_voters']);
  });

  test('system-table restore (TidbClient.restoreSystemTables) and TiFlash replica statements', async () => {
    const temp = freshDb('__TiDB_BR_Temporary_mysql');
    await runOnBoth([
      `CREATE DATABASE ${quoteId(temp)}`,
      `CREATE TABLE ${quoteId(temp)}.bind_info LIKE mysql.bind_info`,
      `REPLACE INTO mysql.bind_info SELECT * FROM ${quoteId(temp)}.bind_info`,
      `CREATE TABLE ${quoteId(temp)}.brflow_extra (k varchar(64) NOT NULL, v text, PRIMARY KEY (k))`,
      `RENAME TABLE ${quoteId(temp)}.brflow_extra TO mysql.brflow_extra`,
      'ALTER TABLE mysql.brflow_extra SET TIFLASH REPLICA 0',
      `DROP DATABASE IF EXISTS ${quoteId(temp)}`,
      `DROP DATABASE IF EXISTS ${quoteId(temp)}`,
    ]);
    await expectSameTable('mysql', 'brflow_extra');
  });

  test.each(DDL_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const db = freshDb('ddl');
    await runOnBoth([`CREATE DATABASE ${quoteId(db)}`, `USE ${quoteId(db)}`, ...c.statements]);
    for (const t of c.tables) await expectSameTable(db, t);
  });
});

/** The parts of a TableInfo a restore must reproduce: columns (IDs, types, defaults) and indexes by name. */
function layoutOf(t: TableInfo): unknown {
  const n = normaliseTableInfo(t) as unknown as TableInfo;
  return { cols: n.cols, indexes: (n.index_info ?? []).map(({ id: _id, ...rest }) => rest), partition: n.partition, pk_is_handle: n.pk_is_handle, is_common_handle: n.is_common_handle, max_col_id: n.max_col_id };
}

describe('planned DDL of tables with a history: recreated alike on both TiDBs and equal to the original', () => {
  test.each(ROUND_TRIP_SOURCES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const source = freshDb('src');
    const target = freshDb('rt');
    for (const sql of [`CREATE DATABASE ${source}`, `USE ${source}`, ...c.statements]) expect({ sql, answer: await answer(two.real, sql) }).toMatchObject({ sql, answer: { ok: true } });
    const original = await tableInfoOf(two.real, source, c.table);
    expect(original.name.O).toBe(c.table);
    const layout = planColumnLayout(original);
    if (!layout.reproducible) throw new Error(`not reproducible: ${layout.reason}`);
    await runOnBoth([`CREATE DATABASE ${quoteId(target)}`, `USE ${quoteId(target)}`, ...layout.statements]);
    await expectSameTable(target, c.table);
    const recreated = await tableInfoOf(two.real, target, c.table);
    expect(jsonDifferences(layoutOf(recreated), layoutOf(original))).toEqual([]);
  });
});

describe('placeholder drops merged into one ALTER (plan/placeholder-drops.ts, what TidbClient.createTables sends)', () => {
  test('one multi-schema change leaves the same table on both TiDBs as the original: column IDs, index IDs, max IDs', async () => {
    const source = freshDb('src');
    const target = freshDb('md');
    const history = [
      `CREATE DATABASE ${source}`, `USE ${source}`,
      'CREATE TABLE gaps (id bigint PRIMARY KEY, a int, b varchar(10), c int, d int, e datetime, KEY k1 (a), KEY k2 (c))',
      'ALTER TABLE gaps DROP INDEX k1', 'ALTER TABLE gaps DROP COLUMN b', 'ALTER TABLE gaps DROP COLUMN d',
    ];
    for (const sql of history) expect({ sql, answer: await answer(two.real, sql) }).toMatchObject({ sql, answer: { ok: true } });
    const original = await tableInfoOf(two.real, source, 'gaps');
    const layout = planColumnLayout(original);
    if (!layout.reproducible) throw new Error(`not reproducible: ${layout.reason}`);
    const merged = mergePlaceholderDrops(layout.statements);
    // Three drops (index 1, columns 3 and 5) became one statement.
    expect(merged).toHaveLength(layout.statements.length - 2);
    expect(merged[merged.length - 1]).toBe('ALTER TABLE `gaps` DROP INDEX `__brflow_idx_1`, DROP COLUMN `__brflow_col_3`, DROP COLUMN `__brflow_col_5`');
    await runOnBoth([`CREATE DATABASE ${quoteId(target)}`, `USE ${quoteId(target)}`, ...merged]);
    await expectSameTable(target, 'gaps');
    const recreated = await tableInfoOf(two.real, target, 'gaps');
    expect(jsonDifferences(layoutOf(recreated), layoutOf(original))).toEqual([]);
    const ids = (t: TableInfo) => ({ cols: t.cols.map((c) => [c.name.L, c.id]), indexes: (t.index_info ?? []).map((i) => [i.idx_name.L, i.id]), max_col_id: t.max_col_id, max_idx_id: t.max_idx_id });
    expect(ids(recreated)).toEqual(ids(original));
    // A table of the same layout is made `CREATE TABLE … LIKE` this one (plan/layout-copies.ts): both TiDBs copy
    // the TableInfo with its column and index IDs, gaps included, instead of numbering afresh.
    await runOnBoth(['CREATE TABLE gaps_copy LIKE gaps']);
    await expectSameTable(target, 'gaps_copy');
    expect(ids(await tableInfoOf(two.real, target, 'gaps_copy'))).toEqual(ids(original));
  });
});

/**
 * The DDL the planner writes for a backup `make-backup` generated (both metadata layouts share the catalog, so
 * one suffices): every CREATE DATABASE and every table's statements run on both TiDBs; both must hold the same
 * tables, and these must have the generated TableInfo's layout, since a restore compares them.
 */
describe('planned DDL of a generated backup', () => {
  let dir: string;
  let plan: RestorePlan;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'brflow-conformance-'));
    const storage = openStorage(dir);
    await makeBackup(storage, { seed: 11, tables: 9, rows: 5, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false });
    plan = planRestore(await readManifest(storage));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('creates the same databases and tables on both, with the backup layout', async () => {
    expect(plan.tables.length).toBe(9);
    for (const d of plan.databases) await runOnBoth([d.createSql]);
    for (const d of plan.databases) {
      const [s, r] = await Promise.all(both().map((t) => statusGet(t, '/schema').then((res) => (res.body as { db_name: { L: string } }[]).find((x) => x.db_name.L === d.name.toLowerCase()))));
      expect(jsonDifferences(normaliseDbInfo(s), normaliseDbInfo(r))).toEqual([]);
    }
    for (const t of plan.tables) {
      if (!t.layout?.reproducible) throw new Error(`${t.db}.${t.name} is not reproducible`);
      await runOnBoth([`USE ${quoteId(t.db)}`, ...t.layout.statements]);
      await expectSameTable(t.db, t.name);
      const created = await tableInfoOf(two.real, t.db, t.name);
      expect({ table: `${t.db}.${t.name}`, differences: jsonDifferences(layoutOf(t.info), layoutOf(created)) }).toEqual({ table: `${t.db}.${t.name}`, differences: [] });
    }
  });

  test('TidbSchemaControl.createTable (the production path: adopt what exists, rebase auto IDs) answers alike', async () => {
    for (const t of plan.tables) {
      const infos = await Promise.all(
        both().map(async (side) => {
          const client = new TidbClient(side.config);
          try {
            return normaliseTableInfo(await new TidbSchemaControl(client).createTable(t));
          } finally {
            await client.close();
          }
        }),
      );
      expect({ table: `${t.db}.${t.name}`, differences: jsonDifferences(infos[0], infos[1]) }).toEqual({ table: `${t.db}.${t.name}`, differences: [] });
    }
  });
});

/** Tables of every row-handle kind, partitioned and not, for the information_schema and status-API reads. */
const READ_FIXTURE = [
  "CREATE TABLE ih (id bigint PRIMARY KEY CLUSTERED, v varchar(10), UNIQUE KEY uk_v (v), KEY idx_iv (id, v))",
  'CREATE TABLE ch (a varchar(10), b int, PRIMARY KEY (a, b) CLUSTERED, KEY idx_b (b))',
  'CREATE TABLE rw (a int, b int, PRIMARY KEY (a) NONCLUSTERED)',
  'CREATE TABLE pt (id int PRIMARY KEY, t date) PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (10), PARTITION p1 VALUES LESS THAN (MAXVALUE))',
  'CREATE TABLE nk (a int)',
];

describe('reads brflow makes: information_schema rows, TidbClient answers and the status API', () => {
  let db: string;
  const tableIds = new Map<string, Map<number, string>>();

  beforeAll(async () => {
    db = freshDb('reads');
    await runOnBoth([`CREATE DATABASE ${quoteId(db)}`, `USE ${quoteId(db)}`, ...READ_FIXTURE]);
    // Table and partition IDs come from each server's allocator: name them through its own status API.
    for (const t of both()) {
      const ids = new Map<number, string>();
      for (const info of (await statusGet(t, `/schema/${db}`)).body as TableInfo[]) {
        ids.set(info.id, `<id of ${info.name.O}>`);
        for (const p of info.partition?.definitions ?? []) ids.set(p.id, `<id of ${info.name.O}.${p.name.O}>`);
      }
      tableIds.set(t.name, ids);
    }
  });

  /** Rows with allocator IDs replaced by the object they name on that server, sorted (brflow's reads have no ORDER BY). */
  function normaliseRows(t: TidbUnderTest, rows: Record<string, unknown>[] | undefined, idColumns: string[]): string[] {
    const ids = tableIds.get(t.name) ?? new Map<number, string>();
    return (rows ?? [])
      .map((r) => {
        const o: Record<string, unknown> = { ...r };
        for (const c of idColumns) if (o[c] !== null && o[c] !== undefined) o[c] = ids.get(Number(o[c])) ?? `unknown id ${String(o[c])}`;
        return JSON.stringify(o);
      })
      .sort();
  }

  test('information_schema.TABLES and TIDB_INDEXES of a database holding a sequence and a view', async () => {
    const seqDb = freshDb('reads_seq');
    await runOnBoth([`CREATE DATABASE ${quoteId(seqDb)}`, `USE ${quoteId(seqDb)}`, 'CREATE TABLE t (a int PRIMARY KEY)', 'CREATE SEQUENCE s', 'CREATE VIEW v AS SELECT a FROM t']);
    for (const sql of [
      `SELECT TABLE_NAME, TABLE_TYPE, TIDB_PK_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA IN ('${seqDb}')`,
      `SELECT TABLE_NAME, KEY_NAME, INDEX_ID FROM information_schema.TIDB_INDEXES WHERE TABLE_SCHEMA IN ('${seqDb}')`,
    ]) {
      const [s, r] = await onBoth(sql);
      const sorted = (a: Answer) => (a.ok ? (a.rows ?? []).map((x) => JSON.stringify(x)).sort() : a);
      expect({ sql, rows: sorted(s) }).toEqual({ sql, rows: sorted(r) });
    }
  });

  test('information_schema.TIDB_INDEXES lists expression index parts as TiDB does', async () => {
    // Its own database: the fixture's is read whole by the handle-kind reads.
    const exprDb = freshDb('reads_expr');
    await runOnBoth([`CREATE DATABASE ${quoteId(exprDb)}`, `USE ${quoteId(exprDb)}`, 'CREATE TABLE ix_expr (a int, b varchar(8), KEY ke ((a + 1), b))']);
    const [s, r] = await onBoth(`SELECT KEY_NAME, SEQ_IN_INDEX, COLUMN_NAME, Expression, INDEX_ID FROM information_schema.TIDB_INDEXES WHERE TABLE_SCHEMA = '${exprDb}' AND TABLE_NAME = 'ix_expr'`);
    expect(s).toEqual(r);
  });

  const INFO_SCHEMA_READS: { name: string; sql: (db: string) => string; idColumns: string[] }[] = [
    { name: 'table IDs (readTableIds)', sql: (d) => `SELECT TABLE_NAME, TIDB_TABLE_ID FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${d}' AND TABLE_NAME IN ('ih', 'ch', 'rw', 'pt', 'nk', 'missing')`, idColumns: ['TIDB_TABLE_ID'] },
    { name: 'partition IDs (readTableIds)', sql: (d) => `SELECT TABLE_NAME, PARTITION_NAME, TIDB_PARTITION_ID FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = '${d}' AND TABLE_NAME IN ('ih', 'pt') ORDER BY PARTITION_ORDINAL_POSITION`, idColumns: ['TIDB_PARTITION_ID'] },
    { name: 'index IDs (readTableIds)', sql: (d) => `SELECT TABLE_NAME, KEY_NAME, INDEX_ID FROM information_schema.TIDB_INDEXES WHERE TABLE_SCHEMA = '${d}' AND TABLE_NAME IN ('ih', 'ch', 'rw', 'pt', 'nk')`, idColumns: [] },
    // Names in another case than the catalog's: createTables matches them without regard to case, as TiDB resolves names.
    { name: 'tables that exist, by name in any case (createTables)', sql: (d) => `SELECT TABLE_SCHEMA, TABLE_NAME, TIDB_TABLE_ID FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${d.toUpperCase()}' AND TABLE_NAME IN ('IH', 'Pt', 'nk', 'missing')`, idColumns: ['TIDB_TABLE_ID'] },
    { name: 'primary key types (readHandleKinds)', sql: (d) => `SELECT TABLE_SCHEMA, TABLE_NAME, TIDB_PK_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA IN ('${d}')`, idColumns: [] },
    { name: 'clustered primary keys (readHandleKinds)', sql: (d) => `SELECT TABLE_SCHEMA, TABLE_NAME, INDEX_ID FROM information_schema.TIDB_INDEXES WHERE TABLE_SCHEMA IN ('${d}') AND KEY_NAME = 'PRIMARY' AND CLUSTERED = 'YES'`, idColumns: [] },
  ];

  test.each(INFO_SCHEMA_READS.map((c) => [c.name, c] as const))('information_schema: %s', async (_name, c) => {
    const [s, r] = await onBoth(c.sql(db));
    expect(s.ok && r.ok).toBe(true);
    const rows = (a: Answer) => (a.ok ? a.rows : undefined);
    expect(normaliseRows(two.simulated, rows(s), c.idColumns)).toEqual(normaliseRows(two.real, rows(r), c.idColumns));
  });

  test('TidbClient.readTableIds and readHandleKinds answer alike', async () => {
    const answers = await Promise.all(
      both().map(async (t) => {
        const client = new TidbClient(t.config);
        try {
          const ids = tableIds.get(t.name) ?? new Map<number, string>();
          const tables = (await client.readTableIds(db, ['ih', 'ch', 'rw', 'pt', 'nk', 'missing']))
            .map((x) => ({ ...x, tableId: ids.get(x.tableId), partitions: x.partitions.map((p) => ({ ...p, id: ids.get(p.id) })), indexes: [...x.indexes].sort((a, b) => a.name.localeCompare(b.name)) }))
            .sort((a, b) => a.table.localeCompare(b.table));
          const kinds = (await client.readHandleKinds([db, 'no_such_db'])).sort((a, b) => a.name.localeCompare(b.name));
          return { tables, kinds };
        } finally {
          await client.close();
        }
      }),
    );
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[1]?.kinds.map((k) => `${k.name}:${k.kind}`)).toEqual(['ch:clustered', 'ih:int-handle', 'nk:rowid', 'pt:int-handle', 'rw:rowid']);
  });

  test('version and the clustered-index default', async () => {
    const [s, r] = await onBoth('SELECT VERSION() AS v, tidb_version() AS t, @@tidb_enable_clustered_index AS ci');
    const firstLine = (a: Answer) => (a.ok ? a.rows?.map((row) => ({ ...row, t: String(row.t).split('\n')[0] })) : a);
    expect(firstLine(s)).toEqual(firstLine(r));
  });

  test("mysql.tidb new_collation_enabled (what the pre-check compares with the backup's new_collations_enabled): the same row, and TidbClient reads the same", async () => {
    for (const sql of [
      "SELECT VARIABLE_VALUE FROM mysql.tidb WHERE VARIABLE_NAME = 'new_collation_enabled'",
      "SELECT VARIABLE_NAME, VARIABLE_VALUE, COMMENT FROM mysql.tidb WHERE VARIABLE_NAME = 'new_collation_enabled'",
    ]) {
      const [s, r] = await onBoth(sql);
      expect({ sql, answer: s }).toEqual({ sql, answer: r });
    }
    const read = await Promise.all(both().map(async (t) => {
      const client = new TidbClient(t.config);
      try {
        return await client.newCollationEnabled();
      } finally {
        await client.close();
      }
    }));
    expect(read).toEqual(['True', 'True']);
  });

  test('system variables the simulator serves: the same values and types (version_comment names the simulator)', async () => {
    const names = ['version', 'tidb_enable_clustered_index', 'sql_mode', 'autocommit', 'max_allowed_packet', 'character_set_client', 'character_set_connection',
      'character_set_results', 'character_set_server', 'collation_connection', 'collation_server', 'time_zone', 'lower_case_table_names',
      'tidb_row_format_version', 'tidb_ddl_reorg_worker_cnt', 'tidb_enable_fast_create_table', 'max_execution_time', 'wait_timeout'];
    const [s, r] = await onBoth(`SELECT ${names.map((n) => `@@${n} AS ${n}`).join(', ')}`);
    expect(s).toEqual(r);
  });

  test('status API: /status, /schema, /schema/{db}, /schema/{db}/{table}, /db-table/{id}', async () => {
    const [s, r] = both();
    const status = await Promise.all([statusGet(s, '/status'), statusGet(r, '/status')]);
    const shape = (x: { status: number; body: unknown }) => ({ status: x.status, keys: Object.keys(x.body as object).sort(), version: (x.body as { version: string }).version });
    expect(shape(status[0])).toEqual(shape(status[1]));

    const listed = await Promise.all(both().map((t) => statusGet(t, `/schema/${db}`)));
    const byName = (x: { body: unknown }) => (x.body as TableInfo[]).map(normaliseTableInfo).sort((a, b) => String((a.name as { L: string }).L).localeCompare(String((b.name as { L: string }).L)));
    expect(jsonDifferences(byName(listed[0]!), byName(listed[1]!))).toEqual([]);

    const dbs = await Promise.all(both().map((t) => statusGet(t, '/schema')));
    const ours = (x: { body: unknown }) => normaliseDbInfo((x.body as { db_name: { L: string } }[]).find((d) => d.db_name.L === db));
    expect(ours(dbs[0]!)).toEqual(ours(dbs[1]!));

    const byId = await Promise.all(
      both().map(async (t) => {
        const info = (await statusGet(t, `/schema/${db}/pt`)).body as TableInfo;
        const res = await statusGet(t, `/db-table/${info.id}`);
        const body = res.body as { db_info: unknown; table_info: unknown };
        return { status: res.status, db_info: normaliseDbInfo(body.db_info), table_info: normaliseTableInfo(body.table_info) };
      }),
    );
    expect(jsonDifferences(byId[0], byId[1])).toEqual([]);
  });

  test('status API: /schema?table_ids= gives TableInfos by table ID; a partition ID gives its table; unknown and malformed IDs are left out', async () => {
    const answers = await Promise.all(
      both().map(async (t) => {
        const byName = new Map(((await statusGet(t, `/schema/${db}`)).body as TableInfo[]).map((i) => [i.name.L, i]));
        const [ih, pt, nk] = [byName.get('ih')!, byName.get('pt')!, byName.get('nk')!];
        const ask = async (list: string) => {
          const res = await statusGet(t, `/schema?table_ids=${encodeURIComponent(list)}`);
          if (res.status !== 200) return { status: res.status, text: res.text.trim() };
          const body = res.body as Record<string, TableInfo>;
          // Keys are the tables' own IDs: named here by the table they belong to on that server.
          return { status: res.status, tables: Object.entries(body).map(([k, v]) => [Number(k) === v.id ? v.name.O : `key ${k} is not the table's id`, normaliseTableInfo(v)]).sort() };
        };
        return {
          several: await ask(`${ih.id},${nk.id}`),
          partitionId: await ask(String(pt.partition!.definitions[1]!.id)),
          withUnknownAndMalformed: await ask(`${ih.id},999999999,abc,,${ih.id}`),
          noneHeld: await ask('999999999,abc'),
        };
      }),
    );
    expect(jsonDifferences(answers[0], answers[1])).toEqual([]);
    expect(answers[1]!.noneHeld).toEqual({ status: 400, text: 'All tables are not found' });
    expect(answers[1]!.partitionId.tables?.map((x) => x[0])).toEqual(['pt']);
  });

  test('status API: names are matched case-insensitively', async () => {
    const answers = await Promise.all(both().map((t) => statusGet(t, `/schema/${db.toUpperCase()}/PT`)));
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(jsonDifferences(normaliseTableInfo(answers[0]?.body), normaliseTableInfo(answers[1]?.body))).toEqual([]);
  });

  test.each([
    ['a missing table', () => `/schema/${db}/missing`, /\[schema:1146\]/],
    // v8.5.3 reports a table of a missing database as a missing table (brflow accepts both codes).
    ['a table of a missing database', () => '/schema/no_such_db/t', /\[schema:1146\]/],
    ['a missing database', () => '/schema/no_such_db', /\[schema:1049\]/],
  ])('status API: %s answers 400 with the TiDB error code brflow matches on', async (_name, path, code) => {
    const answers = await Promise.all(both().map((t) => statusGet(t, path())));
    for (const a of answers) expect({ status: a.status, text: a.text }).toEqual({ status: 400, text: expect.stringMatching(code) });
  });
});

describe('errors: the same MySQL error number and SQLSTATE from both', () => {
  let db: string;
  beforeAll(async () => {
    db = freshDb('errors');
    await runOnBoth([
      `CREATE DATABASE ${quoteId(db)}`, `USE ${quoteId(db)}`, 'CREATE TABLE t (a int, KEY idx_a (a))',
      'CREATE TABLE pt (id int) PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (10))', 'CREATE TABLE ph (id int) PARTITION BY HASH (id) PARTITIONS 2',
    ]);
  });

  test.each(ERROR_CASES)('%s', async (_name, sql) => {
    await runOnBoth([`USE ${quoteId(db)}`]);
    const [s, r] = await onBoth(sql);
    expect(r.ok).toBe(false);
    expect({ sql, answer: s }).toEqual({ sql, answer: r });
  });

  test('a wrong password (tidb-errors.ts names the credentials variables on 1045)', async () => {
    // The default front accepts any password; one with root's real (empty) password refuses a wrong one.
    const strict = await startTidbFront({ users: { root: '' } });
    try {
      const answers = await Promise.all(
        [strict.address, two.real.config].map(async (target) => {
          const [host, port] = typeof target === 'string' ? (target.split(':') as [string, string]) : [target.host, String(target.port)];
          try {
            const conn = await createConnection({ host, port: Number(port), user: 'root', password: 'wrong' });
            await conn.end();
            return { ok: true };
          } catch (e) {
            const err = e as { errno?: number; sqlState?: string };
            return { ok: false, errno: err.errno, sqlState: err.sqlState };
          }
        }),
      );
      expect(answers[0]).toEqual(answers[1]);
      expect(answers[1]).toEqual({ ok: false, errno: 1045, sqlState: '28000' });
    } finally {
      await strict.stop();
    }
  });

  test('a statement naming no table of a database, before any USE', async () => {
    const answers = await Promise.all(
      both().map(async (t) => {
        const conn = await createConnection({ host: t.config.host, port: t.config.port, user: 'root', password: '' });
        try {
          return await answer({ ...t, conn }, 'CREATE TABLE t (a int)');
        } finally {
          await conn.end();
        }
      }),
    );
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[1]).toMatchObject({ ok: false, errno: 1046 });
  });
});

describe('replayed DDL jobs (the query text TiDB recorded): the same TableInfo on both', () => {
  test.each(REPLAYED_JOBS.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const db = freshDb('replay');
    await runOnBoth([`CREATE DATABASE ${quoteId(db)}`, `USE ${quoteId(db)}`, ...c.statements]);
    for (const t of c.tables) await expectSameTable(db, t);
  });
});

/**
 * An incremental restore replays the backup's DDL jobs (TidbClient.replayDdlJobs) over the tables of the full
 * backup: on both TiDBs the jobs must succeed and leave the same tables, with the layout the incremental backup
 * recorded.
 */
describe('DDL jobs of a generated incremental backup, replayed by TidbClient', () => {
  let dir: string;
  let full: RestorePlan;
  let inc: RestorePlan;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'brflow-conformance-inc-'));
    const gen = { seed: 13, tables: 8, rows: 5, metaVersion: 2, compression: 'zstd', withSysTables: false } as const;
    await makeBackup(openStorage(join(dir, 'full')), { ...gen, incremental: false });
    await makeBackup(openStorage(join(dir, 'inc')), { ...gen, incremental: true });
    full = planRestore(await readManifest(openStorage(join(dir, 'full'))));
    inc = planRestore(await readManifest(openStorage(join(dir, 'inc'))));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('the jobs replay on both and leave the same tables, as the incremental backup recorded them', async () => {
    expect(inc.ddlJobs.length).toBeGreaterThan(0);
    const dbs = [...new Set([...full.databases, ...inc.databases].map((d) => d.name))];
    // The generated database names are fixed: start from none of them.
    await runOnBoth(dbs.map((d) => `DROP DATABASE IF EXISTS ${quoteId(d)}`));
    for (const d of full.databases) await runOnBoth([d.createSql]);
    for (const t of full.tables) if (t.layout?.reproducible) await runOnBoth([`USE ${quoteId(t.db)}`, ...t.layout.statements]);
    for (const t of both()) {
      const client = new TidbClient(t.config);
      try {
        await client.replayDdlJobs(inc.ddlJobs);
      } finally {
        await client.close();
      }
    }
    for (const t of inc.tables) {
      await expectSameTable(t.db, t.name);
      const created = await tableInfoOf(two.real, t.db, t.name);
      expect({ table: `${t.db}.${t.name}`, differences: jsonDifferences(layoutOf(t.info), layoutOf(created)) }).toEqual({ table: `${t.db}.${t.name}`, differences: [] });
    }
  });
});

/**
 * A generated backup with `mysql.*` tables: its planned DDL recreates them in BR's temporary schema on both TiDBs,
 * then TidbClient.restoreSystemTables moves them into `mysql`; both must report the same moves and skips.
 */
describe('system tables of a generated backup, restored by TidbClient', () => {
  let dir: string;
  let plan: RestorePlan;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'brflow-conformance-sys-'));
    await makeBackup(openStorage(dir), { seed: 17, tables: 1, rows: 3, metaVersion: 1, compression: 'lz4', incremental: false, withSysTables: true });
    plan = planRestore(await readManifest(openStorage(dir)), { filters: ['*.*', 'mysql.*'] });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('the bootstrap tables BR restores into match, and both move and skip the same tables', async () => {
    for (const t of ['bind_info', 'expr_pushdown_blacklist', 'opt_rule_blacklist']) await expectSameTable('mysql', t);
    const sys = plan.tables.filter((t) => t.db.toLowerCase() === TEMPORARY_MYSQL_DB.toLowerCase());
    expect(sys.length).toBeGreaterThan(0);
    for (const d of plan.databases.filter((x) => x.name.toLowerCase() === TEMPORARY_MYSQL_DB.toLowerCase())) await runOnBoth([d.createSql]);
    for (const t of sys) if (t.layout?.reproducible) await runOnBoth([`USE ${quoteId(t.db)}`, ...t.layout.statements]);
    const outcomes = await Promise.all(
      both().map(async (t) => {
        const client = new TidbClient(t.config);
        try {
          return await client.restoreSystemTables(sys.map((x) => x.name));
        } finally {
          await client.close();
        }
      }),
    );
    expect(outcomes[0]).toEqual(outcomes[1]);
    expect(outcomes[1]?.replaced).toContain('expr_pushdown_blacklist');
    for (const t of both()) expect((await statusGet(t, `/schema/${TEMPORARY_MYSQL_DB}`)).status).toBe(400);
  });
});
