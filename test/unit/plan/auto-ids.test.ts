import { createAutoIdBases, needAutoId } from '../../../src/plan/auto-ids';
import { planColumnLayout } from '../../../src/plan/column-ids';
import { MysqlFlag, type FieldType } from '../../../src/plan/table-info';
import { col, tableInfo } from './manifest-builder';

const bigint = (Flag = 0): FieldType => ({ Tp: 8, Flag, Flen: 20, Decimal: 0, Charset: 'binary', Collate: 'binary', Elems: null });
const PK = MysqlFlag.PriKey | MysqlFlag.NotNull;

/** A table keyed by `_tidb_rowid` (no handle) whose backup recorded the next row ID 5000. */
const rowIdTable = tableInfo(10, 'log', { pk_is_handle: false, cols: [col(1, 'a', 0), col(2, 'b', 1)], auto_inc_id: 5000 });
/** An AUTO_INCREMENT integer handle, next ID 7001. */
const autoIncTable = tableInfo(11, 'inc', { cols: [col(1, 'id', 0, { type: bigint(PK | MysqlFlag.AutoIncrement) }), col(2, 'v', 1)], auto_inc_id: 7001 });
/** An integer handle without AUTO_INCREMENT: BR's NeedAutoID is false, so its auto_inc_id is not rebased. */
const plainPkTable = tableInfo(12, 'plain', { cols: [col(1, 'id', 0, { type: bigint(PK) }), col(2, 'v', 1)], auto_inc_id: 300 });
/** An AUTO_RANDOM handle whose allocator reached 42000. */
const autoRandomTable = tableInfo(13, 'rnd', { cols: [col(1, 'id', 0, { type: bigint(PK) })], auto_random_bits: 5, auto_rand_id: 42000 });

describe('createAutoIdBases', () => {
  it('gives the bases BR rebases: auto_inc_id where NeedAutoID and > 1, auto_rand_id of an AUTO_RANDOM handle when > 1', () => {
    expect(createAutoIdBases(rowIdTable)).toEqual({ autoIncrement: 5000 });
    expect(createAutoIdBases(autoIncTable)).toEqual({ autoIncrement: 7001 });
    expect(needAutoId(plainPkTable)).toBe(false);
    expect(createAutoIdBases(plainPkTable)).toEqual({});
    expect(createAutoIdBases(autoRandomTable)).toEqual({ autoRandomBase: 42000 });
    // A fresh allocator (1) or none recorded (0) needs nothing.
    expect(createAutoIdBases({ ...rowIdTable, auto_inc_id: 1 })).toEqual({});
    expect(createAutoIdBases({ ...autoRandomTable, auto_rand_id: 0 })).toEqual({});
  });
});

describe('planColumnLayout with autoIdsInCreate', () => {
  it('puts the bases in the CREATE TABLE as table options and says so; without it the CREATE is as before', () => {
    const inCreate = planColumnLayout(rowIdTable, { autoIdsInCreate: true });
    const before = planColumnLayout(rowIdTable);
    if (!inCreate.reproducible || !before.reproducible) throw new Error('layout refused');
    expect(inCreate.autoIdsInCreate).toBe(true);
    expect(inCreate.statements).toEqual([`${before.statements[0]} AUTO_INCREMENT=5000`]);
    expect(before.autoIdsInCreate).toBeUndefined();
    expect(before.statements[0]).not.toContain('AUTO_INCREMENT');

    const rnd = planColumnLayout(autoRandomTable, { autoIdsInCreate: true });
    if (!rnd.reproducible) throw new Error(rnd.reason);
    expect(rnd.statements[0]).toMatch(/ \/\*T!\[auto_rand_base\] AUTO_RANDOM_BASE=42000 \*\/$/);
    const plain = planColumnLayout(plainPkTable, { autoIdsInCreate: true });
    if (!plain.reproducible) throw new Error(plain.reason);
    expect(plain.statements[0]).not.toMatch(/AUTO_INCREMENT=|AUTO_RANDOM_BASE/);
  });

  it('a table with a column-ID gap: the CREATE with placeholders carries the base, the ALTERs after it are unchanged', () => {
    const gap = tableInfo(14, 'gap', { pk_is_handle: false, cols: [col(1, 'a', 0), col(3, 'c', 1)], max_col_id: 3, auto_inc_id: 900 });
    const p = planColumnLayout(gap, { autoIdsInCreate: true });
    const q = planColumnLayout(gap);
    if (!p.reproducible || !q.reproducible) throw new Error('layout refused');
    expect(p.statements[0]).toBe(`${q.statements[0]} AUTO_INCREMENT=900`);
    expect(p.statements.slice(1)).toEqual(q.statements.slice(1));
    expect(p.statements.slice(1)).toEqual(['ALTER TABLE `gap` DROP COLUMN `__brflow_col_2`']);
  });
});
