import { skippedLine } from '../../../src/cli/commands/status';

// `brflow status`: what a restore leaves out because its input skips the kind, as counts per kind.
test('status names the skipped counts per kind, and says nothing when nothing is skipped', () => {
  expect(skippedLine({ skipped: { foreignKeys: 3, placement: 1 } })).toBe('restored without (input skip): 3 foreignKeys, 1 placement');
  expect(skippedLine({})).toBeUndefined();
});
