import { restoredExpr, restoredGeneratedExpr } from '../../../../src/simulator/tidb/restored-expr';

describe('expressions in the form TiDB stores them', () => {
  it.each([
    ['id', '`id`'],
    ['`id`', '`id`'],
    ['year(t)', 'YEAR(`t`)'],
    ['YEAR(`t`)', 'YEAR(`t`)'],
    ['to_days( d )', 'TO_DAYS(`d`)'],
  ])('%s → %s', (text, want) => {
    expect(restoredExpr(text)).toBe(want);
  });
});

describe('generated column expressions in the form TiDB stores them (measured on v8.5.3)', () => {
  it.each([
    ['a*2', '`a` * 2'],
    ['a - -1', '`a` - -1'],
    ["if(a > 0, 'p', 'n')", "if(`a` > 0, _utf8mb4'p', _utf8mb4'n')"],
    ['a is not null', '`a` is not null'],
    ['UPPER(b)', 'upper(`b`)'],
    ["json_extract(j, '$.a')", "json_extract(`j`, _utf8mb4'$.a')"],
    ['a + a * 2', '`a` + `a` * 2'],
    ['(a + a) * 2', '(`a` + `a`) * 2'],
    ['-a', '-`a`'],
    ['a div 2 mod 3', '`a` div 2 % 3'],
    ["CONCAT_WS(',', b, 'x')", "concat_ws(_utf8mb4',', `b`, _utf8mb4'x')"],
    ['a in (1,2)', '`a` in (1,2)'],
    ["a between 1 and 3 and b like 'x%'", "`a` between 1 and 3 and `b` like _utf8mb4'x%'"],
  ])('%s → %s', (text, want) => {
    expect(restoredGeneratedExpr(text)).toBe(want);
    expect(restoredGeneratedExpr(want)).toBe(want);
  });
});
