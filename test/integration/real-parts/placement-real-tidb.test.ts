import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import { TidbClient } from '../../../src/cluster/tidb';
import { TidbSchemaControl } from '../../../src/cluster/tidb-schema-control';
import type { RealTidb } from '../../../src/local-stack/real-tidb';
import type { PolicyInfo } from '../../../src/plan/placement-sql';
import { assertPlanRestorable, planRestore, type RestorePlan } from '../../../src/plan/restore-plan';
import type { DBInfo, TableInfo } from '../../../src/plan/table-info';
import { ManifestBuilder } from '../../unit/plan/manifest-builder';
import { realTidbConfig, startRealTidbForTest } from '../../support/real-parts';
import { policyInfoFromMeta } from '../../support/tidb-meta-policy';

/**
 * Placement policies and non-default charsets/collations round-trip through brflow on the real TiDB v8.5.3
 * (unistore accepts placement DDL; SHOW PLACEMENT reports the rules as PENDING without PD). The objects are made
 * there; the policies' model.PolicyInfo is read from TiDB's meta (what BR puts in backupmeta `policies`), the
 * DBInfo/TableInfo from the status API; everything is dropped and recreated by the planner + TidbSchemaControl
 * (the production path). SHOW CREATE PLACEMENT POLICY, SHOW CREATE DATABASE, SHOW CREATE TABLE and SHOW PLACEMENT
 * must equal the original's.
 */
jest.setTimeout(120_000);

const POLICIES = [
  "CREATE PLACEMENT POLICY p_fast PRIMARY_REGION='us-east-1' REGIONS='us-east-1,us-west-1' SCHEDULE='EVEN' FOLLOWERS=4",
  `CREATE PLACEMENT POLICY p_ssd CONSTRAINTS='[+disk=ssd]' LEADER_CONSTRAINTS='[+region=us-east-1]' FOLLOWER_CONSTRAINTS='{"+region=us-east-1": 1}' SURVIVAL_PREFERENCES='[region, zone]'`,
  "CREATE PLACEMENT POLICY p_voters LEADER_CONSTRAINTS='[+region=r1]' VOTERS=5 VOTER_CONSTRAINTS='[+disk=ssd]' LEARNERS=2 LEARNER_CONSTRAINTS='[+disk=hdd]'",
  // Not referenced by anything: a full restore creates it all the same (BR's full restore creates every policy).
  "CREATE PLACEMENT POLICY p_unused FOLLOWERS=1",
];
const OBJECTS = [
  'CREATE DATABASE geo PLACEMENT POLICY = p_fast',
  'CREATE TABLE geo.t_own (id int PRIMARY KEY, v varchar(10)) PLACEMENT POLICY = p_ssd',
  // Inherits the database's policy into its own TableInfo at creation.
  'CREATE TABLE geo.t_inherit (id int PRIMARY KEY)',
  // Explicitly none in a database with a default policy.
  'CREATE TABLE geo.t_none (id int PRIMARY KEY) PLACEMENT POLICY = DEFAULT',
  `CREATE TABLE geo.t_parts (id int, v varchar(10)) PLACEMENT POLICY = DEFAULT
     PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (10) PLACEMENT POLICY = p_voters, PARTITION p1 VALUES LESS THAN (20), PARTITION p2 VALUES LESS THAN (30) PLACEMENT POLICY = p_ssd)`,
  'CREATE DATABASE cs DEFAULT CHARACTER SET latin1',
  `CREATE TABLE cs.mixed (id int PRIMARY KEY, g varchar(10) COLLATE utf8mb4_general_ci, u varchar(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci,
     l varchar(10) CHARACTER SET latin1, k char(4) CHARACTER SET gbk, k2 varchar(4) CHARACTER SET gbk COLLATE gbk_bin, b varbinary(8), bl blob,
     u3 varchar(5) CHARACTER SET utf8 COLLATE utf8_general_ci, a varchar(3) CHARACTER SET ascii, e enum('x','y') CHARACTER SET latin1) DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_general_ci`,
  'CREATE TABLE cs.unicode_tbl (id int PRIMARY KEY, s text) DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci',
  'CREATE TABLE cs.bin_tbl (id int PRIMARY KEY, s text, c char(3)) DEFAULT CHARSET = binary',
  'CREATE TABLE cs.latin_tbl (id int PRIMARY KEY, s varchar(20), t text CHARACTER SET utf8mb4)',
  'CREATE TABLE cs.gbk_tbl (id int PRIMARY KEY, s varchar(20), t varchar(5) COLLATE gbk_bin) DEFAULT CHARSET = gbk',
];
const TABLES: Record<string, string[]> = { geo: ['t_own', 't_inherit', 't_none', 't_parts'], cs: ['mixed', 'unicode_tbl', 'bin_tbl', 'latin_tbl', 'gbk_tbl'] };

let tidb: RealTidb;
let sql: Connection;

async function statusJson<T>(path: string): Promise<T> {
  const res = await fetch(`http://${tidb.statusAddress}${path}`);
  if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
  return (await res.json()) as T;
}

async function rows(q: string): Promise<RowDataPacket[]> {
  return (await sql.query<RowDataPacket[]>(q))[0];
}

/** What a user sees of the placement and charsets: every SHOW the restore must reproduce. */
async function snapshot() {
  const policies: Record<string, string> = {};
  for (const r of await rows('SELECT POLICY_NAME FROM information_schema.placement_policies ORDER BY POLICY_NAME')) {
    const name = String(r['POLICY_NAME']);
    policies[name] = String((await rows(`SHOW CREATE PLACEMENT POLICY \`${name}\``))[0]!['Create Policy']);
  }
  const databases: Record<string, string> = {};
  const tables: Record<string, string> = {};
  for (const [db, names] of Object.entries(TABLES)) {
    databases[db] = String((await rows(`SHOW CREATE DATABASE \`${db}\``))[0]!['Create Database']);
    for (const t of names) tables[`${db}.${t}`] = String((await rows(`SHOW CREATE TABLE \`${db}\`.\`${t}\``))[0]!['Create Table']);
  }
  // Sorted: TiDB lists objects in ID order, and the restore creates tables in name order.
  const placement = (await rows('SHOW PLACEMENT')).map((r) => `${String(r['Target'])} | ${String(r['Placement'])} | ${String(r['Scheduling_State'])}`).sort();
  return { policies, databases, tables, placement };
}

/** The backup BR would take: policies from TiDB's meta, DBInfo and TableInfo from the status API. */
async function backupManifest() {
  const b = new ManifestBuilder();
  const ids = (await rows('SELECT POLICY_ID FROM information_schema.placement_policies')).map((r) => Number(r['POLICY_ID']));
  const policies: PolicyInfo[] = [];
  for (const id of ids) policies.push(await policyInfoFromMeta(tidb.statusAddress, id));
  b.policies(policies);
  const dbs = await statusJson<DBInfo[]>('/schema');
  for (const [db, names] of Object.entries(TABLES)) {
    b.dbInfo(dbs.find((d) => d.db_name.L === db)!);
    for (const t of names) b.table(db, await statusJson<TableInfo>(`/schema/${db}/${t}`));
  }
  return b.build();
}

async function recreate(plan: RestorePlan): Promise<void> {
  const client = new TidbClient(realTidbConfig(tidb));
  try {
    const control = new TidbSchemaControl(client);
    await control.createPlacementPolicies(plan.placementPolicies ?? []);
    for (const d of plan.databases) await control.createDatabase(d);
    for (const t of plan.tables) await control.createTable(t);
  } finally {
    await client.close();
  }
}

async function dropAll(): Promise<void> {
  for (const db of Object.keys(TABLES)) await sql.query(`DROP DATABASE IF EXISTS \`${db}\``);
  for (const r of await rows('SELECT POLICY_NAME FROM information_schema.placement_policies')) await sql.query(`DROP PLACEMENT POLICY \`${String(r['POLICY_NAME'])}\``);
}

beforeAll(async () => {
  tidb = await startRealTidbForTest();
  const [host, port] = tidb.address.split(':') as [string, string];
  sql = await createConnection({ host, port: Number(port), user: 'root' });
  for (const s of [...POLICIES, ...OBJECTS]) await sql.query(s);
});
afterAll(async () => {
  await sql?.end();
  await tidb?.stop();
});

test('placement policies (all options), database/table/partition references and charsets/collations come back with equal SHOW output', async () => {
  const original = await snapshot();
  // The source is what the test means it to be.
  expect(original.tables['geo.t_inherit']).toContain('/*T![placement] PLACEMENT POLICY=`p_fast` */');
  expect(original.tables['geo.t_none']).not.toContain('PLACEMENT');
  expect(original.tables['geo.t_parts']).toContain('PARTITION `p0` VALUES LESS THAN (10) /*T![placement] PLACEMENT POLICY=`p_voters` */');
  expect(original.databases['geo']).toContain('/*T![placement] PLACEMENT POLICY=`p_fast` */');
  expect(original.tables['cs.mixed']).toContain('CHARACTER SET gbk');
  expect(original.placement.length).toBeGreaterThanOrEqual(9);

  const manifest = await backupManifest();
  // As the restore workflow plans (PlanRef allPolicies): every policy of the backup.
  const plan = planRestore(manifest, { allPolicies: true });
  expect(() => assertPlanRestorable(plan)).not.toThrow();
  // brflow's policy text is TiDB's own SHOW CREATE PLACEMENT POLICY, made repeatable.
  expect(Object.fromEntries((plan.placementPolicies ?? []).map((p) => [p.name, p.createSql.replace('IF NOT EXISTS ', '')]))).toEqual(original.policies);
  expect(plan.summary.skipped).toBeUndefined();

  await dropAll();
  expect(await rows('SHOW PLACEMENT')).toEqual([]);
  await recreate(plan);
  expect(await snapshot()).toEqual(original);

  // Run again (a retried activity): everything exists, nothing changes.
  await recreate(plan);
  expect(await snapshot()).toEqual(original);
});

test('placementMode ignore (skip placement): no policy is created, every object comes back without one, and the plan counts them', async () => {
  const original = await snapshot();
  const manifest = await backupManifest();
  const plan = planRestore(manifest, { skip: ['placement'] });
  expect(plan.placementPolicies).toBeUndefined();
  // The database's default, t_own's, t_inherit's (inherited into its TableInfo) and two partitions'.
  expect(plan.summary.skipped).toEqual({ placement: 5 });
  await dropAll();
  await recreate(plan);
  const restored = await snapshot();
  expect(restored.policies).toEqual({});
  expect(restored.placement).toEqual([]);
  expect(restored.databases['geo']).not.toContain('PLACEMENT');
  for (const [name, create] of Object.entries(restored.tables)) {
    expect({ name, create }).toEqual({ name, create: original.tables[name]!.replace(/ \/\*T!\[placement\] PLACEMENT POLICY=`\w+` \*\//g, '') });
  }
});
