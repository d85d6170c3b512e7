import { schemaObjectsLine, skippedLine } from '../../../src/cli/commands/status';

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
