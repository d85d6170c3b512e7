import { MockActivityEnvironment } from '@temporalio/testing';
import type { RestoreActivities } from '../../../src/activities';
import type { SimulatorHandle } from '../../../src/simulator/server';
import type { PlanSummary } from '../../../src/workflows/types';
import { planRestoreInputOf, startActivitiesOnSim, type ActivitiesOnSim } from '../../support/activities-on-sim';

/**
 * Every restore activity run twice in a row against the simulator through the real clients (STYLE rule 5):
 * a retry after an activity applied its change but failed to report it must leave the same cluster state.
 */
let fx: ActivitiesOnSim;
let sim: SimulatorHandle;
let dir: string;
let acts: RestoreActivities;
const env = new MockActivityEnvironment();
const once = <T>(f: () => Promise<T>): Promise<T> => env.run(f) as Promise<T>;
const twice = async <T>(f: () => Promise<T>): Promise<[T, T]> => [await once(f), await once(f)];

beforeAll(async () => {
  fx = await startActivitiesOnSim('brflow-twice-', { seed: 5, tables: 8, rows: 30, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false });
  ({ sim, dir, acts } = fx);
});

afterAll(async () => {
  await fx?.close();
});

test('each activity applied twice leaves the state of applying it once, and every undo reaches normal', async () => {
  const inputs = planRestoreInputOf({ storage: `local://${dir}`, filters: ['shop.documents'], mergeRegionSizeBytes: 1, mergeRegionKeyCount: 1, batchFiles: 2 });

  const [s1, s2] = await twice(() => acts.planRestore(inputs));
  expect(s2).toEqual(s1);
  const summary: PlanSummary = s1;
  expect(summary.tables).toBe(1);
  expect(summary.batches).toBeGreaterThan(1);

  const ts = await once(() => acts.getRestoreTs());
  const sp = { serviceId: 'brflow-twice', safePoint: (BigInt(ts) - 1n).toString(), ttlSec: 60 };
  await twice(() => acts.registerGcSafepoint(sp));
  expect(sim.inspector.snapshot().serviceSafePoints.filter((s) => s.serviceId === sp.serviceId)).toHaveLength(1);

  const snapshot = await once(() => acts.planSchedules({ ttlSec: 60 }));
  expect(snapshot.schedulers.length).toBeGreaterThan(0);
  await twice(() => acts.applySchedules(snapshot));
  let snap = sim.inspector.snapshot();
  expect(snap.schedulers.filter((s) => s.paused).map((s) => s.name).sort()).toEqual([...snapshot.schedulers].sort());
  expect(snap.scheduleConfigOverrides.map((o) => o.key).sort()).toEqual(Object.keys(snapshot.restoreConfig).sort());
  await twice(() => acts.enterImportMode());
  expect(sim.inspector.snapshot().stores.map((s) => s.mode)).toEqual(['Import', 'Import', 'Import']);
  await twice(() => acts.setRateLimit({ bytesPerSec: 1 << 20 }));
  expect(sim.inspector.snapshot().stores.map((s) => s.speedLimit)).toEqual([1 << 20, 1 << 20, 1 << 20]);

  const [d1, d2] = await twice(() => acts.createDatabases({ planRef: summary.planRef }));
  expect(d2).toBe(d1);
  await twice(() => acts.createTables({ planRef: summary.planRef, group: 0 }));
  for (let b = 0; b < summary.batches; b++) {
    await twice(() => acts.splitAndScatter({ planRef: summary.planRef, batchNo: b }));
    await twice(() => acts.ingestBatch({ planRef: summary.planRef, batchNo: b, newTs: '0' }));
  }
  const [c1, c2] = await twice(() => acts.checksumGroup({ planRef: summary.planRef, group: 0 }));
  expect(c1).toEqual({ passed: 1, mismatches: [], skipped: 0 });
  expect(c2).toEqual(c1);

  await twice(() => acts.restoreNormalMode());
  await twice(() => acts.restoreSchedules(snapshot));
  await twice(() => acts.clearRateLimit());
  await twice(() => acts.removeGcSafepoint({ serviceId: sp.serviceId }));
  snap = sim.inspector.snapshot();
  expect(snap.stores.map((s) => s.mode)).toEqual(['Normal', 'Normal', 'Normal']);
  expect(snap.schedulers.filter((s) => s.paused)).toEqual([]);
  expect(snap.scheduleConfigOverrides).toEqual([]);
  expect(snap.serviceSafePoints.filter((s) => s.serviceId === sp.serviceId)).toEqual([]);
  expect(snap.stores.map((s) => s.speedLimit)).toEqual([0, 0, 0]);
});

test('the keeper renews until cancelled and confirms the stop', async () => {
  const keeperEnv = new MockActivityEnvironment({ heartbeatTimeoutMs: 2000 });
  const beats: unknown[] = [];
  keeperEnv.on('heartbeat', (d: unknown) => beats.push(d));
  const ts = BigInt(await once(() => acts.getRestoreTs()));
  const run = keeperEnv.run(() => acts.keeper({ safepoint: { serviceId: 'brflow-keeper', safePoint: (ts - 1n).toString(), ttlSec: 30 }, importMode: true, intervalMs: 200 }));
  await new Promise((r) => setTimeout(r, 900));
  const snap = sim.inspector.snapshot();
  expect(snap.serviceSafePoints.some((s) => s.serviceId === 'brflow-keeper')).toBe(true);
  expect(snap.stores.map((s) => s.mode)).toEqual(['Import', 'Import', 'Import']);
  expect(beats.length).toBeGreaterThanOrEqual(3);
  keeperEnv.cancel();
  await expect(run).rejects.toMatchObject({ name: 'CancelledFailure' });
  await once(() => acts.restoreNormalMode());
  await once(() => acts.removeGcSafepoint({ serviceId: 'brflow-keeper' }));
});

test('a keeper tick (once) renews once and returns, twice in a row', async () => {
  const ts = BigInt(await once(() => acts.getRestoreTs()));
  const spec = { safepoint: { serviceId: 'brflow-tick', safePoint: (ts - 1n).toString(), ttlSec: 30 }, importMode: true, intervalMs: 100_000, once: true };
  await twice(() => acts.keeper(spec));
  const snap = sim.inspector.snapshot();
  expect(snap.serviceSafePoints.filter((s) => s.serviceId === 'brflow-tick').map((s) => s.safePoint)).toEqual([(ts - 1n).toString()]);
  expect(snap.stores.map((s) => s.mode)).toEqual(['Import', 'Import', 'Import']);
  await once(() => acts.restoreNormalMode());
  await once(() => acts.removeGcSafepoint({ serviceId: 'brflow-tick' }));
  // A tick whose spec holds no import mode leaves the stores alone.
  await once(() => acts.keeper({ ...spec, importMode: false, safepoint: undefined }));
  expect(sim.inspector.snapshot().stores.map((s) => s.mode)).toEqual(['Normal', 'Normal', 'Normal']);
});
