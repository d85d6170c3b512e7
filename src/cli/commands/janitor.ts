import type { Command } from 'commander';
import type { JanitorResult } from '../../workflows/janitor';
import { BrflowError, ErrorType } from '../../plan/error-types';
import { leftoverServiceSafepoints } from './leftover-safepoints';
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
      .option('--lookback-hours <n>', 'how far back to look for ended restores', (v) => Number(v), 24)
      .option('--safepoints', 'instead: list leftover service GC safepoints (brflow ones no running restore holds, BR ones expiring far ahead)')
      .option('--remove', 'with --safepoints: remove them from PD')
      .option('--pd <addrs>', 'with --safepoints: PD endpoints, comma-separated (default BRFLOW_PD_ADDRESSES)', process.env.BRFLOW_PD_ADDRESSES)
      .option('--far-hours <n>', 'with --safepoints: a BR safepoint expiring more than this far ahead is a leftover', (v) => Number(v), 1),
  ).action(async (f: TemporalFlags & { taskQueue: string; lookbackHours: number; safepoints?: boolean; remove?: boolean; pd?: string; farHours: number }) => {
    const { client, close } = await connectClient(f);
    try {
      if (f.safepoints) {
        const pdEndpoints = (f.pd ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
        if (pdEndpoints.length === 0) throw new BrflowError(ErrorType.InvalidInput, '--safepoints needs the cluster: pass --pd host:2379 or set BRFLOW_PD_ADDRESSES');
        const found = await leftoverServiceSafepoints({ client, pdEndpoints, remove: f.remove === true, farHours: f.farHours });
        if (found.length === 0) process.stdout.write('no leftover service safepoint\n');
        for (const l of found) process.stdout.write(`${l.serviceId} at ${l.safePoint}: ${l.reason}${l.removed ? ' — removed' : ''}\n`);
        if (found.length > 0 && !f.remove) process.stdout.write('run again with --remove to remove them\n');
        return;
      }
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
