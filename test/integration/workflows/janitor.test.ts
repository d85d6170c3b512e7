import { isDeepStrictEqual } from 'node:util';
import type { WorkflowHandle } from '@temporalio/client';
import { leftoverServiceSafepoints } from '../../../src/cli/commands/leftover-safepoints';
import { janitorScheduleId, ensureJanitorSchedule } from '../../../src/worker/janitor-schedule';
import type { JanitorResult } from '../../../src/workflows/janitor';
import { restoreWorkflow } from '../../../src/workflows/restore';
import { activityRecords, completedBatches } from '../../support/crash-history';
import { FAST_TIMINGS, openRestoreEnv, type RestoreEnvWithBackup } from '../../support/restore-env';
import { clusterNormality, expectedNormality, recordedChecksums, restoredChecksums, type SimCluster } from '../../support/sim-cluster';

/**
 * Issue #11, cleanup after termination: a restore terminated mid-ingest never compensates. With TTLs far longer
 * than the test (nothing expires by itself), the janitor Schedule the worker creates must hand the cluster back
 * within its period: stores in normal mode, schedulers running, no TTL override, no brflow safepoint, no rate
 * limit. When a newer restore runs on the cluster, only the dead run's safepoint goes.
 */
const HOLD = { ...FAST_TIMINGS, keeperIntervalMs: 1000, gcTtlSec: 3600, pauseTtlSec: 3600, heartbeatTimeoutMs: 2000, compensationMaxIntervalMs: 300 };
const JANITOR_EVERY_MS = 3000;

let env: RestoreEnvWithBackup;

beforeAll(async () => {
  env = await openRestoreEnv({ prefix: 'janitor', backup: { seed: 9, tables: 4, rows: 30, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false } });
});

afterAll(() => env?.close());

const input = (filters: string[] = []): Record<string, unknown> => ({ storage: `local://${env.dir}`, filters, batchFiles: 2, mergeRegionSizeBytes: 1, mergeRegionKeyCount: 1, concurrency: 2, rateLimitBytesPerSec: 1 << 30, timings: HOLD });

async function waitFor(what: string, ok: () => Promise<boolean> | boolean, ms = 60_000): Promise<void> {
  for (const end = Date.now() + ms; !(await ok()); ) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts a restore and terminates it once it is ingesting (import mode on, a batch done); returns its run ID. */
async function terminateMidIngest(c: SimCluster, taskQueue: string, id: string, filters: string[] = []): Promise<WorkflowHandle> {
  const h = await env.client.workflow.start(restoreWorkflow, { taskQueue, workflowId: id, args: [input(filters)] });
  await waitFor('ingest under way', async () => c.sim.inspector.snapshot().stores.every((s) => s.mode === 'Import') && completedBatches({ activities: activityRecords((await h.fetchHistory()).events ?? []) }).length >= 1);
  await h.terminate('operator terminated it');
  // Its in-flight ingest stops at its next heartbeat.
  await new Promise((r) => setTimeout(r, 2 * HOLD.heartbeatTimeoutMs));
  return h;
}

test('after a terminate mid-ingest, the janitor Schedule hands the cluster back within its period', async () => {
  await env.withCluster(async (c, taskQueue) => {
    c.sim.faults.addLatency({ rpc: 'Download', ms: 150 });
    const h = await terminateMidIngest(c, taskQueue, `janitor-a-${taskQueue}`);
    const runId = (await h.describe()).runId;
    // Nothing undid it: this is what the janitor has to clean up.
    const held = clusterNormality(c.sim);
    expect(held.storeModes.every((m) => m === 'Import')).toBe(true);
    expect(Object.values(held.scheduling.schedulers).some((paused) => paused)).toBe(true);
    expect(held.configOverrides.length).toBeGreaterThan(0);
    expect(held.brflowSafepoints).toHaveLength(1);
    expect(held.speedLimits.every((l) => l > 0)).toBe(true);

    expect(await ensureJanitorSchedule(env.client, taskQueue, JANITOR_EVERY_MS)).toBe('created');
    try {
      const t0 = Date.now();
      await waitFor('the cluster handed back', () => isDeepStrictEqual(clusterNormality(c.sim), expectedNormality(c)), 4 * JANITOR_EVERY_MS + 20_000);
      expect(Date.now() - t0).toBeLessThan(JANITOR_EVERY_MS + 20_000);
      const cleanup = await env.client.workflow.getHandle(`brflow-cleanup-${runId}`).result();
      expect([...cleanup.undone].sort()).toEqual(['clearRateLimit', 'normalMode', 'removeGcSafepoint', 'restoreSchedules']);
      // Cleaned once: a later janitor run finds nothing to do for it.
      const again: JanitorResult = await env.client.workflow.execute('janitorWorkflow', { taskQueue, workflowId: `janitor-once-${taskQueue}`, args: [{}] });
      expect(again.cleaned).toEqual([]);
    } finally {
      await env.client.schedule.getHandle(janitorScheduleId(taskQueue)).delete();
    }
    expect(clusterNormality(c.sim)).toEqual(expectedNormality(c));
  });
});

test('a newer restore running on the cluster keeps its import mode: the janitor removes only the dead run’s safepoint', async () => {
  await env.withCluster(async (c, taskQueue) => {
    c.sim.faults.addLatency({ rpc: 'Download', ms: 150 });
    // Other tables than the dead run's: a restore into tables holding rows is refused (TableNotEmpty).
    const tables = env.manifest.tables;
    const [deadTables, newerTables] = [tables.slice(0, 2), tables.slice(2)];
    const dead = await terminateMidIngest(c, taskQueue, `janitor-b-${taskQueue}`, deadTables.map((t) => `${t.db}.${t.name}`));
    const deadSafepoints = clusterNormality(c.sim).brflowSafepoints;
    expect(deadSafepoints).toHaveLength(1);
    const newer = await env.client.workflow.start(restoreWorkflow, { taskQueue, workflowId: `janitor-c-${taskQueue}`, args: [input(newerTables.map((t) => `${t.db}.${t.name}`))] });
    await waitFor('the newer restore ingesting', async () => completedBatches({ activities: activityRecords((await newer.fetchHistory()).events ?? []) }).length >= 1);
    const r: JanitorResult = await env.client.workflow.execute('janitorWorkflow', { taskQueue, workflowId: `janitor-once-${taskQueue}`, args: [{}] });
    expect(r.cleaned).toEqual([{ workflowId: dead.workflowId, runId: (await dead.describe()).runId, undone: ['removeGcSafepoint'], ownedBy: newer.workflowId }]);
    const mid = clusterNormality(c.sim);
    // The newer restore still ingests in import mode; only the dead run's safepoint is gone.
    expect(mid.storeModes.every((m) => m === 'Import')).toBe(true);
    expect(mid.brflowSafepoints.filter((s) => deadSafepoints.includes(s))).toEqual([]);
    expect(mid.brflowSafepoints).toHaveLength(1);
    await newer.result();
    expect(await restoredChecksums(c, newerTables)).toEqual(recordedChecksums(newerTables));
    expect(clusterNormality(c.sim)).toEqual(expectedNormality(c));
  });
});

test('brflow janitor --safepoints lists, and with --remove removes, a brflow safepoint nobody holds and a BR one set far ahead (read from PD\'s gc/safepoint API)', async () => {
  await env.withCluster(async (c) => {
    const gc = c.sim.state.gc;
    gc.updateService('brflow-dead-restore', 600, 100n);
    gc.updateService('br-stuck', 7 * 86_400, 100n);
    gc.updateService('br-running', 300, 100n);
    const listed = await leftoverServiceSafepoints({ client: env.client, pdEndpoints: c.target.pdEndpoints, remove: false, farHours: 1 });
    expect(listed.map((l) => [l.serviceId, l.safePoint, l.removed])).toEqual([
      ['brflow-dead-restore', 100n, false],
      ['br-stuck', 100n, false],
    ]);
    expect(gc.list().map((s) => s.serviceId).sort()).toEqual(['br-running', 'br-stuck', 'brflow-dead-restore', 'gc_worker']);
    const removed = await leftoverServiceSafepoints({ client: env.client, pdEndpoints: c.target.pdEndpoints, remove: true, farHours: 1 });
    expect(removed.map((l) => [l.serviceId, l.removed])).toEqual([
      ['brflow-dead-restore', true],
      ['br-stuck', true],
    ]);
    expect(gc.list().map((s) => s.serviceId).sort()).toEqual(['br-running', 'gc_worker']);
  });
});
