import { holdsLine, schemaObjectsLine, skippedLine } from '../../../src/cli/commands/status';

// `brflow status`: what a restore leaves out because its input skips the kind, as counts per kind.
test('status names the skipped counts per kind, and says nothing when nothing is skipped', () => {
  expect(skippedLine({ skipped: { foreignKeys: 3, placement: 1 } })).toBe('restored without (input skip): 3 foreignKeys, 1 placement');
  expect(skippedLine({})).toBeUndefined();
});

test('status counts the views, sequences and placement policies the restore recreates, and says nothing without any', () => {
  expect(schemaObjectsLine({ views: 2, sequences: 1, placementPolicies: 3 })).toBe('schema objects recreated beside the tables: 2 view(s), 1 sequence(s), 3 placement policy(ies)');
  expect(schemaObjectsLine({ views: 1 })).toBe('schema objects recreated beside the tables: 1 view(s)');
  expect(schemaObjectsLine({})).toBeUndefined();
});

test('status says when the cluster dropped the restore\'s pauses or import mode and the keeper put them back, and nothing otherwise', () => {
  const lastAtMs = Date.parse('2026-12-05T14:08:02.000Z');
  expect(holdsLine({ holdsReapplied: { count: 2, lastAtMs, lost: ['scheduler balance-region-scheduler is not paused', 'store 2 is in normal mode'] } })).toBe(
    'cluster dropped what the restore holds 2 time(s), re-applied at once; last at 2026-12-05T14:08:02.000Z: scheduler balance-region-scheduler is not paused; store 2 is in normal mode',
  );
  expect(holdsLine({})).toBeUndefined();
});
