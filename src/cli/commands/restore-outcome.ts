import { WorkflowFailedError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';
import { ERROR_GUIDE, RESUMABLE_FAILURES } from '../../plan/error-guide';
import type { ErrorTypeName } from '../../plan/error-types';

/** What a closed restore left behind, as the operator needs to read it: why it ended and what to do now. */
export interface RestoreOutcome {
  status: string;
  /** The innermost failure: what the operator can act on. */
  failure?: { type?: string; message: string };
  /** The README's action for the failure type, or what a terminated restore needs. */
  action?: string;
  /** Whether brflow handed the cluster back (normal mode, schedulers, PD config, safepoint). */
  clusterHandedBack: boolean;
  /**
   * The command that continues this restore where it stopped, when that is the way on: it was cancelled,
   * terminated or timed out, or failed on the cluster, storage or a data file (RESUMABLE_FAILURES).
   */
  resume?: string;
}

const resumeCommand = (workflowId: string): string => `brflow restore --resume ${workflowId}`;

/**
 * The command that continues a restore that ended in a cancel or a failure, when that is the way on: a cancel,
 * or a failure of the cluster, storage or a data file (RESUMABLE_FAILURES), not of the input or the schema.
 */
export function resumeAfter(workflowId: string, ended: { cancelled: boolean; failureType?: string }): string | undefined {
  const resumable = ended.cancelled || (ended.failureType !== undefined && RESUMABLE_FAILURES.has(ended.failureType as ErrorTypeName));
  return resumable ? resumeCommand(workflowId) : undefined;
}

/** The guide's action with this restore's ID where it names the restore's own (`--resume ID`, `-w ID`). */
function forThisRestore(action: string, workflowId: string): string {
  return action.replace(/--resume ID\b/g, `--resume ${workflowId}`).replace(/-w ID\b/g, `-w ${workflowId}`);
}

/**
 * Terminated (or timed out) means Temporal killed the run without the workflow's compensation: whatever it
 * had changed stays until its TTLs lapse.
 */
export const TERMINATED_ACTION =
  'it ended without compensating: TiKV may stay in import mode and PD schedulers paused with the schedule config overridden ' +
  'until their TTLs lapse (timings.pauseTtlSec, 300 s by default), and its GC safepoint is held until timings.gcTtlSec; ' +
  'check the stores and `pd-ctl scheduler show`, and cancel (never terminate) restores from now on';

/** Reads the close of a restore that is no longer running; undefined while it runs. */
export async function restoreOutcome(client: Client, d: WorkflowExecutionDescription): Promise<RestoreOutcome | undefined> {
  const status = d.status.name;
  switch (status) {
    case 'RUNNING':
      return undefined;
    case 'COMPLETED':
      return { status, clusterHandedBack: true };
    case 'TERMINATED':
    case 'TIMED_OUT':
      return { status, action: TERMINATED_ACTION, clusterHandedBack: false, resume: resumeCommand(d.workflowId) };
    default: {
      // FAILED, CANCELLED (and CONTINUED_AS_NEW, which result() follows): the close event carries the failure.
      const failure = await client.workflow.getHandle(d.workflowId, d.runId).result().then(
        () => undefined,
        (e: unknown) => innermostFailure(e),
      );
      const guide = failure?.type ? ERROR_GUIDE[failure.type as ErrorTypeName] : undefined;
      const resume = resumeAfter(d.workflowId, { cancelled: status === 'CANCELLED', ...(failure?.type ? { failureType: failure.type } : {}) });
      // The workflow compensates before it reports a failure or a cancel: that is its contract.
      return { status, ...(failure ? { failure } : {}), ...(guide ? { action: forThisRestore(guide.action, d.workflowId) } : {}), clusterHandedBack: true, ...(resume ? { resume } : {}) };
    }
  }
}

/**
 * The failure that names the cause: the first in the chain (workflow → activity → application) carrying one of
 * brflow's catalog types, which is what the workflow matched on; else the innermost message.
 */
export function innermostFailure(e: unknown): { type?: string; message: string } {
  let cur: unknown = e instanceof WorkflowFailedError ? (e.cause ?? e) : e;
  let last: { type?: string; message: string } = { message: e instanceof Error ? e.message : String(e) };
  while (cur instanceof Error) {
    const type = (cur as { type?: string }).type;
    if (type?.startsWith('Brflow:')) return { type, message: cur.message };
    last = { ...(type ? { type } : {}), message: cur.message };
    cur = (cur as { cause?: unknown }).cause;
  }
  return last;
}

/** The outcome as the lines `brflow status` and `brflow cancel` print. */
export function renderOutcome(id: string, o: RestoreOutcome): string {
  const lines = [`${id}: ${o.status}`];
  if (o.failure) lines.push(`failure: ${o.failure.type ? `${o.failure.type}: ` : ''}${o.failure.message}`);
  if (o.action) lines.push(`what to do: ${o.action}`);
  lines.push(o.clusterHandedBack ? 'cluster: handed back (normal mode, schedulers and PD config restored, safepoint released)' : 'cluster: NOT handed back');
  // Where the failure's own advice already ends in the command, a second line would only repeat it.
  if (o.resume && !o.action?.includes(o.resume)) lines.push(`continue it: ${o.resume} (its tables, finished batches and passed checksums are kept; flags override its input)`);
  return `${lines.join('\n')}\n`;
}
