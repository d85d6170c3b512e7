import { writeFile } from 'node:fs/promises';
import { bundleWorkflowCode } from '@temporalio/worker';

/**
 * Builds the restore workflows' bundle once, ahead of the worker, and writes it to `outPath` (give it to the
 * worker as BRFLOW_WORKFLOW_BUNDLE).
 *
 * Why ahead: a worker without a prebuilt bundle runs webpack at start, in its own process; webpack's modules,
 * sources and source maps stay reachable from the heap for the worker's whole life (about 10 MiB of strings
 * plus their code) and the build's transient peak sets the worker's high-water RSS before any restore runs.
 */
export async function writeWorkflowBundle(outPath: string): Promise<void> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    logger: { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
  });
  await writeFile(outPath, code);
}
