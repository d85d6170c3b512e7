import type { Command } from 'commander';
import type { JanitorResult } from '../../workflows/janitor';
import { connectClient, withTemporalOptions, type TemporalFlags } from './restore';

/**
 * `brflow janitor`: runs the janitor once (the worker also runs it on a Schedule): every restore of the task
 * queue that was terminated or timed out, and so never compensated, gets its undo run from what its history
 * recorded, unless a newer restore owns that cluster state now.
 */
export function register(program: Command): void {
  withTemporalOptions(
    program
      .command('janitor')
      .description('undo what terminated or timed-out restores left in the cluster (import mode, paused schedulers, PD config, safepoint, rate limit)')
      .option('--task-queue <name>', 'task queue the workers poll', process.env.BRFLOW_TASK_QUEUE ?? 'brflow')
      .option('--lookback-hours <n>', 'how far back to look for ended restores', (v) => Number(v), 24),
  ).action(async (f: TemporalFlags & { taskQueue: string; lookbackHours: number }) => {
    const { client, close } = await connectClient(f);
    try {
      const r: JanitorResult = await client.workflow.execute('janitorWorkflow', {
        taskQueue: f.taskQueue,
        workflowId: `brflow-janitor-${f.taskQueue}-manual-${new Date().toISOString().replace(/[:.]/g, '-')}`,
        args: [{ lookbackHours: f.lookbackHours }],
      });
      if (r.cleaned.length === 0) process.stdout.write('nothing to clean up\n');
      for (const c of r.cleaned) {
        process.stdout.write(`${c.workflowId} (run ${c.runId}): undone ${c.undone.length > 0 ? c.undone.join(', ') : 'nothing (it owed nothing)'}${c.ownedBy ? `; import mode and schedulers left to ${c.ownedBy}, running on that cluster` : ''}\n`);
      }
    } finally {
      await close();
    }
  });
}
