import {
  DEFAULT_RESTORE_FILTER,
  effectiveRestoreFilter,
  matchSchema,
  matchTable,
  parseTableFilter,
  realSchemaName,
  schemaFilter,
  tablesFilter,
  tryParseTableFilter,
} from '../../../src/plan/table-filter';
import { BrflowError, ErrorType } from '../../../src/plan/error-types';

// Cases follow the table-filter documentation (docs.pingcap.com/tidb/stable/table-filter) and the
// behaviour pinned by pingcap/tidb-tools pkg/table-filter/filter_test.go (TestMatchTables, TestMatchSchemas,
// TestParseFailures). [schema, table, caseSensitiveResult, caseInsensitiveResult].
type Row = [string, string, boolean, boolean];
const tableCases: { rules: string[]; rows: Row[] }[] = [
  { rules: [], rows: [['foo', 'bar', false, false]] },
  { rules: ['*.*'], rows: [['foo', 'bar', true, true]] },
  { rules: ['foo.*'], rows: [['foo', 'bar', true, true], ['foo1', 'bar', false, false]] },
  { rules: ['*.*', '!foo1.*'], rows: [['foo', 'bar', true, true], ['foo1', 'bar', false, false], ['foo2', 'bar', true, true]] },
  { rules: ['foo.bar1'], rows: [['foo', 'bar', false, false], ['foo', 'bar1', true, true], ['fff', 'bar1', false, false]] },
  {
    rules: ['*.*', '!foo[bar].*', '!bar?.*', '!special\\\\.*'],
    rows: [
      ['foor', 'a', false, false], ['foo[bar]', 'b', true, true], ['ba', 'c', true, true], ['bar?', 'd', false, false],
      ['special\\', 'e', false, false], ['special\\\\', 'f', true, true], ['bazzz', 'g', true, true], ['afooa', 'i', true, true],
    ],
  },
  { rules: ['*.*', '!a?b?./f[0-9]/'], rows: [['abbd', 'f1', false, false], ['aaaa', 'f2', true, true], ['abbc', 'fa', true, true]] },
  { rules: ['*.*', '!a*.A*'], rows: [['aB', 'Ab', false, false], ['AaB', 'aab', true, false], ['acB', 'Afb', false, false]] },
  { rules: ['BAR.*'], rows: [['bar', 'a', false, true], ['BAR', 'a', true, true]] },
  { rules: ['# comment', 'x.y', '   \t'], rows: [['x', 'y', true, true], ['y', 'y', false, false]] },
  { rules: ['p_123$.45', '中文.表名'], rows: [['p_123', '45', false, false], ['p_123$', '45', true, true], ['英文', '表名', false, false], ['中文', '表名', true, true]] },
  { rules: ['\\\\\\..*'], rows: [['\\.', 'a', true, true], ['\\\\\\.', 'b', false, false], ['\\a', 'c', false, false]] },
  {
    rules: ['[!a-z].[^a-z]'],
    rows: [['!', 'z', true, true], ['!', '^', true, true], ['!', '9', false, false], ['a', 'z', false, false], ['1', 'z', true, true], ['1', '9', false, false]],
  },
  {
    rules: ['"some ""quoted""".`identifiers?`'],
    rows: [['some "quoted"', 'identifiers?', true, true], ['some "quoted"', 'identifiers!', false, false], ['SOME "QUOTED"', 'IDENTIFIERS?', false, true]],
  },
  // The docs' precedence table: the last matching rule decides.
  {
    rules: ['employees.*', '!*.dep*', '*.departments'],
    rows: [['irrelevant', 'table', false, false], ['employees', 'employees', true, true], ['employees', 'dept_emp', false, false], ['employees', 'departments', true, true], ['else', 'departments', true, true]],
  },
  { rules: ['*.*', '!S.D[!a-d]'], rows: [['S', 'D1', false, false], ['S', 'Da', true, true], ['S', 'Daa', true, true]] },
  { rules: ['`db.x`.`t``q`'], rows: [['db.x', 't`q', true, true], ['db', 'x', false, false]] },
];

describe('matchTable', () => {
  it.each(tableCases)('rules $rules', ({ rules, rows }) => {
    const cs = parseTableFilter(rules, { caseSensitive: true });
    const ci = parseTableFilter(rules);
    for (const [s, t, wantCs, wantCi] of rows) {
      expect([s, t, matchTable(cs, s, t)]).toEqual([s, t, wantCs]);
      expect([s, t, matchTable(ci, s, t)]).toEqual([s, t, wantCi]);
    }
  });
});

describe('matchSchema', () => {
  // tidb-tools TestMatchSchemas: an exclusion rejects a schema only when it excludes all its tables.
  it.each([
    { rules: ['foo.*'], schema: 'foo1', want: false },
    { rules: ['foo.bar1'], schema: 'foo', want: true },
    { rules: ['*.*', '!foo.bar'], schema: 'foo', want: true },
    { rules: ['*.*', '!foo1.*'], schema: 'foo1', want: false },
    { rules: ['*.*', '!FOO*.*', '!*.*FoO'], schema: 'foobar', want: false },
    { rules: ['*.*', '!FOO*.*', '!*.*FoO'], schema: 'bar', want: true },
  ])('$rules / $schema → $want', ({ rules, schema, want }) => {
    expect(matchSchema(parseTableFilter(rules), schema)).toBe(want);
  });
});

describe('parse errors name the rule and position', () => {
  it.each([
    { rule: 'a.b.c', reason: 'stray characters after table pattern', position: 3 },
    { rule: 'a%b.c', reason: "unexpected special character '%'", position: 1 },
    { rule: 'a\\tb.c', reason: 'cannot escape a letter or digit (\\t)', position: 1 },
    { rule: '[].*', reason: 'failed to parse character class', position: 0 },
    { rule: '[.*', reason: 'failed to parse character class', position: 0 },
    { rule: 'db', reason: 'missing table pattern', position: 2 },
    { rule: 'db.', reason: 'missing pattern', position: 3 },
    { rule: '`db`*.*', reason: "missing '.' between schema and table patterns", position: 4 },
    { rule: '/db.*', reason: 'incomplete regexp', position: 0 },
    { rule: '`db.*', reason: 'incomplete quoted identifier', position: 0 },
    { rule: '"db.*', reason: 'incomplete quoted identifier', position: 0 },
    { rule: 'db\\', reason: 'cannot place \\ at the end', position: 2 },
    { rule: 'db.tbl#not comment', reason: "unexpected special character '#'", position: 6 },
    { rule: '  !x%.y', reason: "unexpected special character '%'", position: 4 },
  ])('$rule', ({ rule, reason, position }) => {
    const r = tryParseTableFilter(['ok.*', rule]);
    expect('errors' in r).toBe(true);
    if (!('errors' in r)) return;
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]!.rule).toBe(2);
    expect(r.errors[0]!.position).toBe(position);
    expect(r.errors[0]!.reason).toContain(reason);
  });

  it('reports every bad rule at once and throws InvalidInput from parseTableFilter', () => {
    const r = tryParseTableFilter(['a%.b', 'fine.*', 'x']);
    expect('errors' in r && r.errors.map((e) => e.rule)).toEqual([1, 3]);
    let err: unknown;
    try {
      parseTableFilter(['a%.b', 'x']);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BrflowError);
    expect((err as BrflowError).type).toBe(ErrorType.InvalidInput);
    expect((err as BrflowError).message).toBe(
      `filter rule 1 "a%.b": unexpected special character '%' (escape it with \\ or quote the name with backquotes) at position 1; ` +
        `filter rule 2 "x": missing table pattern (write db.table, e.g. db.* ) at position 1`,
    );
  });
});

describe('BR defaults and shorthands', () => {
  it('default restore filter keeps user schemas and drops system ones (BR cmd.go filterOutSysAndMemTables)', () => {
    const f = parseTableFilter(DEFAULT_RESTORE_FILTER);
    expect(matchTable(f, 'tpcc', 'warehouse')).toBe(true);
    for (const s of ['mysql', 'MySQL', 'sys', 'INFORMATION_SCHEMA', 'performance_schema', 'metrics_schema', 'inspection_schema', '__TiDB_BR_Temporary_mysql']) {
      expect([s, matchTable(f, s, 'user')]).toEqual([s, false]);
    }
  });

  it('user rules keep system schemas out unless named literally', () => {
    expect(matchTable(effectiveRestoreFilter(['*.*']), 'mysql', 'user')).toBe(false);
    expect(matchTable(effectiveRestoreFilter(['*.*']), 'db1', 't')).toBe(true);
    expect(matchTable(effectiveRestoreFilter(['mysql.*']), 'mysql', 'user')).toBe(true);
    expect(matchTable(effectiveRestoreFilter([]), 'mysql', 'user')).toBe(false);
    expect(matchTable(effectiveRestoreFilter(['*.*']), '__TiDB_BR_Temporary_Snapshot_Restore_Checkpoint', 'cpt_data')).toBe(false);
    expect(matchTable(effectiveRestoreFilter(['`__TiDB_BR_Temporary_x`.*']), '__TiDB_BR_Temporary_x', 't')).toBe(true);
  });

  it('--db and --table are exact, case-insensitive names, not patterns', () => {
    const db = schemaFilter('a*b');
    expect(matchTable(db, 'a*b', 'x')).toBe(true);
    expect(matchTable(db, 'A*B', 'x')).toBe(true);
    expect(matchTable(db, 'axb', 'x')).toBe(false);
    const t = tablesFilter([{ db: 'd', table: 't?' }]);
    expect(matchTable(t, 'D', 'T?')).toBe(true);
    expect(matchTable(t, 'd', 'tx')).toBe(false);
  });

  it('maps BR temporary system database names back to their real name', () => {
    expect(realSchemaName('__TiDB_BR_Temporary_mysql')).toBe('mysql');
    expect(realSchemaName('__TiDB_BR_Temporary_other')).toBe('__TiDB_BR_Temporary_other');
    expect(realSchemaName('tpcc')).toBe('tpcc');
  });

  it('parsed filters are plain JSON', () => {
    const f = parseTableFilter(['db[0-9].*', '!/^x/.y']);
    expect(JSON.parse(JSON.stringify(f))).toEqual(f);
  });
});
