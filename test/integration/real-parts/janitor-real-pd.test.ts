import type { RealPd } from '../../../src/local-stack/real-pd';
import { realPdFootprint } from '../../../src/local-stack/sim-stack';
import { ensureJanitorSchedule, janitorScheduleId } from '../../../src/worker/janitor-schedule';
import { restoreWorkflow } from '../../../src/workflows/restore';
import { activityRecords, completedBatches } from '../../support/crash-history';
import { eventually } from '../../support/eventually';
import { startRealPdForTest, waitPdSettled } from '../../support/real-parts';
import { FAST_TIMINGS, openRestoreEnv, type RestoreEnvWithBackup } from '../../support/restore-env';

/**
 * Issue #11 on the real PD v8.5.4: a restore terminated mid-ingest leaves its schedulers paused, its TTL
 * overrides in PD's etcd and its service safepoint (TTLs of an hour, so nothing lapses during the test). The
 * janitor Schedule the worker creates must hand that PD back within its period, and the stores joined to it
 * must be in normal mode with no rate limit.
 */
const HOLD = { ...FAST_TIMINGS, keeperIntervalMs: 1000, gcTtlSec: 3600, pauseTtlSec: 3600, heartbeatTimeoutMs: 2000, compensationMaxIntervalMs: 300 };
const JANITOR_EVERY_MS = 3000;

let env: RestoreEnvWithBackup;
let pd: RealPd;

beforeAll(async () => {
  [env, pd] = await Promise.all([
    openRestoreEnv({ prefix: 'janitor-real-pd', backup: { seed: 9, tables: 4, rows: 30, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false } }),
    startRealPdForTest(),
  ]);
}, 120_000);

afterAll(async () => {
  await env?.close();
  await pd?.stop();
});

test('after a terminate mid-ingest, the janitor hands the real PD back: no paused scheduler, no TTL override, no brflow safepoint', async () => {
  await env.withCluster({ pd: { external: pd.address } }, async (c, taskQueue) => {
    await c.sim.waitForReplicas!(3, 60_000);
    await waitPdSettled(pd.address, c.sim);
    c.sim.faults.addLatency({ rpc: 'Download', ms: 150 });
    const h = await env.client.workflow.start(restoreWorkflow, {
      taskQueue,
      workflowId: `janitor-real-${taskQueue}`,
      args: [{ storage: `local://${env.dir}`, batchFiles: 2, mergeRegionSizeBytes: 1, mergeRegionKeyCount: 1, concurrency: 2, rateLimitBytesPerSec: 1 << 30, timings: HOLD }],
    });
    await eventually(60_000, async () => {
      expect(c.sim.inspector.snapshot().stores.every((s) => s.mode === 'Import')).toBe(true);
      expect(completedBatches({ activities: activityRecords((await h.fetchHistory()).events ?? []) }).length).toBeGreaterThanOrEqual(1);
    });
    await h.terminate('operator terminated it');
    await new Promise((r) => setTimeout(r, 2 * HOLD.heartbeatTimeoutMs));

    // Nothing undid it: the real PD still holds what the dead run set.
    const held = await realPdFootprint(pd.address);
    expect(held.pausedSchedulers.length).toBeGreaterThan(0);
    expect(held.ttlOverrides.length).toBeGreaterThan(0);
    expect(held.brflowSafePoints).toHaveLength(1);
    expect(c.sim.inspector.snapshot().stores.every((s) => s.mode === 'Import' && s.speedLimit > 0)).toBe(true);

    expect(await ensureJanitorSchedule(env.client, taskQueue, JANITOR_EVERY_MS)).toBe('created');
    try {
      const clean = { pausedSchedulers: [], ttlOverrides: [], brflowSafePoints: [] };
      // Generous: on a loaded machine visibility and the Schedule lag behind; the simulator test checks the period itself.
      await eventually(90_000, async () => {
        expect(await realPdFootprint(pd.address)).toEqual(clean);
        expect(c.sim.inspector.snapshot().stores.map((s) => [s.mode, s.speedLimit])).toEqual(c.sim.state.stores().map(() => ['Normal', 0]));
      }, 250);
    } finally {
      await env.client.schedule.getHandle(janitorScheduleId(taskQueue)).delete();
    }
  });
}, 300_000);
