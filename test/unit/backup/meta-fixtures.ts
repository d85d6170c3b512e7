import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { realBrFixturesDir } from '../../support/real-fixtures';

/** Folder of the real BR metadata fixtures (README there). */
export function realBrFixtures(): string {
  return realBrFixturesDir();
}

export function readRealBr(relative: string): Buffer {
  return readFileSync(join(realBrFixtures(), relative));
}
