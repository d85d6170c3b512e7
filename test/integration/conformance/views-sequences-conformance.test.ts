import { TidbClient } from '../../../src/cluster/tidb';
import type { TableInfo } from '../../../src/plan/table-info';
import { jsonDifferences, normaliseTableInfo } from './support/normalise';
import { answer, startTwoTidbs, statusGet, type Answer, type TidbUnderTest, type TwoTidbs } from './support/two-tidbs';

/**
 * Conformance of the simulated TiDB front with a real TiDB v8.5.3 for what brflow sends to restore views and
 * sequences: CREATE VIEW as view-sql.ts renders it (explicit DEFINER, SQL SECURITY, algorithm, column list, the
 * SELECT in TiDB's stored form with qualified columns, a check option) under the view's session charset
 * (TidbClient.createView), CREATE SEQUENCE as sequence-sql.ts renders it (ENGINE=InnoDB and the comment after
 * the options), and SETVAL/NEXTVAL answers: step grid, no-op SETVAL, CYCLE wrap, running out, wrong targets.
 */
jest.setTimeout(120_000);

let two: TwoTidbs;
const DB = 'conf_views_seq';

beforeAll(async () => {
  two = await startTwoTidbs();
  for (const t of [two.simulated, two.real]) {
    for (const sql of [`CREATE DATABASE ${DB}`, `USE ${DB}`, 'CREATE TABLE t (a int PRIMARY KEY, b varchar(10))']) {
      expect({ sql, answer: await answer(t, sql) }).toMatchObject({ sql, answer: { ok: true } });
    }
  }
});
afterAll(async () => {
  await two?.stop();
});

async function tableInfoOf(t: TidbUnderTest, table: string): Promise<TableInfo> {
  const res = await statusGet(t, `/schema/${DB}/${table}`);
  if (res.status !== 200) throw new Error(`${t.name} TiDB: GET /schema/${DB}/${table} answered ${res.status}: ${res.text}`);
  return res.body as TableInfo;
}

async function expectSameTable(table: string): Promise<void> {
  const diff = jsonDifferences(normaliseTableInfo(await tableInfoOf(two.simulated, table)), normaliseTableInfo(await tableInfoOf(two.real, table)));
  expect({ table, differences: diff }).toEqual({ table, differences: [] });
}

const VIEWS: [string, string][] = [
  ['v_named', 'CREATE ALGORITHM=MERGE DEFINER=`app`@`10.%` SQL SECURITY INVOKER VIEW `v_named` (`x`, `y`) AS SELECT `a` AS `a`,`b` AS `b` FROM `conf_views_seq`.`t`'],
  ['v_star', 'CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`%` SQL SECURITY DEFINER VIEW `v_star` (`a`, `b`) AS SELECT `conf_views_seq`.`t`.`a` AS `a`,`conf_views_seq`.`t`.`b` AS `b` FROM `conf_views_seq`.`t`'],
  ['v_over', 'CREATE ALGORITHM=TEMPTABLE DEFINER=`root`@`%` SQL SECURITY DEFINER VIEW `v_over` (`x`) AS SELECT `x` AS `x` FROM `conf_views_seq`.`v_named` WITH LOCAL CHECK OPTION'],
];

test.each(VIEWS)('CREATE VIEW %s as brflow renders it, under the view\'s session charset: the same TableInfo', async (name, sql) => {
  for (const t of [two.simulated, two.real]) {
    const client = new TidbClient(t.config);
    try {
      await client.createView(DB, sql, { charset: 'utf8mb4', collate: 'utf8mb4_general_ci' });
      // A second try meets the view and counts it as created.
      await client.createView(DB, sql, { charset: 'utf8mb4', collate: 'utf8mb4_general_ci' });
    } finally {
      await client.close();
    }
  }
  await expectSameTable(name);
  expect((await tableInfoOf(two.real, name)).collate).toBe('utf8mb4_general_ci');
});

test('CREATE SEQUENCE as brflow renders it: the same TableInfo; SETVAL and NEXTVAL answer alike', async () => {
  const statements = [
    "CREATE SEQUENCE `s_up` start with 5 minvalue 2 maxvalue 1000 increment by 3 cache 10 cycle ENGINE=InnoDB COMMENT='it''s up'",
    'CREATE SEQUENCE `s_down` start with -1 minvalue -20 maxvalue -1 increment by -4 nocache nocycle ENGINE=InnoDB',
    'CREATE SEQUENCE `s_default` start with 1 minvalue 1 maxvalue 9223372036854775806 increment by 1 cache 1000 nocycle ENGINE=InnoDB',
  ];
  const calls = [
    'SELECT SETVAL(s_up, 2) AS v', 'SELECT SETVAL(s_up, 1) AS v', 'SELECT NEXTVAL(s_up) AS v', 'SELECT NEXTVAL(s_up) AS v',
    'SELECT SETVAL(s_up, 6) AS v', 'SELECT SETVAL(s_up, 20) AS v', 'SELECT NEXTVAL(s_up) AS v', 'SELECT SETVAL(`conf_views_seq`.`s_up`, 1000) AS v',
    'SELECT NEXTVAL(s_up) AS v', 'SELECT NEXTVAL(s_up) AS v', 'SELECT SETVAL(s_up, 4) AS v', 'SELECT NEXTVAL(s_up) AS v',
    'SELECT SETVAL(s_down, 3) AS v', 'SELECT NEXTVAL(s_down) AS v', 'SELECT SETVAL(s_down, 0) AS v', 'SELECT SETVAL(s_down, -10) AS v',
    'SELECT NEXTVAL(s_down) AS v', 'SELECT NEXTVAL(s_down) AS v', 'SELECT NEXTVAL(`conf_views_seq`.`s_down`) AS v',
    'SELECT SETVAL(s_default, 0) AS v', 'SELECT NEXTVAL(s_default) AS v', 'SELECT SETVAL(s_default, 9007199254740993) AS v', 'SELECT NEXTVAL(s_default) AS v',
    'SELECT NEXTVAL(t) AS v', 'SELECT SETVAL(t, 1) AS v', 'SELECT NEXTVAL(no_such_sequence) AS v',
  ];
  const run = async (t: TidbUnderTest): Promise<{ sql: string; answer: Answer }[]> => {
    const out: { sql: string; answer: Answer }[] = [];
    for (const sql of [...statements, ...calls]) out.push({ sql, answer: await answer(t, sql) });
    return out;
  };
  const simulated = await run(two.simulated);
  const real = await run(two.real);
  expect(simulated).toEqual(real);
  console.log(JSON.stringify(real.map((r) => [r.sql.slice(0, 50), r.answer])));
  // The real answers are the behaviour brflow relies on: a SETVAL behind the sequence changes nothing, NEXTVAL
  // continues on the step grid past the value set.
  expect(real.find((r) => r.sql === 'SELECT NEXTVAL(s_up) AS v' && r.answer.ok)?.answer).toEqual({ ok: true, rows: [{ v: '5' }] });
  for (const s of ['s_up', 's_down', 's_default']) await expectSameTable(s);
});
