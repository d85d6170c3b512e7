import { WorkflowNotFoundError } from '@temporalio/client';
import type { Command } from 'commander';
import { BrflowError, ErrorType } from '../../plan/error-types';
import type { RestoreProgress } from '../../workflows/types';
import { toListing } from './list';
import { renderOutcome, restoreOutcome } from './restore-outcome';
import { connectClient, renderProgress, restoreHandle, withTemporalOptions, type TemporalFlags } from './restore';

/**
 * How long the progress query may wait. A query needs a worker to answer it, even for a closed restore; with
 * none polling, the server would hold the call until its own timeout while the operator stares at nothing.
 */
const QUERY_DEADLINE_MS = 5000;

/** The line naming, per kind, how many objects the tables are restored without (the input's skip); none when nothing is. */
export function skippedLine(p: Pick<RestoreProgress, 'skipped'>): string | undefined {
  if (!p.skipped) return undefined;
  return `restored without (input skip): ${Object.entries(p.skipped).map(([k, n]) => `${n} ${k}`).join(', ')}`;
}

/** `brflow status ID`: the restore's progress (a query), or what Temporal itself knows when no worker answers. */
export function register(program: Command): void {
  withTemporalOptions(program.command('status <workflowId>').description('show a restore\'s progress').option('--json', 'print the progress object as JSON')).action(
    async (id: string, f: TemporalFlags & { json?: boolean }) => {
      const { client, close, namespace } = await connectClient(f);
      try {
        const h = restoreHandle(client, id);
        const d = await h.describe().catch((e: unknown) => {
          if (e instanceof WorkflowNotFoundError) throw new BrflowError(ErrorType.InvalidInput, `no restore ${id} in namespace ${namespace}; \`brflow list\` shows the restores there`);
          throw e;
        });
        let p: RestoreProgress | undefined;
        let unanswered: string | undefined;
        try {
          p = await client.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => h.query<RestoreProgress>('progress'));
        } catch (e) {
          unanswered = e instanceof Error ? e.message : String(e);
        }
        const outcome = await restoreOutcome(client, d);
        // A restore that failed on its input ended before it registered the query: nothing for a worker to answer.
        const noHandler = unanswered !== undefined && /did not register a handler/i.test(unanswered);
        const { phase, progressPct: pct } = toListing(d);
        const hint = unanswered !== undefined && !noHandler
          ? `no worker answered the progress query within ${QUERY_DEADLINE_MS / 1000} s (${unanswered}); is a brflow worker polling task queue ${d.taskQueue}?`
          : undefined;
        if (f.json) {
          const fallback = p ? {} : { ...(phase !== undefined ? { phase } : {}), ...(pct !== undefined ? { progressPct: pct } : {}) };
          const closed = outcome ? { ...(outcome.failure ? { failure: outcome.failure } : {}), ...(outcome.action ? { action: outcome.action } : {}), clusterHandedBack: outcome.clusterHandedBack } : {};
          process.stdout.write(`${JSON.stringify({ status: d.status.name, ...(p ?? fallback), ...closed, ...(hint ? { progressUnavailable: hint } : {}) }, null, 2)}\n`);
          return;
        }
        if (p) {
          process.stdout.write(`${id}: ${d.status.name}\n${renderProgress(p)}\n`);
          const skipped = skippedLine(p);
          if (skipped) process.stdout.write(`${skipped}\n`);
          for (const m of p.checksum.mismatches) process.stdout.write(`checksum mismatch ${m.table}: backup ${m.expected.crc64xor}/${m.expected.totalKvs} kvs, restored ${m.actual.crc64xor}/${m.actual.totalKvs} kvs\n`);
        } else {
          // No progress answer: the search attributes still say the phase and the percentage ingested.
          process.stdout.write(`${id}: ${d.status.name}${phase !== undefined ? `, phase ${phase}` : ''}${pct !== undefined ? `, ${pct}% of bytes ingested` : ''}\n${hint ? `${hint}\n` : ''}`);
        }
        if (outcome) process.stdout.write(renderOutcome(id, outcome).split('\n').slice(1).join('\n'));
      } finally {
        await close();
      }
    },
  );
}
