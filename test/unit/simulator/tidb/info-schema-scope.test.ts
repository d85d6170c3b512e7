import { Catalog } from '../../../../src/simulator/tidb/catalog';
import { selectInfoSchema } from '../../../../src/simulator/tidb/info-schema';
import { parseStatement } from '../../../../src/simulator/tidb/sql-parser';

function select(c: Catalog, sql: string): unknown[][] {
  const stmt = parseStatement(sql);
  if (stmt.kind !== 'select') throw new Error(`not a SELECT: ${sql}`);
  return selectInfoSchema(c, stmt.select).rows;
}

function catalogOfMany(): Catalog {
  const c = new Catalog({ firstUserId: 1000 });
  for (const db of ['Shop', 'other']) {
    c.executeSql(`CREATE DATABASE ${db}`);
    for (let i = 0; i < 30; i++) c.executeSql(`CREATE TABLE ${db}.T${i} (a int primary key, b int, key kb (b))`);
    c.executeSql(`CREATE TABLE ${db}.p (a int) PARTITION BY HASH (a) PARTITIONS 2`);
  }
  return c;
}

describe('information_schema reads of some tables (as createTables reads IDs a group at a time)', () => {
  it('answers the same rows, in the same order, as filtering every table of the catalog', () => {
    const c = catalogOfMany();
    // Case-insensitive names, as lower_case_table_names = 2 compares them; a name in no database matches nothing.
    const where = "TABLE_SCHEMA = 'SHOP' AND TABLE_NAME IN ('t3', 'T1', 'P', 'nope')";
    for (const [table, cols] of [['TABLES', 'TABLE_SCHEMA, TABLE_NAME, TIDB_TABLE_ID'], ['PARTITIONS', 'TABLE_NAME, PARTITION_NAME, TIDB_PARTITION_ID'], ['TIDB_INDEXES', 'TABLE_NAME, KEY_NAME, INDEX_ID']] as const) {
      const all = select(c, `SELECT TABLE_SCHEMA, TABLE_NAME, ${cols} FROM information_schema.${table}`);
      const expected = all.filter((r) => r[0] === 'Shop' && ['t3', 't1', 'p'].includes(String(r[1]).toLowerCase())).map((r) => r.slice(2));
      expect(expected.length).toBeGreaterThanOrEqual(3);
      expect(select(c, `SELECT ${cols} FROM information_schema.${table} WHERE ${where}`)).toEqual(expected);
    }
    expect(select(c, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop' AND TABLE_NAME = 't7'")).toEqual([['T7']]);
    // Conditions on one column intersect: no table is both.
    expect(select(c, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_NAME = 't1' AND TABLE_NAME = 't2'")).toEqual([]);
    // Without a schema condition every database is searched; LIKE does not narrow what is built.
    expect(select(c, "SELECT TABLE_SCHEMA FROM information_schema.TABLES WHERE TABLE_NAME IN ('t2')")).toEqual([['Shop'], ['other']]);
    expect(select(c, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'other' AND TABLE_NAME LIKE 't2%'")).toHaveLength(11);
  });

  it('sees tables created, renamed and dropped since the last read', () => {
    const c = catalogOfMany();
    const ids = () => select(c, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop' AND TABLE_NAME IN ('t1', 'fresh', 'moved')").map((r) => r[0]);
    expect(ids()).toEqual(['T1']);
    c.executeSql('CREATE TABLE shop.fresh (a int)');
    c.executeSql('RENAME TABLE shop.T1 TO shop.moved');
    expect(ids()).toEqual(['fresh', 'moved']);
    c.executeSql('DROP TABLE shop.fresh');
    expect(ids()).toEqual(['moved']);
  });
});
