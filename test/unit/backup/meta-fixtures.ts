import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Folder of the real BR metadata fixtures (README there). A copy inside the repo wins, so the
 * tests run on machines without the shared folder.
 */
export function realBrFixtures(): string {
  const inRepo = join(__dirname, '..', '..', 'fixtures', 'real-br');
  return existsSync(inRepo) ? inRepo : '/work/shared/fixtures/real-br';
}

export function readRealBr(relative: string): Buffer {
  return readFileSync(join(realBrFixtures(), relative));
}
