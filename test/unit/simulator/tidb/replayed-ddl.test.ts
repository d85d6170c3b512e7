import { Catalog } from '../../../../src/simulator/tidb/catalog';
import { sqlErrorOf } from '../../../support/sql-error';

/** DDL jobs the simulated catalog replays as TiDB v8.5.3 stores them (values measured on the real server). */
describe('replayed DDL in the simulated catalog', () => {
  const catalog = (): Catalog => {
    const c = new Catalog();
    c.executeSql('CREATE DATABASE d');
    return c;
  };

  it('keeps sequences with TiDB defaults, exact 64-bit bounds and descending defaults', () => {
    const c = catalog();
    c.executeSql('CREATE SEQUENCE d.up');
    c.executeSql('CREATE SEQUENCE d.down INCREMENT -1 NOCACHE');
    expect(c.table('d', 'up')?.sequence).toEqual({
      sequence_start: 1n, sequence_cache: true, sequence_cycle: false, sequence_min_value: 1n, sequence_max_value: 9223372036854775806n,
      sequence_increment: 1n, sequence_cache_value: 1000n, sequence_comment: '',
    });
    expect(c.table('d', 'down')?.sequence).toMatchObject({ sequence_start: -1n, sequence_min_value: -9223372036854775807n, sequence_max_value: -1n, sequence_cache: false, sequence_cache_value: 0n });
    expect(sqlErrorOf(() => c.executeSql('CREATE SEQUENCE d.bad MINVALUE 10 START 5')).errno).toBe(4136);
  });

  it('gives a view untyped columns and the SELECT in TiDB\'s restored form', () => {
    const c = catalog();
    c.executeSql('CREATE TABLE d.t (a int, b int)');
    c.executeSql('CREATE VIEW d.v AS SELECT * FROM d.t');
    const v = c.table('d', 'v');
    expect(v?.cols.map((x) => [x.name.O, x.type.Tp])).toEqual([['a', 0], ['b', 0]]);
    expect((v?.view as { view_select: string }).view_select).toBe('SELECT `d`.`t`.`a` AS `a`,`d`.`t`.`b` AS `b` FROM `d`.`t`');
    expect(sqlErrorOf(() => c.executeSql('CREATE VIEW d.w AS SELECT a + 1 FROM d.t')).errno).toBe(1235);
  });

  it('resolves the names of a multi-spec ALTER against the table as it was', () => {
    const c = catalog();
    c.executeSql('CREATE TABLE d.t (a int)');
    expect(sqlErrorOf(() => c.executeSql('ALTER TABLE d.t ADD COLUMN b int, ADD INDEX ib (b)')).errno).toBe(1072);
    expect(sqlErrorOf(() => c.executeSql('ALTER TABLE d.t ADD COLUMN b int, ADD COLUMN b int')).errno).toBe(8200);
    expect(c.table('d', 't')?.cols).toHaveLength(1);
    c.executeSql('ALTER TABLE d.t ADD COLUMN b int, ADD INDEX ia (a)');
    expect(c.table('d', 't')?.index_info?.map((i) => i.idx_name.O)).toEqual(['ia']);
  });

  it('gives a truncated partition a new ID and keeps the target of a reorganisation', () => {
    const c = catalog();
    c.executeSql('CREATE TABLE d.p (id int) PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (10), PARTITION p1 VALUES LESS THAN (20))');
    const before = c.table('d', 'p')?.partition?.definitions.map((x) => x.id) ?? [];
    c.executeSql('ALTER TABLE d.p TRUNCATE PARTITION p1');
    const after = c.table('d', 'p')?.partition?.definitions.map((x) => x.id) ?? [];
    expect(after[0]).toBe(before[0]);
    expect(after[1]).toBeGreaterThan(Math.max(...before));
    c.executeSql('ALTER TABLE d.p REORGANIZE PARTITION p1 INTO (PARTITION p1a VALUES LESS THAN (15), PARTITION p1b VALUES LESS THAN (20))');
    expect(c.table('d', 'p')?.partition).toMatchObject({ num: 3, ddl_type: 1, ddl_expr: '`id`' });
  });
});
