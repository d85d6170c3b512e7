import { planColumnLayout } from '../../../src/plan/column-ids';
import { createTableSql } from '../../../src/plan/create-sql';
import type { FieldType } from '../../../src/plan/table-info';
import { col, idx, tableInfo } from './manifest-builder';
import { readRealManifest } from './real-manifests';

// TiDB assigns column IDs 1..N in CREATE TABLE order and max_col_id+1 to ADD COLUMN, never reusing one
// (pkg/meta/model ColumnInfo.ID, ddl AllocateColumnID); research §8.1 explains why the IDs must match.
const int = (Flag = 0): FieldType => ({ Tp: 3, Flag, Flen: 11, Decimal: 0, Charset: 'binary', Collate: 'binary', Elems: null });
const ok = (p: ReturnType<typeof planColumnLayout>) => {
  if (!p.reproducible) throw new Error(p.reason);
  return p;
};
const TAIL = ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin';

describe('planColumnLayout', () => {
  it('a table never altered is just its CREATE TABLE (all real tpcc tables)', async () => {
    const m = await readRealManifest('v1-tpcc');
    for (const t of m.tables) {
      const p = ok(planColumnLayout(t.info));
      expect(p.statements).toEqual([createTableSql(t.info)]);
      expect(p.expectedColumnIds.map((c) => c.id)).toEqual(t.info.cols.map((_, i) => i + 1));
    }
  });

  it('fills a dropped column ID with a placeholder, then drops it', () => {
    const t = tableInfo(1, 't', { pk_is_handle: false, cols: [col(1, 'a', 0), col(2, 'b', 1), col(4, 'd', 2)], max_col_id: 4 });
    expect(ok(planColumnLayout(t))).toEqual({
      reproducible: true,
      statements: [
        'CREATE TABLE `t` (\n  `a` int(11) DEFAULT NULL,\n  `b` int(11) DEFAULT NULL,\n  `__brflow_col_3` tinyint(4) DEFAULT NULL,\n  `d` int(11) DEFAULT NULL\n' + TAIL,
        'ALTER TABLE `t` DROP COLUMN `__brflow_col_3`',
      ],
      expectedColumnIds: [{ name: 'a', id: 1 }, { name: 'b', id: 2 }, { name: 'd', id: 4 }],
      warnings: [],
    });
  });

  it('restores column order after creating in ID order', () => {
    const t = tableInfo(1, 't', { pk_is_handle: false, cols: [col(3, 'c', 0), col(1, 'a', 1), col(2, 'b', 2, { type: int(1) })] });
    expect(ok(planColumnLayout(t)).statements).toEqual([
      'CREATE TABLE `t` (\n  `a` int(11) DEFAULT NULL,\n  `b` int(11) NOT NULL,\n  `c` int(11) DEFAULT NULL\n' + TAIL,
      'ALTER TABLE `t` MODIFY COLUMN `c` int(11) DEFAULT NULL FIRST',
    ]);
    const u = tableInfo(1, 'u', { pk_is_handle: false, cols: [col(1, 'a', 0), col(3, 'c', 1), col(2, 'b', 2, { type: int(1) })] });
    expect(ok(planColumnLayout(u)).statements.slice(1)).toEqual(['ALTER TABLE `u` MODIFY COLUMN `c` int(11) DEFAULT NULL AFTER `a`']);
  });

  it('re-adds a column that was added with a default, so old rows read its origin default', () => {
    const t = tableInfo(1, 't', {
      pk_is_handle: false,
      cols: [col(1, 'a', 0), col(2, 'b', 1, { origin_default: '5', default: '7' }), col(3, 'c', 2, { origin_default: '0', type: int(1 | 4096) })],
      index_info: [idx(1, 'k_a', [{ name: 'a', offset: 0 }]), idx(2, 'k_bc', [{ name: 'b', offset: 1 }, { name: 'c', offset: 2 }])],
    });
    expect(ok(planColumnLayout(t)).statements).toEqual([
      'CREATE TABLE `t` (\n  `a` int(11) DEFAULT NULL,\n  KEY `k_a` (`a`)\n' + TAIL,
      "ALTER TABLE `t` ADD COLUMN `b` int(11) DEFAULT '5'",
      // NOT NULL without a default and origin 0: added the same way, TiDB records origin 0 by itself.
      'ALTER TABLE `t` ADD COLUMN `c` int(11) NOT NULL',
      'ALTER TABLE `t` ADD KEY `k_bc` (`b`,`c`)',
      "ALTER TABLE `t` ALTER COLUMN `b` SET DEFAULT '7'",
    ]);
  });

  it.each([
    { name: 'expression index', over: { cols: [col(1, 'a', 0), col(2, '_V$_k_0', 1, { hidden: true })] }, reason: 'expression index' },
    { name: 'column mid-DDL', over: { cols: [col(1, 'a', 0, { state: 4 })] }, reason: 'middle of a schema change (state 4)' },
    { name: 'moved generated column', over: { cols: [col(1, 'a', 1), col(2, 'g', 0, { generated_expr_string: '`a`+1' })] }, reason: 'generated column `g` is not in column-ID order' },
    { name: 'added auto_increment', over: { cols: [col(1, 'a', 0), col(2, 'n', 1, { origin_default: '0', type: int(1 | 512) })] }, reason: 'auto_increment column `n` was added' },
    { name: 'view', over: { view: { view_select: 'select 1' } }, reason: 'it is a view' },
    { name: 'too many column IDs', over: { cols: [col(1, 'a', 0), col(2000, 'b', 1)] }, reason: 'reach 2000' },
  ])('refuses: $name', ({ over, reason }) => {
    const p = planColumnLayout(tableInfo(1, 't', { pk_is_handle: false, ...over }));
    expect(p.reproducible).toBe(false);
    expect(!p.reproducible && p.reason).toContain(reason);
  });

  it('warns about what it knowingly leaves out (foreign keys are added after creation, see table-constraints)', () => {
    expect(ok(planColumnLayout(tableInfo(1, 't', { policy_ref_info: { id: 1, name: { O: 'p', L: 'p' } } }))).warnings).toEqual(['the placement policy is not applied']);
    expect(ok(planColumnLayout(tableInfo(1, 't', { fk_info: [{ id: 1 }] }))).warnings).toEqual([]);
  });
});

/**
 * A model of how TiDB numbers columns (research §8.1): CREATE TABLE gives 1..N in order and sets
 * max_col_id = N; ADD COLUMN appends with ++max_col_id; DROP removes; MODIFY … FIRST/AFTER only moves.
 * Running the planned statements through it must give back the backup's IDs in the backup's order.
 */
function applyTidbIdRules(statements: string[], added = new Set<string>()): { name: string; id: number }[] {
  let cols: { name: string; id: number }[] = [];
  let maxId = 0;
  const colName = (s: string) => /^`((?:[^`]|``)+)`/.exec(s)![1]!.replace(/``/g, '`');
  for (const st of statements) {
    if (st.startsWith('CREATE TABLE')) {
      const body = st.slice(st.indexOf('(\n') + 2, st.lastIndexOf('\n)'));
      for (const line of body.split(',\n')) {
        const l = line.trim();
        if (/^(PRIMARY KEY|UNIQUE KEY|KEY) /.test(l)) continue;
        cols.push({ name: colName(l), id: ++maxId });
      }
      continue;
    }
    const m = /^ALTER TABLE `(?:[^`]|``)+` (ADD COLUMN|DROP COLUMN|MODIFY COLUMN|ADD|ALTER COLUMN) (.*)$/s.exec(st);
    if (!m) throw new Error(`unexpected statement ${st}`);
    const [, op, rest] = m as unknown as [string, string, string];
    if (op === 'ADD COLUMN') {
      cols.push({ name: colName(rest), id: ++maxId });
      added.add(colName(rest));
    }
    else if (op === 'DROP COLUMN') cols = cols.filter((c) => c.name !== colName(rest));
    else if (op === 'MODIFY COLUMN') {
      const name = colName(rest);
      const moved = cols.find((c) => c.name === name)!;
      cols = cols.filter((c) => c !== moved);
      const after = / AFTER `((?:[^`]|``)+)`$/.exec(rest);
      cols.splice(after ? cols.findIndex((c) => c.name === after[1]) + 1 : 0, 0, moved);
    }
  }
  return cols;
}

describe('planned DDL under TiDB column-ID rules', () => {
  // Deterministic pseudo-random tables: dropped IDs, reordered columns, columns added with defaults.
  let seed = 42;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  it.each(Array.from({ length: 40 }, (_, i) => i))('random layout %i', () => {
    const ids: number[] = [];
    let next = 1;
    const n = 1 + rnd(8);
    while (ids.length < n) {
      if (rnd(3) === 0) next++; // a dropped column leaves a gap
      ids.push(next++);
    }
    const offsets = ids.map((_, i) => i);
    for (let i = offsets.length - 1; i > 0; i--) {
      if (rnd(2) === 0) continue;
      const j = rnd(i + 1);
      [offsets[i], offsets[j]] = [offsets[j]!, offsets[i]!];
    }
    const firstAdded = rnd(2) === 0 ? ids.length : rnd(ids.length);
    const cols = ids.map((id, i) => col(id, `c${id}`, offsets[i]!, i >= firstAdded && rnd(2) === 0 ? { origin_default: String(id), default: String(id + 1) } : {}));
    const t = tableInfo(1, 't', { pk_is_handle: false, cols, max_col_id: next - 1 });
    const p = ok(planColumnLayout(t));
    const want = [...cols].sort((a, b) => a.offset - b.offset).map((c) => ({ name: c.name.O, id: c.id }));
    const added = new Set<string>();
    expect(applyTidbIdRules(p.statements, added)).toEqual(want);
    // Rows older than a column read its origin default only if TiDB got it from ADD COLUMN.
    for (const c of cols) if (c.origin_default !== null) expect([c.name.O, added.has(c.name.O)]).toEqual([c.name.O, true]);
  });
});
