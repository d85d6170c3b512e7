import { Catalog } from '../../../../src/simulator/tidb/catalog';
import { sqlErrorOf } from '../../../support/sql-error';

describe('expression indexes in the simulated catalog', () => {
  it('keeps each expression in a hidden virtual column named after the index, typed as v8.5.3 infers it', () => {
    const c = new Catalog();
    c.executeSql('CREATE DATABASE d');
    c.executeSql('CREATE TABLE d.t (a int, b varchar(10), KEY ((a + 1)), KEY kl ((lower(b))))');
    const t = c.table('d', 't');
    expect(t?.cols.map((x) => [x.id, x.name.O, x.hidden, x.generated_expr_string, x.type.Tp, x.type.Flag, x.type.Flen])).toEqual([
      [1, 'a', false, '', 3, 0, 11],
      [2, 'b', false, '', 15, 0, 10],
      [3, '_V$_expression_index_0', true, '`a` + 1', 8, 136, 20],
      [4, '_V$_kl_0', true, 'lower(`b`)', 253, 8, 10],
    ]);
    expect(t?.index_info?.map((i) => [i.idx_name.O, i.idx_cols.map((ic) => [ic.name.O, ic.offset])])).toEqual([
      ['expression_index', [['_V$_expression_index_0', 2]]],
      ['kl', [['_V$_kl_0', 3]]],
    ]);
  });

  it('refuses (1235) an expression whose type it cannot infer instead of guessing', () => {
    const c = new Catalog();
    c.executeSql('CREATE DATABASE d');
    c.executeSql('CREATE TABLE d.t (a int, j json)');
    expect(sqlErrorOf(() => c.executeSql("CREATE INDEX k ON d.t ((json_extract(j, '$.x')))")).errno).toBe(1235);
    expect(c.table('d', 't')?.cols).toHaveLength(2);
  });
});
