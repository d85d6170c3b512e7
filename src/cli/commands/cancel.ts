import type { Command } from 'commander';
import { connectClient, describeFailure, restoreHandle, withTemporalOptions, type TemporalFlags } from './restore';

/**
 * `brflow cancel ID`: asks the restore to stop; it then waits for in-flight batches, hands the cluster back
 * and ends as Cancelled. (Never `temporal workflow terminate`: termination skips compensation.)
 */
export function register(program: Command): void {
  withTemporalOptions(program.command('cancel <workflowId>').description('cancel a restore (it compensates: the cluster is handed back)').option('--no-wait', 'return once cancellation is requested')).action(
    async (id: string, f: TemporalFlags & { wait: boolean }) => {
      const { client, close } = await connectClient(f);
      try {
        const h = restoreHandle(client, id);
        await h.cancel();
        if (!f.wait) {
          process.stdout.write(`cancellation of ${id} requested\n`);
          return;
        }
        await h.result().then(
          () => process.stdout.write(`${id} finished before the cancellation reached it\n`),
          (e: unknown) => process.stdout.write(`${id}: ${describeFailure(e)}; the cluster was handed back\n`),
        );
      } finally {
        await close();
      }
    },
  );
}
