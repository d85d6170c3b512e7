import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WORKER_NODE_OPTIONS } from '../../../src/worker/heap-bound';

/**
 * The scale bench measures the worker's memory under WORKER_NODE_OPTIONS; a Dockerfile that deployed another
 * heap bound would make that measurement say nothing about the deployed worker (it once said 1024 vs 384).
 */
test('the Dockerfile deploys the worker with the heap bound the scale bench measures', () => {
  const dockerfile = readFileSync(join(__dirname, '..', '..', '..', 'Dockerfile'), 'utf8');
  const env = dockerfile.split('\n').filter((l) => /^ENV\b/.test(l));
  const nodeOptions = env.flatMap((l) => [...l.matchAll(/\bNODE_OPTIONS=("[^"]*"|\S+)/g)].map((m) => m[1]!.replace(/^"|"$/g, '')));
  expect(nodeOptions).toEqual([WORKER_NODE_OPTIONS]);
  expect(WORKER_NODE_OPTIONS).toMatch(/^--max-old-space-size=\d+$/);
});
