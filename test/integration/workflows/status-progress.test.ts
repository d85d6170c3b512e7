import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { IngestHeartbeat } from '../../../src/activities/ingest';
import { restoreWorkflow } from '../../../src/workflows/restore';
import type { RestoreProgress } from '../../../src/workflows/types';
import { testTemporalAddress } from '../../support/env';
import { FAST_TIMINGS, openRestoreEnv, type RestoreEnvWithBackup } from '../../support/restore-env';
import { clusterNormality, expectedNormality } from '../../support/sim-cluster';
import { runCli } from '../../support/run-cli';

/**
 * Issue 13 point 6: `brflow status` counts what reached the cluster, ranges included, not only the batches the
 * workflow saw complete, while a restore runs and after it was cancelled or terminated mid-batch; and an
 * import waiting on a store that is down says so, with the store and since when, in the log and in status.
 */

const run = (args: string[]) => runCli([...args, '--address', testTemporalAddress()]);

let env: RestoreEnvWithBackup;
beforeAll(async () => {
  env = await openRestoreEnv({ prefix: 'status-progress', backup: { seed: 13, tables: 4, rows: 40, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false } });
});
afterAll(() => env?.close());

/** One batch holding every range, imported one range at a time: the workflow counts nothing until it completes. */
const oneSlowBatch = { storage: '', batchFiles: 10_000, concurrency: 1, rangesInFlight: 1, checksum: false, timings: FAST_TIMINGS };

/** The running ingest's last heartbeat, once it finished at least `ranges` ranges (bounded wait). */
async function heartbeatAfter(client: Client, id: string, ranges: number): Promise<IngestHeartbeat> {
  for (let i = 0; i < 300; i++) {
    const d = await client.workflow.getHandle(id).describe();
    const a = d.raw.pendingActivities?.find((x) => x.activityType?.name === 'ingestBatch');
    const p = a?.heartbeatDetails?.payloads?.[0];
    const h = p ? defaultPayloadConverter.fromPayload<IngestHeartbeat>(p as never) : undefined;
    if (h && h.next >= ranges) return h;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no ingest of ${id} finished ${ranges} ranges in 30 s`);
}

test('running, waiting on a down store, then cancelled: status counts the finished ranges and names the store it waits on', async () => {
  await env.withCluster({ stores: 3 }, async (c, taskQueue) => {
    c.sim.faults.addLatency({ rpc: 'Download', ms: 300 });
    const id = `progress-cancel-${taskQueue}`;
    const h = await env.client.workflow.start(restoreWorkflow, { taskQueue, workflowId: id, args: [{ ...oneSlowBatch, storage: `local://${env.dir}` }] });
    const beat = await heartbeatAfter(env.client, id, 2);
    expect(beat.ranges).toBeGreaterThan(3);
    // A store goes down: the import retries on it and says so.
    c.sim.faults.storeDown(2);
    let live: { files: { ingested: number; total: number }; waiting: Array<{ storeId?: string; address: string }> } | undefined;
    let text = '';
    for (let i = 0; i < 60 && !(live?.waiting.length); i++) {
      await new Promise((r) => setTimeout(r, 250));
      const st = await run(['status', id, '--json']);
      expect(st.code).toBe(0);
      live = JSON.parse(st.stdout) as typeof live;
    }
    const query = await h.query<RestoreProgress>('progress');
    expect(query.files.ingested).toBe(0);
    expect(live!.files.ingested).toBeGreaterThan(0);
    expect(live!.waiting[0]).toMatchObject({ storeId: '2', address: c.sim.state.stores().find((s) => s.id === 2)!.address });
    text = (await run(['status', id])).stdout;
    expect(text).toMatch(new RegExp(`^waiting for store 2 at ${live!.waiting[0]!.address.replace(/\./g, '\\.')} since \\d{4}-\\d\\d-\\d\\dT`, 'm'));

    // Back up, and cancelled at once: the range in flight finishes, no other starts.
    c.sim.faults.storeUp(2);
    await h.cancel();
    await h.result().catch(() => undefined);
    // The cancelled batch's ranges reached the cluster; the workflow never counted them.
    // A closed run's progress is a query a worker answers by replaying it (5 s deadline): under a loaded machine
    // the first answer can miss it and status prints only what Temporal knows, so ask again, a few times.
    let closed = JSON.parse((await run(['status', id, '--json'])).stdout) as RestoreProgress & { status: string };
    for (let i = 0; i < 4 && closed.files === undefined; i++) closed = JSON.parse((await run(['status', id, '--json'])).stdout) as typeof closed;
    expect(closed.status).toBe('CANCELLED');
    expect((await h.query<RestoreProgress>('progress')).files.ingested).toBe(0);
    expect(closed.files.ingested).toBeGreaterThan(live!.files.ingested - 1);
    expect(closed.files.ingested).toBeGreaterThan(0);
    expect(closed.files.ingested).toBeLessThan(closed.files.total);
    expect(clusterNormality(c.sim)).toEqual(expectedNormality(c));
  });
}, 120_000);

test('terminated mid-batch: status still counts the ranges that reached the cluster', async () => {
  await env.withCluster(async (c, taskQueue) => {
    c.sim.faults.addLatency({ rpc: 'Download', ms: 150 });
    const id = `progress-terminate-${taskQueue}`;
    const h = await env.client.workflow.start(restoreWorkflow, { taskQueue, workflowId: id, args: [{ ...oneSlowBatch, storage: `local://${env.dir}` }] });
    const beat = await heartbeatAfter(env.client, id, 2);
    await h.terminate('operator pressed the wrong button');
    // A closed run's progress is a query a worker answers by replaying it (5 s deadline): under a loaded machine
    // the first answer can miss it and status prints only what Temporal knows, so ask again, a few times.
    let closed = JSON.parse((await run(['status', id, '--json'])).stdout) as RestoreProgress & { status: string };
    for (let i = 0; i < 4 && closed.files === undefined; i++) closed = JSON.parse((await run(['status', id, '--json'])).stdout) as typeof closed;
    expect(closed.status).toBe('TERMINATED');
    expect(closed.files.ingested).toBeGreaterThanOrEqual(beat.files!);
    expect(closed.files.ingested).toBeGreaterThan(0);
  });
}, 120_000);

test('failed mid-batch: status counts the ranges the failed ingest finished', async () => {
  await env.withCluster(async (c, taskQueue) => {
    c.sim.faults.addLatency({ rpc: 'Download', ms: 150 });
    const id = `progress-failed-${taskQueue}`;
    const h = await env.client.workflow.start(restoreWorkflow, { taskQueue, workflowId: id, args: [{ ...oneSlowBatch, storage: `local://${env.dir}` }] });
    const beat = await heartbeatAfter(env.client, id, 2);
    // TiKV refuses every download from now on with a permanent status: the batch fails for good.
    c.sim.faults.injectStatus({ rpc: 'Download', code: 7, message: 'TiKV may not read the backup' });
    await h.result().catch(() => undefined);
    // A closed run's progress is a query a worker answers by replaying it (5 s deadline): under a loaded machine
    // the first answer can miss it and status prints only what Temporal knows, so ask again, a few times.
    let closed = JSON.parse((await run(['status', id, '--json'])).stdout) as RestoreProgress & { status: string };
    for (let i = 0; i < 4 && closed.files === undefined; i++) closed = JSON.parse((await run(['status', id, '--json'])).stdout) as typeof closed;
    expect(closed.status).toBe('FAILED');
    expect((await h.query<RestoreProgress>('progress')).files.ingested).toBe(0);
    expect(closed.files.ingested).toBeGreaterThanOrEqual(beat.files!);
    expect(closed.files.ingested).toBeGreaterThan(0);
    expect(clusterNormality(c.sim)).toEqual(expectedNormality(c));
  });
}, 120_000);
