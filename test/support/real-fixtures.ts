import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The real BR metadata fixtures live in the steering repo's shared/ folder, which CI checks out beside the
 * clone (`<clone>/../shared`); developer machines have it at /work/shared.
 */
export function realBrFixturesDir(): string {
  const candidates = [
    resolve(__dirname, '..', '..', '..', 'shared', 'fixtures', 'real-br'),
    '/work/shared/fixtures/real-br',
  ];
  const found = candidates.find((c) => existsSync(join(c, 'README.md')));
  if (!found) throw new Error(`real BR fixtures not found; looked in ${candidates.join(', ')}`);
  return found;
}
