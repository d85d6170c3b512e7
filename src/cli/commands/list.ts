import type { WorkflowExecutionInfo } from '@temporalio/client';
import type { Command } from 'commander';
import { storageUrlForDisplay } from '../../backup/storage-url';
import { BrflowError, ErrorType } from '../../plan/error-types';
import { connectClient, withTemporalOptions, type TemporalFlags } from './restore';

/** One restore as `brflow list` shows it: what an operator scans for before acting on an ID. */
export interface RestoreListing {
  workflowId: string;
  status: string;
  /** BrRestorePhase search attribute; absent where the namespace has not registered it. */
  phase?: string;
  /** BrRestoreProgress (bytes ingested, %); absent until the first batch or where unregistered. */
  progressPct?: number;
  startTime: string;
  closeTime?: string;
  /** The backup's storage URL, from the memo (no credentials ever enter it). */
  storage?: string;
  taskQueue: string;
}

const STATUSES = ['RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED', 'CONTINUED_AS_NEW', 'TIMED_OUT'] as const;

/** The visibility query: restore workflows only, optionally one status (a list filter, not free text). */
export function listQuery(status: string | undefined): string {
  const parts = [`WorkflowType = 'restoreWorkflow'`];
  if (status !== undefined) {
    const s = status.toUpperCase();
    if (!(STATUSES as readonly string[]).includes(s)) {
      throw new BrflowError(ErrorType.InvalidInput, `--status ${status} is not a workflow status; use one of ${STATUSES.join(', ')}`);
    }
    // Temporal's visibility spells them in CamelCase (Running, ContinuedAsNew, …).
    parts.push(`ExecutionStatus = '${s.toLowerCase().split('_').map((w) => w[0]!.toUpperCase() + w.slice(1)).join('')}'`);
  }
  return parts.join(' AND ');
}

/** What a listing needs of a workflow: a list entry and a describe() result both have it. */
type ListedExecution = Pick<WorkflowExecutionInfo, 'workflowId' | 'status' | 'searchAttributes' | 'memo' | 'startTime' | 'closeTime' | 'taskQueue'>;

export function toListing(w: ListedExecution): RestoreListing {
  const phase = w.searchAttributes?.BrRestorePhase?.[0];
  const pct = w.searchAttributes?.BrRestoreProgress?.[0];
  // The workflow's memo once it planned; before that, the one `brflow restore` sets at start.
  const storage = (w.memo?.backup as { storage?: unknown } | undefined)?.storage ?? w.memo?.storage;
  return {
    workflowId: w.workflowId,
    status: w.status.name,
    ...(typeof phase === 'string' ? { phase } : {}),
    ...(typeof pct === 'number' ? { progressPct: pct } : {}),
    startTime: w.startTime.toISOString(),
    ...(w.closeTime ? { closeTime: w.closeTime.toISOString() } : {}),
    // Shown without any parameter that could hold a credential, whatever an older run's memo kept.
    ...(typeof storage === 'string' ? { storage: storageUrlForDisplay(storage) } : {}),
    taskQueue: w.taskQueue,
  };
}

/** Fixed-width columns; the storage URL last because it is the longest. */
export function renderListing(rows: readonly RestoreListing[]): string {
  const header = ['WORKFLOW ID', 'STATUS', 'PHASE', 'PROGRESS', 'STARTED', 'STORAGE'];
  const cells = rows.map((r) => [r.workflowId, r.status, r.phase ?? '-', r.progressPct === undefined ? '-' : `${r.progressPct}%`, r.startTime, r.storage ?? '-']);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]): string => c.map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i]!))).join('  ');
  return [line(header), ...cells.map(line)].join('\n');
}

/** `brflow list`: the restores Temporal knows, newest first, with phase and progress from search attributes. */
export function register(program: Command): void {
  withTemporalOptions(
    program
      .command('list')
      .description('list restores (newest first) with status, phase and progress')
      .option('--status <status>', `only restores in this state (${STATUSES.join(', ')})`)
      .option('--limit <n>', 'at most this many', '20')
      .option('--json', 'print the listing as JSON'),
  ).action(async (f: TemporalFlags & { status?: string; limit: string; json?: boolean }) => {
    const limit = Number(f.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new BrflowError(ErrorType.InvalidInput, `--limit ${f.limit} must be a positive whole number`);
    const query = listQuery(f.status);
    const { client, close } = await connectClient(f);
    try {
      const rows: RestoreListing[] = [];
      for await (const w of client.workflow.list({ query, pageSize: Math.min(limit, 100) })) {
        rows.push(toListing(w));
        if (rows.length >= limit) break;
      }
      process.stdout.write(f.json ? `${JSON.stringify(rows, null, 2)}\n` : `${rows.length === 0 ? 'no restores' : renderListing(rows)}\n`);
    } finally {
      await close();
    }
  });
}
