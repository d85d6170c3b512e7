import { createConnection, type RowDataPacket } from 'mysql2/promise';
import { GENERATED_SEQUENCE, GENERATED_SEQUENCE_LAST } from '../../../src/backup/generator/views-sequences';
import { eventMs } from '../../../bench/activity-spans';
import type { WorkflowHandle } from '@temporalio/client';
import type { TidbConnectionConfig } from '../../../src/cluster/tidb-config';
import type { RealTidb } from '../../../src/local-stack/real-tidb';
import { startSimulator } from '../../../src/simulator/server';
import { connectClusterDeps } from '../../../src/worker/cluster-deps';
import { workflowHistorySource } from '../../../src/worker/workflow-history';
import { progressQuery } from '../../../src/workflows/messages';
import { restoreWorkflow } from '../../../src/workflows/restore';
import { startDelayProxy } from '../../support/delay-proxy';
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
      backup: { seed: 29, tables: 8, rows: 200, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false, viewsAndSequences: true },
    }),
    startRealTidbForTest(),
  ]);
}, 120_000);

afterAll(async () => {
  await env?.close();
  await tidb?.stop();
});

type History = NonNullable<Awaited<ReturnType<WorkflowHandle<typeof restoreWorkflow>['fetchHistory']>>['events']>;

/**
 * One restore into 3 simulated stores and the shared real TiDB (with `tidbOptions`), which `disturb` upsets while
 * the restore runs. The restore must then finish with every table and checksum as in the backup and every store
 * normal; `check` looks at its history for what the disturbance did.
 */
async function restoreDisturbed(
  name: string,
  tidbOptions: Partial<TidbConnectionConfig>,
  disturb: (handle: WorkflowHandle<typeof restoreWorkflow>) => Promise<void>,
  check: (events: History) => void,
): Promise<void> {
  const sim = await startSimulator({ stores: 3, tidb: false, scatterPolls: 1 });
  const c: SimCluster = { sim, target: { pdEndpoints: sim.pdAddresses, tidb: { ...realTidbConfig(tidb), ...tidbOptions } }, baseline: schedulingView(sim) };
  const cd = await connectClusterDeps(c.target);
  try {
    await env.withWorkers({ deps: { ...cd.deps, history: workflowHistorySource(env.client) } }, async (taskQueue) => {
      const handle = await env.client.workflow.start(restoreWorkflow, {
        taskQueue,
        workflowId: `${name}-${taskQueue}`,
        args: [{ storage: `local://${env.dir}`, batchFiles: 2, concurrency: 2, tableGroupSize: 3, timings: FAST_TIMINGS }],
      });
      await disturb(handle);
      const result = await handle.result();
      // Tables only: the backup's views and sequence hold no data (checked by the tests that disturb their creation).
      const tables = env.manifest.tables.filter((t) => !t.info.view && !t.info.sequence && env.backup.tables.some((b) => b.db === t.db && b.table === t.name));
      expect(result.tables).toBe(tables.length);
      expect(result.checksum).toEqual({ enabled: true, passed: tables.length });
      expect(await restoredChecksums(c, tables)).toEqual(recordedChecksums(tables));
      check((await handle.fetchHistory()).events ?? []);
      expect(sim.inspector.snapshot().stores.map((s) => s.mode)).toEqual(['Normal', 'Normal', 'Normal']);
    });
  } finally {
    await cd.close();
    await sim.stop();
  }
}

test('a real TiDB SIGKILLed mid-restore and restarted: the restore finishes on new connections and every checksum matches', async () => {
  await restoreDisturbed('tidb-restart', {}, async (handle) => {
    await eventually(60_000, async () => expect((await handle.query(progressQuery)).batches.done).toBeGreaterThanOrEqual(1));
    const atKill = await handle.query(progressQuery);
    await tidb.kill();
    // Down long enough for the steps reading table layouts or creating tables to fail and back off.
    await new Promise((r) => setTimeout(r, 3000));
    await tidb.restart();
    expect(atKill.batches.done).toBeLessThan(atKill.batches.total);
  }, (events) => {
    // Some step met the dead TiDB and was retried: the history shows a failed attempt before the completion.
    expect(events.filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1).length).toBeGreaterThan(0);
  });
}, 300_000);

/** Runs `fn` on a connection of its own to the shared TiDB. */
async function withSql<T>(fn: (sql: Awaited<ReturnType<typeof createConnection>>) => Promise<T>): Promise<T> {
  const [host, port] = tidb.address.split(':') as [string, string];
  const sql = await createConnection({ host, port: Number(port), user: 'root' });
  try {
    return await fn(sql);
  } finally {
    await sql.end();
  }
}

/** Drops the databases an earlier test restored into the shared TiDB, so the next restore finds none of its tables. */
async function dropRestoredDatabases(): Promise<void> {
  await withSql(async (sql) => {
    for (const db of new Set(env.backup.tables.map((t) => t.db))) await sql.query(`DROP DATABASE IF EXISTS \`${db}\``);
  });
}

test.each([
  { statement: 'CREATE TABLE', hold: /CREATE TABLE/, activity: 'createTables' },
  { statement: 'CREATE DATABASE', hold: /CREATE DATABASE/, activity: 'createDatabases' },
  { statement: 'CREATE SEQUENCE', hold: /CREATE SEQUENCE/, activity: 'createDatabases' },
  { statement: 'CREATE VIEW', hold: /CREATE ALGORITHM=/, activity: 'createViews' },
])('a real TiDB that hangs (SIGSTOP) with a $statement in flight, longer than the statement deadline, then comes back: the restore completes with every table once and every checksum', async ({ hold, activity }) => {
  await dropRestoredDatabases();
  // brflow's SQL goes through a proxy that holds each such statement 300 ms: TiDB is frozen as soon as the first one
  // is held, so that statement reaches a TiDB that hangs and gets no answer by its 2 s deadline (the freeze: 6 s).
  const proxy = await startDelayProxy(tidb.address, hold, 300);
  let thawedAt = 0;
  let frozen = false;
  try {
    await restoreDisturbed('tidb-freeze', { host: '127.0.0.1', port: proxy.port, timeoutMs: 2000 }, async () => {
      await eventually(60_000, async () => expect(proxy.held.length).toBeGreaterThan(0), 5);
      process.kill(tidb.pid, 'SIGSTOP');
      frozen = true;
      await new Promise((r) => setTimeout(r, 6000));
      process.kill(tidb.pid, 'SIGCONT');
      frozen = false;
      thawedAt = Date.now();
    }, (events) => {
      // The statement got no answer by its deadline and may have run: its step's attempt failed retryably, and a
      // later attempt, after TiDB came back, found what it made and finished. Before, that statement's unknown
      // outcome failed the restore.
      const ids = new Set(events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activity).map((e) => String(e.eventId)));
      const starts = events.filter((e) => ids.has(String(e.activityTaskStartedEventAttributes?.scheduledEventId)));
      expect(starts.some((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1)).toBe(true);
      const doneAt = events.filter((e) => ids.has(String(e.activityTaskCompletedEventAttributes?.scheduledEventId))).map(eventMs);
      expect(doneAt.some((ms) => ms >= thawedAt)).toBe(true);
    });
  } finally {
    if (frozen) process.kill(tidb.pid, 'SIGCONT');
    await proxy.close();
  }
  // The views and the sequence are there once each, and the sequence goes on after the values the backup's handed out.
  await withSql(async (sql) => {
    const [objects] = await sql.query<RowDataPacket[]>("SELECT TABLE_NAME AS n, TABLE_TYPE AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE <> 'BASE TABLE' ORDER BY n", [GENERATED_SEQUENCE.db]);
    expect(objects.map((r) => `${String(r.n)}:${String(r.t)}`)).toEqual(['large_orders:VIEW', 'order_amounts:VIEW', 'order_no:SEQUENCE']);
    const [next] = await sql.query<RowDataPacket[]>(`SELECT NEXTVAL(\`${GENERATED_SEQUENCE.db}\`.\`${GENERATED_SEQUENCE.name}\`) AS v`);
    expect(BigInt(String(next[0]!.v))).toBeGreaterThan(GENERATED_SEQUENCE_LAST);
  });
}, 300_000);
