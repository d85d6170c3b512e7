import type { Command } from 'commander';
import { WorkflowNotFoundError } from '@temporalio/client';
import { BrflowError, ErrorType } from '../../plan/error-types';
import { connectClient, restoreHandle, withTemporalOptions, type TemporalFlags } from './restore';
import { renderOutcome, restoreOutcome } from './restore-outcome';

/**
 * `brflow cancel ID`: asks the restore to stop; it then waits for in-flight batches, hands the cluster back
 * and ends as Cancelled. (Never `temporal workflow terminate`: termination skips compensation.)
 */
export function register(program: Command): void {
  withTemporalOptions(program.command('cancel <workflowId>').description('cancel a restore (it compensates: the cluster is handed back)').option('--no-wait', 'return once cancellation is requested')).action(
    async (id: string, f: TemporalFlags & { wait: boolean }) => {
      const { client, close, namespace } = await connectClient(f);
      try {
        const h = restoreHandle(client, id);
        const closed = await restoreOutcome(client, await h.describe().catch((e: unknown) => {
          if (e instanceof WorkflowNotFoundError) throw new BrflowError(ErrorType.InvalidInput, `no restore ${id} in namespace ${namespace}; \`brflow list\` shows the restores there`);
          throw e;
        }));
        if (closed) {
          // Nothing left to cancel: say what the restore's end left in the cluster, which differs by how it ended.
          process.stdout.write(`${id} is not running, nothing to cancel\n${renderOutcome(id, closed)}`);
          return;
        }
        await h.cancel();
        if (!f.wait) {
          process.stdout.write(`cancellation of ${id} requested\n`);
          return;
        }
        await h.result().catch(() => undefined);
        const after = await restoreOutcome(client, await h.describe());
        process.stdout.write(after?.status === 'COMPLETED' ? `${id} finished before the cancellation reached it\n` : renderOutcome(id, after!));
      } finally {
        await close();
      }
    },
  );
}
