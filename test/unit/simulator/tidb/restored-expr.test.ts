import { restoredExpr } from '../../../../src/simulator/tidb/restored-expr';

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
