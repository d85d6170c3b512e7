import { createConnection } from 'mysql2/promise';
import { eventMs } from '../../../bench/activity-spans';
import type { RealTidb } from '../../../src/local-stack/real-tidb';
import { startSimulator } from '../../../src/simulator/server';
import { connectClusterDeps } from '../../../src/worker/cluster-deps';
import { workflowHistorySource } from '../../../src/worker/workflow-history';
import { progressQuery } from '../../../src/workflows/messages';
import { restoreWorkflow } from '../../../src/workflows/restore';
import { eventually } from '../../support/eventually';
import { realTidbConfig, startRealTidbForTest } from '../../support/real-parts';
import { FAST_TIMINGS, openRestoreEnv, type RestoreEnvWithBackup } from '../../support/restore-env';
import { recordedChecksums, restoredChecksums, schedulingView, type SimCluster } from '../../support/sim-cluster';

/**
 * The target's TiDB crashes mid-restore and comes back (a rolling upgrade or an OOM kill): the steps that were
 * talking to it fail, are retried under their policies on new connections, and the restore completes with
 * every table as in the backup. The workers are not restarted.
 */
let env: RestoreEnvWithBackup;
let tidb: RealTidb;

beforeAll(async () => {
  [env, tidb] = await Promise.all([
    openRestoreEnv({
      prefix: 'tidb-restart',
      backup: { seed: 29, tables: 8, rows: 200, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false },
    }),
    startRealTidbForTest(),
  ]);
}, 120_000);

afterAll(async () => {
  await env?.close();
  await tidb?.stop();
});

test('a real TiDB SIGKILLed mid-restore and restarted: the restore finishes on new connections and every checksum matches', async () => {
  const sim = await startSimulator({ stores: 3, tidb: false, scatterPolls: 1 });
  const c: SimCluster = { sim, target: { pdEndpoints: sim.pdAddresses, tidb: realTidbConfig(tidb) }, baseline: schedulingView(sim) };
  const cd = await connectClusterDeps(c.target);
  try {
    await env.withWorkers({ deps: { ...cd.deps, history: workflowHistorySource(env.client) } }, async (taskQueue) => {
      const handle = await env.client.workflow.start(restoreWorkflow, {
        taskQueue,
        workflowId: `tidb-restart-${taskQueue}`,
        args: [{ storage: `local://${env.dir}`, batchFiles: 2, concurrency: 2, tableGroupSize: 3, timings: FAST_TIMINGS }],
      });
      await eventually(60_000, async () => expect((await handle.query(progressQuery)).batches.done).toBeGreaterThanOrEqual(1));
      const atKill = await handle.query(progressQuery);
      await tidb.kill();
      // Down long enough for the steps reading table layouts or creating tables to fail and back off.
      await new Promise((r) => setTimeout(r, 3000));
      await tidb.restart();
      expect(atKill.batches.done).toBeLessThan(atKill.batches.total);
      const result = await handle.result();
      const tables = env.manifest.tables.filter((t) => env.backup.tables.some((b) => b.db === t.db && b.table === t.name));
      expect(result.tables).toBe(tables.length);
      expect(result.checksum).toEqual({ enabled: true, passed: tables.length });
      expect(await restoredChecksums(c, tables)).toEqual(recordedChecksums(tables));
      // Some step met the dead TiDB and was retried: the history shows a failed attempt before the completion.
      const events = (await handle.fetchHistory()).events ?? [];
      const retried = events.filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1);
      expect(retried.length).toBeGreaterThan(0);
      expect(sim.inspector.snapshot().stores.map((s) => s.mode)).toEqual(['Normal', 'Normal', 'Normal']);
    });
  } finally {
    await cd.close();
    await sim.stop();
  }
}, 300_000);

/** Drops the databases an earlier test restored into the shared TiDB, so the next restore finds none of its tables. */
async function dropRestoredDatabases(): Promise<void> {
  const [host, port] = tidb.address.split(':') as [string, string];
  const sql = await createConnection({ host, port: Number(port), user: 'root' });
  try {
    for (const db of new Set(env.backup.tables.map((t) => t.db))) await sql.query(`DROP DATABASE IF EXISTS \`${db}\``);
  } finally {
    await sql.end();
  }
}

test('a real TiDB that hangs (SIGSTOP) while tables are created, longer than the statement deadline, then comes back: the restore completes with every table once and every checksum', async () => {
  await dropRestoredDatabases();
  const sim = await startSimulator({ stores: 3, tidb: false, scatterPolls: 1 });
  // A 2 s statement deadline, so that the freeze (6 s) outlasts it: statements TiDB received before it froze are
  // given up by brflow and may still run once it thaws.
  const target = { pdEndpoints: sim.pdAddresses, tidb: { ...realTidbConfig(tidb), timeoutMs: 2000 } };
  const c: SimCluster = { sim, target, baseline: schedulingView(sim) };
  const cd = await connectClusterDeps(c.target);
  let frozen = false;
  try {
    await env.withWorkers({ deps: { ...cd.deps, history: workflowHistorySource(env.client) } }, async (taskQueue) => {
      const handle = await env.client.workflow.start(restoreWorkflow, {
        taskQueue,
        workflowId: `tidb-freeze-${taskQueue}`,
        args: [{ storage: `local://${env.dir}`, batchFiles: 2, concurrency: 2, tableGroupSize: 3, timings: FAST_TIMINGS }],
      });
      // Frozen as soon as the first group's tables are being created.
      await eventually(60_000, async () => {
        const events = (await handle.fetchHistory()).events ?? [];
        expect(events.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'createTables')).toBe(true);
      }, 20);
      process.kill(tidb.pid, 'SIGSTOP');
      frozen = true;
      await new Promise((r) => setTimeout(r, 6000));
      process.kill(tidb.pid, 'SIGCONT');
      frozen = false;
      const thawedAt = Date.now();
      const result = await handle.result();
      const tables = env.manifest.tables.filter((t) => env.backup.tables.some((b) => b.db === t.db && b.table === t.name));
      expect(result.tables).toBe(tables.length);
      expect(result.checksum).toEqual({ enabled: true, passed: tables.length });
      expect(await restoredChecksums(c, tables)).toEqual(recordedChecksums(tables));
      // The freeze hit table creation: a CREATE got no answer by its deadline, its createTables attempt failed
      // retryably (the CREATE may have run) and a later attempt, after TiDB came back, adopted what it found and
      // finished. Before, that CREATE's unknown outcome failed the restore.
      const events = (await handle.fetchHistory()).events ?? [];
      const createIds = new Set(events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'createTables').map((e) => String(e.eventId)));
      const starts = events.filter((e) => createIds.has(String(e.activityTaskStartedEventAttributes?.scheduledEventId)));
      expect(starts.some((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1)).toBe(true);
      const createdAt = events.filter((e) => createIds.has(String(e.activityTaskCompletedEventAttributes?.scheduledEventId))).map(eventMs);
      expect(createdAt.some((ms) => ms >= thawedAt)).toBe(true);
      expect(sim.inspector.snapshot().stores.map((s) => s.mode)).toEqual(['Normal', 'Normal', 'Normal']);
    });
  } finally {
    if (frozen) process.kill(tidb.pid, 'SIGCONT');
    await cd.close();
    await sim.stop();
  }
}, 300_000);
