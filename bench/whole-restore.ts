import { join } from 'node:path';
import type { Client, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { makeBackup } from '../src/backup/generator/make-backup';
import { LocalStorage } from '../src/backup/local-storage';
import type { ClusterTarget } from '../src/worker/cluster-deps';
import type { RestoreResult, restoreWorkflow } from '../src/workflows/restore';
import { eventMs, type HistoryEvent } from './activity-spans';

/** Shared pieces of the whole-restore benchmarks (overhead, dispatch, recovery). */

/** A make-backup backup of this shape; `regionsPerRange` cuts each range into that many files per CF. */
export interface BackupShape {
  tables: number;
  rows: number;
  regionsPerRange?: number;
}

export async function prepareBackup(dir: string, name: string, s: BackupShape): Promise<void> {
  await makeBackup(new LocalStorage(join(dir, name)), {
    seed: 7, tables: s.tables, rows: s.rows, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false,
    ...(s.regionsPerRange !== undefined ? { regionsPerRange: s.regionsPerRange } : {}),
  });
}

export function backupUrl(dir: string, name: string): string {
  return `local://${join(dir, name)}`;
}

/** The restore input naming a cluster (ClusterRef), as `brflow restore --pd … --tidb …` fills it. */
export function clusterRefOf(t: ClusterTarget): { pd: string[]; tidb: string; tidbStatus: string } {
  return { pd: t.pdEndpoints, tidb: `${t.tidb.host}:${t.tidb.port}`, tidbStatus: t.tidb.statusAddress };
}

export async function startRestore(client: Client, taskQueue: string, input: Record<string, unknown>): Promise<WorkflowHandleWithFirstExecutionRunId<typeof restoreWorkflow>> {
  return client.workflow.start<typeof restoreWorkflow>('restoreWorkflow', { taskQueue, workflowId: `bench-${taskQueue}-${Date.now()}`, args: [input] });
}

export { eventMs };

/** The restore reported every table restored and checksummed; throws naming what is missing. */
export function expectWholeRestore(r: RestoreResult | { tables: number; checksumPassed: number }, tables: number, what: string): void {
  const passed = 'checksum' in r ? r.checksum.passed : r.checksumPassed;
  if (r.tables !== tables || passed !== tables) throw new Error(`${what}: ${r.tables} tables, ${passed} checksums passed; expected ${tables} of each`);
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of no samples');
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * The ingest phase of a restore, from its history (the server's clock): first splitAndScatter scheduled to
 * last ingestBatch completed, and how many ingestBatch activities completed.
 */
export function ingestPhase(runs: readonly (readonly HistoryEvent[])[]): { ms: number; batches: number } {
  let first = Infinity;
  let last = -Infinity;
  let batches = 0;
  for (const events of runs) {
    const type = new Map<string, string>();
    for (const e of events) {
      const s = e.activityTaskScheduledEventAttributes;
      if (s?.activityType?.name) {
        type.set(String(e.eventId), s.activityType.name);
        if (s.activityType.name === 'splitAndScatter') first = Math.min(first, eventMs(e));
      }
      const c = e.activityTaskCompletedEventAttributes;
      if (c && type.get(String(c.scheduledEventId)) === 'ingestBatch') {
        batches++;
        last = Math.max(last, eventMs(e));
      }
    }
  }
  if (batches === 0 || !Number.isFinite(first)) throw new Error('the history holds no completed ingest');
  return { ms: last - first, batches };
}

/**
 * When the first activity completed by another worker than `identityPrefix` (`pid@`) after `afterMs`: the
 * restore going on again after that worker died. Undefined when none did.
 */
export function firstCompletionByOtherWorker(runs: readonly (readonly HistoryEvent[])[], identityPrefix: string, afterMs: number): { atMs: number; type: string } | undefined {
  let best: { atMs: number; type: string } | undefined;
  for (const events of runs) {
    const type = new Map<string, string>();
    for (const e of events) {
      const s = e.activityTaskScheduledEventAttributes;
      if (s?.activityType?.name) type.set(String(e.eventId), s.activityType.name);
      const c = e.activityTaskCompletedEventAttributes;
      if (!c || (c.identity ?? '').startsWith(identityPrefix)) continue;
      const at = eventMs(e);
      if (at > afterMs && (!best || at < best.atMs)) best = { atMs: at, type: type.get(String(c.scheduledEventId)) ?? '?' };
    }
  }
  return best;
}
