import type { Command } from 'commander';
import type { RestoreProgress } from '../../workflows/types';
import { connectClient, describeFailure, renderProgress, restoreHandle, withTemporalOptions, type TemporalFlags } from './restore';
import { BrflowError, ErrorType } from '../../plan/error-types';

/** `brflow pause ID`: drains in-flight batches and hands the cluster back; returns once it is handed back. */
export function register(program: Command): void {
  withTemporalOptions(program.command('pause <workflowId>').description('pause a restore: finish in-flight batches, then give the cluster back (normal mode, schedulers)')).action(
    async (id: string, f: TemporalFlags) => {
      const { client, close } = await connectClient(f);
      try {
        const p = await restoreHandle(client, id).executeUpdate<RestoreProgress, []>('pause').catch((e: unknown) => {
          throw new BrflowError(ErrorType.ClusterRejected, `cannot pause ${id}: ${describeFailure(e)}`);
        });
        process.stdout.write(`${renderProgress(p)}\n`);
      } finally {
        await close();
      }
    },
  );
}
