import type { Command } from 'commander';
import { BrflowError, ErrorType } from '../../plan/error-types';
import type { RestoreProgress } from '../../workflows/types';
import { connectClient, describeFailure, renderProgress, restoreHandle, withTemporalOptions, type TemporalFlags } from './restore';

/** `brflow resume ID`: re-applies import mode and the scheduler pauses, then ingest continues. */
export function register(program: Command): void {
  withTemporalOptions(program.command('resume <workflowId>').description('resume a paused restore')).action(async (id: string, f: TemporalFlags) => {
    const { client, close } = await connectClient(f);
    try {
      const p = await restoreHandle(client, id).executeUpdate<RestoreProgress, []>('resume').catch((e: unknown) => {
        throw new BrflowError(ErrorType.ClusterRejected, `cannot resume ${id}: ${describeFailure(e)}`);
      });
      process.stdout.write(`${renderProgress(p)}\n`);
    } finally {
      await close();
    }
  });
}
