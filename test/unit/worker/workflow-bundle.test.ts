import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as workflows from '../../../src/workflows';
import { writeWorkflowBundle } from '../../../src/worker/workflow-bundle';

describe('writeWorkflowBundle', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'brflow-bundle-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a bundle holding every workflow the worker registers, so BRFLOW_WORKFLOW_BUNDLE can replace webpack at start', async () => {
    const out = join(dir, 'workflow-bundle.js');
    await writeWorkflowBundle(out);
    expect((await stat(out)).size).toBeGreaterThan(10_000);
    const code = await readFile(out, 'utf8');
    const names = Object.keys(workflows).filter((k) => typeof (workflows as Record<string, unknown>)[k] === 'function');
    expect(names).toEqual(expect.arrayContaining(['restoreWorkflow', 'janitorWorkflow', 'clusterLockWorkflow']));
    for (const name of names) expect(code).toContain(name);
    // The webpack runtime stays out of the worker: the bundle is the workflows' code, not a build step.
    expect(code).not.toMatch(/Module not found|webpack\/lib\//);
  }, 60_000);
});
