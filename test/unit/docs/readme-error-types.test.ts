import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_GUIDE } from '../../../src/plan/error-guide';
import { ErrorType } from '../../../src/plan/error-types';

/**
 * The README's failure table must name every error type a restore can end with, and only those, with the
 * same meaning and action `brflow status` prints from ERROR_GUIDE.
 */
test('the README’s "When a restore fails" table is ERROR_GUIDE, one row per ErrorType', () => {
  const readme = readFileSync(join(__dirname, '../../../README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### When a restore fails'), readme.indexOf('## Backups and plans'));
  const rows = [...section.matchAll(/^\| `(Brflow:[A-Za-z:]+)` \| (.*) \| (.*) \|$/gm)].map((m) => [m[1], { meaning: m[2], action: m[3] }] as const);
  expect(rows.map(([t]) => t).sort()).toEqual(Object.values(ErrorType).sort());
  expect(Object.fromEntries(rows)).toEqual(ERROR_GUIDE);
});
