import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorType } from '../../../src/plan/error-types';

/** The README's failure table must name every error type a restore can end with, and only those. */
test('every ErrorType has a row in the README’s "When a restore fails" table', () => {
  const readme = readFileSync(join(__dirname, '../../../README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### When a restore fails'), readme.indexOf('## Backups and plans'));
  const rows = [...section.matchAll(/^\| `(Brflow:[A-Za-z:]+)` \|/gm)].map((m) => m[1]);
  expect([...rows].sort()).toEqual(Object.values(ErrorType).sort());
});
