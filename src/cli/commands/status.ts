import { WorkflowNotFoundError } from '@temporalio/client';
import type { Command } from 'commander';
import { BrflowError, ErrorType } from '../../plan/error-types';
import type { RestoreProgress } from '../../workflows/types';
import { ingestedByHistory, pendingIngest, renderWaiting, withIngested } from './ingest-in-flight';
import { toListing } from './list';
import { renderOutcome, restoreOutcome } from './restore-outcome';
import { renderRetrying, retryingSteps } from './retrying-steps';
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

/**
 * The line saying the cluster dropped the restore's scheduler pauses or import mode (a PD leader change, a restarted
 * TiKV) and the keeper put them back at once; none when it never happened in this run.
 */
export function holdsLine(p: Pick<RestoreProgress, 'holdsReapplied'>): string | undefined {
  const h = p.holdsReapplied;
  if (!h) return undefined;
  return `cluster dropped what the restore holds ${h.count} time(s), re-applied at once; last at ${new Date(h.lastAtMs).toISOString()}: ${h.lost.join('; ')}`;
}

/**
 * The line counting the schema objects without data the restore recreates (views, sequences, placement policies
 * from the backup); none when there are none, or before the plan.
 */
export function schemaObjectsLine(p: Pick<RestoreProgress, 'views' | 'sequences' | 'placementPolicies'>): string | undefined {
  const parts = [
    ...(p.views ? [`${p.views} view(s)`] : []),
    ...(p.sequences ? [`${p.sequences} sequence(s)`] : []),
    ...(p.placementPolicies ? [`${p.placementPolicies} placement policy(ies)`] : []),
  ];
  return parts.length > 0 ? `schema objects recreated beside the tables: ${parts.join(', ')}` : undefined;
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
        // What reached the cluster beyond the batches the workflow counted: ranges of ingests in flight (or,
        // for a closed run, everything its history proves), and what a running import waits on.
        const running = d.status.name === 'RUNNING';
        const inFlight = running ? pendingIngest(d) : undefined;
        const byHistory = running ? undefined : await ingestedByHistory(client, d).catch(() => undefined);
        if (p && inFlight) p = withIngested(p, p.files.ingested + inFlight.files, p.bytes.ingested + inFlight.bytes);
        if (p && byHistory) p = withIngested(p, byHistory.files, byHistory.bytes);
        const waiting = inFlight?.waiting ?? [];
        // Steps failing and being tried again: what a restore that stands still (PD or TiDB unreachable) waits on.
        const retrying = running ? retryingSteps(d) : [];
        const outcome = await restoreOutcome(client, d);
        // A restore that failed on its input ended before it registered the query: nothing for a worker to answer.
        const noHandler = unanswered !== undefined && /did not register a handler/i.test(unanswered);
        const { phase, progressPct: pct } = toListing(d);
        const hint = unanswered !== undefined && !noHandler
          ? `no worker answered the progress query within ${QUERY_DEADLINE_MS / 1000} s (${unanswered}); is a brflow worker polling task queue ${d.taskQueue}?`
          : undefined;
        if (f.json) {
          const fallback = p ? {} : { ...(phase !== undefined ? { phase } : {}), ...(pct !== undefined ? { progressPct: pct } : {}) };
          const closed = outcome ? { ...(outcome.failure ? { failure: outcome.failure } : {}), ...(outcome.action ? { action: outcome.action } : {}), clusterHandedBack: outcome.clusterHandedBack, ...(outcome.resume ? { resume: outcome.resume } : {}) } : {};
          const live = inFlight ? { ingestInFlight: { batches: inFlight.batches, files: inFlight.files, bytes: inFlight.bytes }, waiting, retrying } : {};
          process.stdout.write(`${JSON.stringify({ status: d.status.name, ...(p ?? fallback), ...live, ...closed, ...(hint ? { progressUnavailable: hint } : {}) }, null, 2)}\n`);
          return;
        }
        if (p) {
          process.stdout.write(`${id}: ${d.status.name}\n${renderProgress(p)}\n`);
          const objects = schemaObjectsLine(p);
          if (objects) process.stdout.write(`${objects}\n`);
          const skipped = skippedLine(p);
          if (skipped) process.stdout.write(`${skipped}\n`);
          const holds = holdsLine(p);
          if (holds) process.stdout.write(`${holds}\n`);
          for (const m of p.checksum.mismatches) process.stdout.write(`checksum mismatch ${m.table}: backup ${m.expected.crc64xor}/${m.expected.totalKvs} kvs, restored ${m.actual.crc64xor}/${m.actual.totalKvs} kvs\n`);
        } else {
          // No progress answer: the search attributes still say the phase and the percentage ingested.
          process.stdout.write(`${id}: ${d.status.name}${phase !== undefined ? `, phase ${phase}` : ''}${pct !== undefined ? `, ${pct}% of bytes ingested` : ''}\n${hint ? `${hint}\n` : ''}`);
        }
        if (inFlight && inFlight.batches > 0) process.stdout.write(`in flight: ${inFlight.batches} batch(es), ${inFlight.files} files of finished ranges counted above\n`);
        for (const w of waiting) process.stdout.write(`${renderWaiting(w)}\n`);
        for (const r of retrying) process.stdout.write(`${renderRetrying(r, Date.now())}\n`);
        if (outcome) process.stdout.write(renderOutcome(id, outcome).split('\n').slice(1).join('\n'));
      } finally {
        await close();
      }
    },
  );
}
