import { join } from 'node:path';
import { realBrFixturesDir } from '../../support/real-fixtures';
import { openStorage } from '../../../src/backup/open-storage';
import { readManifest } from '../../../src/backup/read-manifest';
import type { Manifest } from '../../../src/backup/manifest';

/** The real BR fixtures (README in /work/shared/fixtures/real-br), read with the project's own reader. */
export function realBrDir(name: 'v1-tpcc' | 'v2-500tables'): string {
  return join(realBrFixturesDir(), name);
}

export async function readRealManifest(name: 'v1-tpcc' | 'v2-500tables'): Promise<Manifest> {
  return readManifest(openStorage(`local://${realBrDir(name)}`));
}
