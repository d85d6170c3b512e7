import { ScheduleOverlapPolicy } from '@temporalio/client';
import type { Command } from 'commander';
import { BrflowError, ErrorType } from '../../plan/error-types';
import type { restoreWorkflow } from '../../workflows/restore';
import { withCrypterFlags } from '../crypter-flags';
import { checkedRestoreInput, connectClient, restoreInputFromFlags, withTemporalOptions, type RestoreFlags, type TemporalFlags } from './restore';

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

/**
 * `brflow schedule create|list|delete`: recurring test restores (e.g. nightly into a staging cluster).
 * Overlap SKIP (never two restores into one cluster), a short catch-up window so an outage does not fire
 * stale runs, and pause-on-failure so a failing test restore is noticed (temporal.md §6).
 */
export function register(program: Command): void {
  const schedule = program.command('schedule').description('recurring restores (Temporal schedules)');
  const create = withTemporalOptions(
    schedule
      .command('create <scheduleId>')
      .description('create a schedule that starts a restore')
      .option('--cron <expr>', 'cron expression, e.g. "0 3 * * *"')
      .option('--every <duration>', 'interval, e.g. 24h')
      .option('-s, --storage <url>', 'backup location: a folder path, local:///path or s3://bucket/prefix?endpoint=…')
      .option('-f, --filter <rule>', 'table filter rule (repeatable)', collect, [])
      .option('--input <file.json>', 'the full workflow input as JSON')
      .option('--task-queue <name>', 'task queue the workers poll', process.env.BRFLOW_TASK_QUEUE ?? 'brflow'),
  );
  withCrypterFlags(create, { keyOnCommandLine: false }).action(async (id: string, f: RestoreFlags & { cron?: string; every?: string }) => {
    if (!f.cron === !f.every) throw new BrflowError(ErrorType.InvalidInput, 'give exactly one of --cron or --every');
    const input = checkedRestoreInput(restoreInputFromFlags({ ...f, checksum: true }));
    const { client, close } = await connectClient(f);
    try {
      await client.schedule.create({
        scheduleId: id,
        spec: f.cron ? { cronExpressions: [f.cron] } : { intervals: [{ every: f.every! as `${number}h` }] },
        action: { type: 'startWorkflow', workflowType: 'restoreWorkflow' satisfies typeof restoreWorkflow.name, taskQueue: f.taskQueue, args: [input], workflowId: `${id}-restore` },
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10m', pauseOnFailure: true },
      });
      process.stdout.write(`schedule ${id} created\n`);
    } finally {
      await close();
    }
  });
  withTemporalOptions(schedule.command('list').description('list schedules')).action(async (f: TemporalFlags) => {
    const { client, close } = await connectClient(f);
    try {
      for await (const s of client.schedule.list()) {
        const spec = s.spec?.calendars?.length ? 'calendar' : s.spec?.intervals?.map((i) => `every ${String(i.every)}`).join(', ') ?? '';
        process.stdout.write(`${s.scheduleId}\t${s.state.paused ? 'paused' : 'active'}\t${spec}\tnext ${s.info.nextActionTimes[0]?.toISOString() ?? '-'}\n`);
      }
    } finally {
      await close();
    }
  });
  withTemporalOptions(schedule.command('delete <scheduleId>').description('delete a schedule (running restores continue)')).action(async (id: string, f: TemporalFlags) => {
    const { client, close } = await connectClient(f);
    try {
      await client.schedule.getHandle(id).delete();
      process.stdout.write(`schedule ${id} deleted\n`);
    } finally {
      await close();
    }
  });
}
