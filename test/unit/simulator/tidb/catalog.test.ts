import { MysqlFlag, MysqlType, type TableInfo } from '../../../../src/plan/table-info';
import { Catalog } from '../../../../src/simulator/tidb/catalog';
import { sqlErrorOf } from '../../../support/sql-error';

function fresh(): Catalog {
  const c = new Catalog({ firstUserId: 1000 });
  c.executeSql('CREATE DATABASE d');
  return c;
}

const ids = (t: TableInfo | undefined) => t?.cols.map((c) => [c.name.O, c.id, c.offset]);

describe('Catalog ID assignment (TiDB rules)', () => {
  it('takes database, table, partition and DDL job IDs from one global allocator', () => {
    const c = fresh();
    const d = c.database('d');
    expect(d?.id).toBe(1000);
    c.executeSql('CREATE TABLE d.p (a int) PARTITION BY HASH (a) PARTITIONS 3');
    const p = c.table('d', 'p') as TableInfo;
    // 1001 was the CREATE DATABASE job; then the table, its partitions, and the CREATE TABLE job.
    expect(p.id).toBe(1002);
    expect(p.partition?.definitions.map((x) => [x.name.O, x.id])).toEqual([['p0', 1003], ['p1', 1004], ['p2', 1005]]);
    expect(c.ddlJobs().at(-1)).toMatchObject({ id: 1006, type: 'create table', schemaName: 'd', tableName: 'p' });
    expect(c.lastGlobalId).toBe(1006);
  });

  it('numbers columns 1..n in definition order and never reuses a dropped column ID', () => {
    const c = fresh();
    c.executeSql('CREATE TABLE d.t (a int, b int, c int)');
    c.executeSql('ALTER TABLE d.t DROP COLUMN b');
    c.executeSql('ALTER TABLE d.t ADD COLUMN b int');
    c.executeSql('ALTER TABLE d.t ADD COLUMN z int FIRST');
    c.executeSql('ALTER TABLE d.t ADD COLUMN y int AFTER a');
    const t = c.table('d', 't');
    expect(ids(t)).toEqual([['z', 5, 0], ['a', 1, 1], ['y', 6, 2], ['c', 3, 3], ['b', 4, 4]]);
    expect(t?.max_col_id).toBe(6);
  });

  it('keeps a column ID on a compatible MODIFY and gives a new one when the data must be rewritten', () => {
    const c = fresh();
    c.executeSql('CREATE TABLE d.t (a int, b varchar(10), c int)');
    c.executeSql('ALTER TABLE d.t MODIFY COLUMN a bigint');
    c.executeSql('ALTER TABLE d.t MODIFY b varchar(20) NOT NULL');
    c.executeSql('ALTER TABLE d.t CHANGE COLUMN c c2 varchar(5) AFTER a');
    const t = c.table('d', 't');
    expect(ids(t)).toEqual([['a', 1, 0], ['c2', 4, 1], ['b', 2, 2]]);
    expect(t?.cols[0]?.type.Tp).toBe(MysqlType.Longlong);
  });

  it('makes a single integer primary key the handle (no index) and numbers other indexes from 1', () => {
    const c = fresh();
    c.executeSql('CREATE TABLE d.t (id bigint NOT NULL, a int, b varchar(4), PRIMARY KEY (id), UNIQUE KEY (a), KEY kb (b, a))');
    const t = c.table('d', 't') as TableInfo;
    expect(t.pk_is_handle).toBe(true);
    expect(t.index_info?.map((i) => [i.idx_name.O, i.id])).toEqual([['a', 1], ['kb', 2]]);
    expect(t.max_idx_id).toBe(2);
    expect(t.cols[0]?.type.Flag).toBe(MysqlFlag.NotNull | MysqlFlag.PriKey | MysqlFlag.NoDefaultValue);
    expect(t.cols[1]?.type.Flag).toBe(MysqlFlag.UniqueKey);
  });

  it('lays out CLUSTERED and NONCLUSTERED keys as TiDB does', () => {
    const c = fresh();
    c.executeSql('CREATE TABLE d.ch (a varchar(10) NOT NULL, b int, PRIMARY KEY (a) /*T![clustered_index] CLUSTERED */)');
    c.executeSql('CREATE TABLE d.nc (a int NOT NULL, PRIMARY KEY (a) /*T![clustered_index] NONCLUSTERED */)');
    const ch = c.table('d', 'ch') as TableInfo;
    const nc = c.table('d', 'nc') as TableInfo;
    expect([ch.pk_is_handle, ch.is_common_handle, ch.common_handle_version]).toEqual([false, true, 1]);
    expect(ch.index_info?.map((i) => [i.idx_name.O, i.id, (i as { is_primary?: boolean }).is_primary])).toEqual([['PRIMARY', 1, true]]);
    expect([nc.pk_is_handle, nc.is_common_handle]).toEqual([false, false]);
    expect(nc.index_info?.map((i) => i.idx_name.O)).toEqual(['PRIMARY']);
  });

  it('gives a truncated table (and its partitions) new IDs and keeps its columns', () => {
    const c = fresh();
    c.executeSql('CREATE TABLE d.t (a int, b int) PARTITION BY RANGE (a) (PARTITION p0 VALUES LESS THAN (5), PARTITION p1 VALUES LESS THAN MAXVALUE)');
    const before = c.table('d', 't') as TableInfo;
    c.executeSql('TRUNCATE TABLE d.t');
    const after = c.table('d', 't') as TableInfo;
    expect(after.id).toBeGreaterThan(c.ddlJobs().at(-2)?.id ?? 0);
    expect(after.partition?.definitions.map((p) => p.id)).toEqual([after.id + 1, after.id + 2]);
    expect(after.partition?.definitions.map((p) => p.less_than)).toEqual([['5'], ['MAXVALUE']]);
    expect(after.cols).toEqual(before.cols);
  });

  it('finds tables and partitions by ID through every DDL that adds, moves, renumbers or drops them', () => {
    const c = fresh();
    c.executeSql('CREATE DATABASE e');
    for (let i = 0; i < 50; i++) c.executeSql(`CREATE TABLE d.t${i} (a int)`);
    c.executeSql('CREATE TABLE d.p (a int) PARTITION BY HASH (a) PARTITIONS 2');
    const byId = (id: number) => {
      const f = c.tableById(id);
      return f && `${f.db.db_name.O}.${f.table.name.O}`;
    };
    const t7 = c.table('d', 't7')!.id;
    const p = c.table('d', 'p')!;
    expect(byId(t7)).toBe('d.t7');
    expect(byId(p.partition!.definitions[1]!.id)).toBe('d.p');
    expect(byId(999_999)).toBeUndefined();
    // Tables created after a lookup are found too.
    c.executeSql('CREATE TABLE d.late (a int)');
    expect(byId(c.table('d', 'late')!.id)).toBe('d.late');
    c.executeSql('RENAME TABLE d.t7 TO e.moved');
    expect(byId(t7)).toBe('e.moved');
    c.executeSql('TRUNCATE TABLE d.p');
    const p2 = c.table('d', 'p')!;
    expect(byId(p.id)).toBeUndefined();
    expect(byId(p.partition!.definitions[0]!.id)).toBeUndefined();
    expect(byId(p2.partition!.definitions[0]!.id)).toBe('d.p');
    const t8 = c.table('d', 't8')!.id;
    c.executeSql('DROP TABLE d.t8');
    expect(byId(t8)).toBeUndefined();
    // A database dropped and made again under the same name holds new tables, not the old IDs.
    const t9 = c.table('d', 't9')!.id;
    c.executeSql('DROP DATABASE d');
    c.executeSql('CREATE DATABASE d');
    c.executeSql('CREATE TABLE d.t9 (a int)');
    expect(byId(t9)).toBeUndefined();
    expect(byId(c.table('d', 't9')!.id)).toBe('d.t9');
    // Every answer is a copy: changing it changes nothing in the catalog.
    c.tableById(t7)!.table.name.O = 'changed';
    expect(byId(t7)).toBe('e.moved');
  });

  it('renames across databases keeping the table ID', () => {
    const c = fresh();
    c.executeSql('CREATE DATABASE e');
    c.executeSql('CREATE TABLE d.t (a int)');
    const id = c.table('d', 't')?.id;
    c.executeSql('RENAME TABLE d.t TO e.u');
    expect(c.table('d', 't')).toBeUndefined();
    expect(c.table('e', 'u')?.id).toBe(id);
    expect(c.table('e', 'U')?.name).toEqual({ O: 'u', L: 'u' });
  });

  it.each([
    ['CREATE DATABASE d', 1007],
    ['CREATE TABLE nope.t (a int)', 1049],
    ['CREATE TABLE d.t (a int, A int)', 1060],
    ['ALTER TABLE d.missing ADD COLUMN x int', 1146],
    ['DROP TABLE d.missing', 1051],
    ['DROP DATABASE missing', 1008],
    ['ALTER TABLE d.x DROP COLUMN nope', 1091],
    ['ALTER TABLE d.x ADD COLUMN y int AFTER nope', 1054],
    ['CREATE TABLE d.t2 (a int, KEY k (nope))', 1072],
    ['CREATE TABLE d.x (a int)', 1050],
    ['CREATE TABLE t (a int)', 1046],
    ['ALTER TABLE d.x AUTO_RANDOM_BASE = 5', 8216],
  ])('answers %s with TiDB error %d and changes nothing', (sql, errno) => {
    const c = fresh();
    c.executeSql('CREATE TABLE d.x (a int, b int)');
    const before = JSON.stringify(c.tables('d'));
    expect(sqlErrorOf(() => c.executeSql(sql)).errno).toBe(errno);
    expect(JSON.stringify(c.tables('d'))).toBe(before);
  });

  it('DROP … IF EXISTS and CREATE … IF NOT EXISTS are quiet no-ops', () => {
    const c = fresh();
    c.executeSql('CREATE TABLE d.t (a int)');
    const jobs = c.ddlJobs().length;
    c.executeSql('CREATE TABLE IF NOT EXISTS d.t (x int)');
    c.executeSql('CREATE DATABASE IF NOT EXISTS d');
    c.executeSql('DROP TABLE IF EXISTS d.none');
    c.executeSql('DROP DATABASE IF EXISTS none');
    expect(c.ddlJobs()).toHaveLength(jobs);
    expect(ids(c.table('d', 't'))).toEqual([['a', 1, 0]]);
  });

  it('a failing multi-spec ALTER changes nothing', () => {
    const c = fresh();
    c.executeSql('CREATE TABLE d.t (a int, b int)');
    const before = c.table('d', 't');
    expect(sqlErrorOf(() => c.executeSql('ALTER TABLE d.t ADD COLUMN c int, DROP COLUMN nope')).errno).toBe(1091);
    expect(c.table('d', 't')).toEqual(before);
  });
});
