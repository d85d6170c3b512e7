import { readFileSync } from 'node:fs';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { bundleRestoreWorkflows } from './worker-harness';

/**
 * Replays history files against today's workflow bundle, in a plain node process (no jest realms, temporal.md §8.1). argv: files; `--alter` renames the first planRestore
 * activity in each history first (a deliberate nondeterminism). Prints one JSON line: [{file, error?}].
 */
async function main(): Promise<void> {
  const alter = process.argv.includes('--alter');
  const files = process.argv.slice(2).filter((a) => a !== '--alter');
  const bundle = await bundleRestoreWorkflows();
  const results: { file: string; error?: string }[] = [];
  for (const file of files) {
    const history = temporal.api.history.v1.History.decode(readFileSync(file));
    if (alter) {
      const ev = history.events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'planRestore');
      if (ev) ev.activityTaskScheduledEventAttributes!.activityType!.name = 'somethingElse';
    }
    try {
      await Worker.runReplayHistory({ workflowBundle: bundle }, history, file);
      results.push({ file });
    } catch (e) {
      results.push({ file, error: `${(e as Error).name}: ${(e as Error).message}` });
    }
  }
  process.stdout.write(JSON.stringify(results) + '\n');
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
