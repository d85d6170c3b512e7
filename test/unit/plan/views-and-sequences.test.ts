import { planJson, renderPlanTable } from '../../../src/cli/commands/plan';
import { ErrorType } from '../../../src/plan/error-types';
import { planRestore } from '../../../src/plan/restore-plan';
import { createSequenceSql, sequenceValueStatements, type SequenceInfo } from '../../../src/plan/sequence-sql';
import type { TableInfo } from '../../../src/plan/table-info';
import { parseTableInfoJson } from '../../../src/plan/table-info-json';
import { createViewSql, orderViews, viewReferences, type ViewInfo } from '../../../src/plan/view-sql';
import { missingViewReadsError, objectKey, viewReadsOutside, viewsMissingReads } from '../../../src/plan/views-and-sequences';
import { col, ManifestBuilder, tableInfo } from './manifest-builder';

/** A view's TableInfo as TiDB v8.5.3 stores it (status API): columns of type 0, charset/collate of the session. */
function view(id: number, name: string, select: string, over: Partial<ViewInfo> = {}, cols = ['a']): TableInfo {
  return tableInfo(id, name, {
    cols: cols.map((c, i) => col(i + 1, c, i, { type: { Tp: 0, Flag: 0, Flen: 0, Decimal: 0, Charset: '', Collate: '', Elems: null } })),
    pk_is_handle: false, charset: 'utf8mb4', collate: 'utf8mb4_unicode_ci',
    view: {
      view_algorithm: 0, view_definer: { Username: 'root', Hostname: '127.0.0.1', CurrentUser: false, AuthUsername: 'root', AuthHostname: '%' },
      view_security: 0, view_select: select, view_checkoption: 1, view_cols: null, ...over,
    },
  });
}

function sequence(id: number, name: string, s: Partial<SequenceInfo>, autoIncId: number | string): TableInfo {
  return tableInfo(id, name, {
    cols: [], pk_is_handle: false, charset: '', collate: '', auto_inc_id: autoIncId as number,
    sequence: {
      sequence_start: 1, sequence_cache: true, sequence_cycle: false, sequence_min_value: 1, sequence_max_value: '9223372036854775806',
      sequence_increment: 1, sequence_cache_value: 1000, sequence_comment: '', ...s,
    },
  });
}

describe('CREATE VIEW text (SHOW CREATE VIEW layout)', () => {
  it.each([
    [
      'defaults: the authenticated definer, every column listed, cascaded (= no) check option left out',
      view(10, 'v', 'SELECT `a` AS `a` FROM `shop`.`t`'),
      'CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`%` SQL SECURITY DEFINER VIEW `v` (`a`) AS SELECT `a` AS `a` FROM `shop`.`t`',
    ],
    [
      'MERGE, a definer without an authenticated identity, INVOKER, an explicit column list, LOCAL check option',
      view(11, 'v2', 'SELECT `a` AS `a`,`b` AS `b` FROM `shop`.`t` WHERE `a`>1', { view_algorithm: 1, view_security: 1, view_checkoption: 0, view_definer: { Username: 'app', Hostname: '10.%' } }, ['x', 'y']),
      'CREATE ALGORITHM=MERGE DEFINER=`app`@`10.%` SQL SECURITY INVOKER VIEW `v2` (`x`, `y`) AS SELECT `a` AS `a`,`b` AS `b` FROM `shop`.`t` WHERE `a`>1 WITH LOCAL CHECK OPTION',
    ],
    [
      'TEMPTABLE, backquotes doubled in names',
      view(12, 'we`ird', "SELECT _UTF8MB4'a`b' AS `c``d`", { view_algorithm: 2 }, ['c`d']),
      "CREATE ALGORITHM=TEMPTABLE DEFINER=`root`@`%` SQL SECURITY DEFINER VIEW `we``ird` (`c``d`) AS SELECT _UTF8MB4'a`b' AS `c``d`",
    ],
  ])('%s', (_, info, want) => {
    expect(createViewSql(info)).toBe(want);
  });

  it('refuses a view whose stored fields make no sense, naming them', () => {
    expect(() => createViewSql(view(1, 'v', 'SELECT 1', { view_algorithm: 7 }))).toThrow(expect.objectContaining({ type: ErrorType.BackupMetaCorrupt, message: expect.stringContaining('view v has algorithm 7') }));
  });
});

describe('view dependencies and order', () => {
  it('reads the tables after the FROM of a SELECT and JOIN, once each: not alias.column pairs (also after the FROM of EXTRACT), three-part columns or identifiers inside string literals', () => {
    expect(viewReferences("SELECT `t`.`a` AS `a` FROM (`shop`.`t` JOIN `Shop`.`V1` ON 1) WHERE `b`='FROM `x`.`y`' AND `c`='it''s'")).toEqual([
      { db: 'shop', name: 't' }, { db: 'shop', name: 'v1' },
    ]);
    expect(viewReferences(
      'SELECT `x`.`a` AS `a`,`shop`.`u`.`b` AS `b`,EXTRACT(YEAR FROM `x`.`d`) AS `y` FROM ((`shop`.`t` AS `x` JOIN `shop`.`u`) LEFT JOIN `report`.`w` ON 1) ' +
        'WHERE `x`.`a` IN (SELECT `k` FROM `report`.`keys`) AND EXISTS (SELECT 1 FROM `shop`.`t`)',
    )).toEqual([
      // EXTRACT(YEAR FROM `x`.`d`): a column after a function's FROM, not a table.
      { db: 'shop', name: 't' }, { db: 'shop', name: 'u' }, { db: 'report', name: 'w' }, { db: 'report', name: 'keys' },
    ]);
  });

  it('puts each view after the views it reads (also across databases), otherwise in backup ID order', () => {
    const v = (db: string, name: string, oldId: number, select: string) => ({ db, name, oldId, select });
    const order = orderViews([
      v('shop', 'top', 5, 'SELECT `x` FROM `shop`.`mid`'),
      v('shop', 'mid', 9, 'SELECT `y` FROM `report`.`base` JOIN `shop`.`t`'),
      v('report', 'base', 12, 'SELECT `a` FROM `shop`.`t`'),
      v('shop', 'alone', 7, 'SELECT 1'),
      v('shop', 'late', 3, 'SELECT `z` FROM `SHOP`.`TOP`'),
    ]);
    expect(order.map((x) => x.name)).toEqual(['base', 'mid', 'top', 'late', 'alone']);
  });

  it('still places every view of a cycle (a damaged backup), each once', () => {
    const order = orderViews([
      { db: 'd', name: 'a', oldId: 2, select: 'SELECT 1 FROM `d`.`b`' },
      { db: 'd', name: 'b', oldId: 1, select: 'SELECT 1 FROM `d`.`a`' },
    ]);
    expect(order.map((x) => x.name).sort()).toEqual(['a', 'b']);
  });
});

describe('CREATE SEQUENCE text (SHOW CREATE SEQUENCE layout) and the value it continues from', () => {
  it('prints every option, exact 64-bit bounds and the comment', () => {
    expect(createSequenceSql(sequence(20, 's1', { sequence_start: 5, sequence_min_value: 2, sequence_max_value: 1000, sequence_increment: 3, sequence_cache_value: 10, sequence_cycle: true, sequence_comment: "it's \\ up" }, 33)))
      .toBe("CREATE SEQUENCE `s1` start with 5 minvalue 2 maxvalue 1000 increment by 3 cache 10 cycle ENGINE=InnoDB COMMENT='it''s \\\\ up'");
    expect(createSequenceSql(sequence(21, 's2', { sequence_start: -1, sequence_min_value: '-9223372036854775807', sequence_max_value: -1, sequence_increment: -1, sequence_cache: false, sequence_cache_value: 0 }, 0)))
      .toBe('CREATE SEQUENCE `s2` start with -1 minvalue -9223372036854775807 maxvalue -1 increment by -1 nocache nocycle ENGINE=InnoDB');
  });

  it.each([
    ['ascending: SETVAL to the stored value (auto_inc_id - 1)', sequence(1, 's', {}, 33), ['SELECT SETVAL(`s`, 32)']],
    ['descending', sequence(1, 's', { sequence_increment: -2, sequence_start: -1, sequence_max_value: -1, sequence_min_value: -100 }, -4), ['SELECT SETVAL(`s`, -5)']],
    ['beyond 2^53, kept exact', sequence(1, 's', {}, '9007199254740995'), ['SELECT SETVAL(`s`, 9007199254740994)']],
    ['CYCLE ascending: wrap once from the max first (BR)', sequence(1, 's', { sequence_cycle: true, sequence_max_value: 1000 }, 40), ['SELECT SETVAL(`s`, 1000)', 'SELECT NEXTVAL(`s`)', 'SELECT SETVAL(`s`, 39)']],
    ['CYCLE descending: wrap once from the min', sequence(1, 's', { sequence_cycle: true, sequence_increment: -1, sequence_min_value: -50, sequence_max_value: -1, sequence_start: -1 }, -9), ['SELECT SETVAL(`s`, -50)', 'SELECT NEXTVAL(`s`)', 'SELECT SETVAL(`s`, -10)']],
  ])('%s', (_, info, want) => {
    expect(sequenceValueStatements(info)).toEqual(want);
  });

  it('keeps a sequence\'s 64-bit values exact when parsing TableInfo JSON, and a table\'s auto_inc_id a number', () => {
    const seq = parseTableInfoJson<TableInfo>('{"id":1,"auto_inc_id":9223372036854775800,"sequence":{"sequence_start":1,"sequence_max_value":9223372036854775806,"sequence_min_value":-9223372036854775807,"sequence_comment":"\\"sequence_start\\":12345678901234567890"}}');
    expect(seq.auto_inc_id).toBe('9223372036854775800');
    expect(seq.sequence).toEqual({ sequence_start: 1, sequence_max_value: '9223372036854775806', sequence_min_value: '-9223372036854775807', sequence_comment: '"sequence_start":12345678901234567890' });
    const table = parseTableInfoJson<TableInfo>('{"id":2,"auto_inc_id":9223372036854775800,"sequence":null,"update_timestamp":470919213044989952}');
    expect(table.auto_inc_id).toBe(Number('9223372036854775800'));
    expect(table['update_timestamp']).toBe(470919213044989952);
  });
});

describe('planning views and sequences', () => {
  const manifest = () =>
    new ManifestBuilder()
      .db('shop', 1)
      .table('shop', tableInfo(10, 't'))
      .table('shop', view(12, 'b_top', 'SELECT `a` FROM `shop`.`a_mid`'))
      .table('shop', view(11, 'a_mid', 'SELECT `id` AS `a` FROM `shop`.`t`'))
      .table('shop', sequence(13, 'seq', { sequence_start: 5 }, 42))
      .build();

  it('keeps them out of the tables (no ranges, batches, checksum) and plans their statements in order', () => {
    const plan = planRestore(manifest());
    expect(plan.tables.map((t) => t.name)).toEqual(['t']);
    expect(plan.views).toEqual([
      { db: 'shop', name: 'a_mid', oldId: 11, charset: 'utf8mb4', collate: 'utf8mb4_unicode_ci', createSql: 'CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`%` SQL SECURITY DEFINER VIEW `a_mid` (`a`) AS SELECT `id` AS `a` FROM `shop`.`t`' },
      { db: 'shop', name: 'b_top', oldId: 12, charset: 'utf8mb4', collate: 'utf8mb4_unicode_ci', createSql: 'CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`%` SQL SECURITY DEFINER VIEW `b_top` (`a`) AS SELECT `a` FROM `shop`.`a_mid`' },
    ]);
    expect(plan.sequences).toEqual([
      { db: 'shop', name: 'seq', oldId: 13, createSql: 'CREATE SEQUENCE `seq` start with 5 minvalue 1 maxvalue 9223372036854775806 increment by 1 cache 1000 nocycle ENGINE=InnoDB', valueStatements: ['SELECT SETVAL(`seq`, 41)'] },
    ]);
    expect(plan.summary).toMatchObject({ tables: 1, views: 2, sequences: 1 });
  });

  it('lists what a view reads that the restore does not create, for the pre-check to find on the target; the error names each view and what it misses', () => {
    const m = manifest();
    const plan = planRestore(m, { filters: ['shop.a_mid', 'shop.b_top'] });
    expect(plan.tables).toEqual([]);
    // a_mid reads the table the filters leave out; b_top reads a_mid, which the restore creates.
    expect(plan.views!.map((v) => [v.name, v.readsOutside])).toEqual([['a_mid', [{ db: 'shop', name: 't' }]], ['b_top', undefined]]);
    expect(viewReadsOutside(plan.views!)).toEqual([{ db: 'shop', name: 't' }]);
    expect(renderPlanTable(plan)).toContain('must exist on the target (not in what the restore creates; checked before anything changes):\n  `shop`.`t` (read by view `shop`.`a_mid`)');
    expect(viewsMissingReads(plan.views!, (db, name) => objectKey(db, name) === objectKey('SHOP', 'T'))).toEqual([]);
    const missing = viewsMissingReads(plan.views!, () => false);
    expect(missing).toEqual([{ view: '`shop`.`a_mid`', missing: ['`shop`.`t`'] }]);
    const e = missingViewReadsError(missing);
    expect(e.type).toBe(ErrorType.TableMissing);
    expect(e.message).toBe(
      '1 view(s) read tables or views that the restore does not create and the target does not have: view `shop`.`a_mid` reads `shop`.`t`. The cluster was not changed. ' +
        "Widen the filters to restore what they read, create those on the target first, or exclude the views (--filter '!db.view')",
    );
    // Only a_mid restored: b_top is not planned, a_mid still reads outside.
    expect(planRestore(m, { filters: ['shop.a_mid'] }).views!.map((v) => [v.name, v.readsOutside])).toEqual([['a_mid', [{ db: 'shop', name: 't' }]]]);
  });

  it('plans none with noSchema (they must exist, as the tables must), and none at all for a backup without any', () => {
    const plan = planRestore(manifest(), { noSchema: true });
    expect([plan.views, plan.sequences, plan.summary.views, plan.summary.sequences]).toEqual([undefined, undefined, undefined, undefined]);
    const plain = planRestore(new ManifestBuilder().db('shop', 1).table('shop', tableInfo(10, 't')).build());
    expect(Object.keys(plain)).not.toContain('views');
    expect(Object.keys(plain.summary)).not.toContain('sequences');
  });
});

describe('brflow plan --statements / --json', () => {
  it('lists each sequence, table and view with its statements, in the order the restore runs them', () => {
    const plan = planRestore(
      new ManifestBuilder()
        .db('shop', 1)
        .table('shop', tableInfo(10, 't'))
        .table('shop', view(11, 'v', 'SELECT `id` AS `a` FROM `shop`.`t`'))
        .table('shop', sequence(12, 'seq', { sequence_cycle: true, sequence_max_value: 50 }, 8))
        .build(),
    );
    const text = renderPlanTable(plan, { statements: true });
    expect(text).toMatch(/^plan [0-9a-f]{16}: 1 databases, 1 tables, .*, 1 sequences, 1 views$/m);
    const sections = text.split('\n\n').filter((b) => b.startsWith('-- '));
    expect(sections).toEqual([
      '-- sequence `shop`.`seq`\nCREATE SEQUENCE `seq` start with 1 minvalue 1 maxvalue 50 increment by 1 cache 1000 cycle ENGINE=InnoDB;\nSELECT SETVAL(`seq`, 50);\nSELECT NEXTVAL(`seq`);\nSELECT SETVAL(`seq`, 7);',
      expect.stringMatching(/^-- `shop`\.`t`\nCREATE TABLE `t` \(/),
      '-- view `shop`.`v`\nCREATE ALGORITHM=UNDEFINED DEFINER=`root`@`%` SQL SECURITY DEFINER VIEW `v` (`a`) AS SELECT `id` AS `a` FROM `shop`.`t`;\n',
    ]);
    expect(planJson(plan)).toMatchObject({
      sequences: [{ db: 'shop', sequence: 'seq', statements: [expect.stringMatching(/^CREATE SEQUENCE/), 'SELECT SETVAL(`seq`, 50)', 'SELECT NEXTVAL(`seq`)', 'SELECT SETVAL(`seq`, 7)'] }],
      views: [{ db: 'shop', view: 'v', statements: [expect.stringMatching(/^CREATE ALGORITHM=UNDEFINED/)] }],
    });
  });
});
