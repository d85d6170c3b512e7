import {
  applyPdScheduling,
  describeScheduling,
  pausePdScheduling,
  planPdScheduling,
  restorePdScheduling,
  SCHEDULERS_TO_PAUSE,
} from '../../../src/cluster/pd-config';
import { ClusterError } from '../../../src/cluster/errors';
import { PdHttp } from '../../../src/cluster/pd-http';
import { connectPd } from '../../../src/cluster/pd';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/server';

/**
 * Scheduler pause + schedule config through PD HTTP, on a modern PD (pause with a TTL in seconds, TTL config
 * via /config?ttlSecond) and on a pre-4.0.8 PD (remove/add, permanent config with originals put back).
 * Asserts what PD holds afterwards, never log text.
 */
describe('PD scheduling snapshot / restore', () => {
  let sim: SimulatorHandle;
  afterEach(async () => {
    await sim?.stop();
  });

  it('modern PD: pauses for 300 SECONDS, sets TTL overrides only, and restore puts everything back', async () => {
    sim = await startSimulator({ stores: 3 });
    const pd = new PdHttp({ endpoints: sim.pdAddresses });
    const before = sim.inspector.snapshot();
    const t0 = Date.now();
    const snap = await pausePdScheduling(pd, { storeCount: 3 });
    expect(snap.schedulerMode).toBe('pause-with-ttl');
    expect(snap.configMode).toBe('ttl');
    expect(describeScheduling(snap)).toContain('paused for 300s');
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap); // plain JSON

    const during = sim.inspector.snapshot();
    const present = before.schedulers.map((s) => s.name).filter((n) => SCHEDULERS_TO_PAUSE.includes(n));
    expect(snap.schedulers.sort()).toEqual(present.sort());
    for (const s of during.schedulers.filter((x) => present.includes(x.name))) {
      expect(s.paused).toBe(true);
      // Seconds, not nanoseconds (pingcap/tidb#33546): the pause ends ~300 s from now.
      expect(s.pausedUntil).toBeGreaterThanOrEqual(t0 + 299_000);
      expect(s.pausedUntil).toBeLessThanOrEqual(Date.now() + 301_000);
    }
    expect(during.scheduleConfig['merge-schedule-limit']).toBe(0);
    expect(during.scheduleConfig['leader-schedule-limit']).toBe(12);
    expect(during.scheduleConfig['enable-location-replacement']).toBe('false');
    expect(during.scheduleConfig['max-pending-peer-count']).toBe(2147483647);
    // Only TTL overrides changed: the persisted config is untouched (pingcap/tidb#31733 avoided).
    expect(sim.state.schedule.persistedConfig()).toEqual(before.scheduleConfig);
    expect(during.scheduleConfigOverrides.map((o) => o.key).sort()).toEqual(Object.keys(snap.restoreConfig).sort());
    for (const o of during.scheduleConfigOverrides) expect(o.expireAt).toBeGreaterThanOrEqual(t0 + 299_000);

    // Renewal (the keeper) re-applies the same snapshot.
    await applyPdScheduling(pd, snap);

    await restorePdScheduling(pd, snap);
    const after = sim.inspector.snapshot();
    expect(after.schedulers.every((s) => !s.paused)).toBe(true);
    expect(after.scheduleConfigOverrides).toEqual([]);
    expect(after.scheduleConfig).toEqual(before.scheduleConfig);
    // Idempotent: a second restore (a retried compensation) changes nothing.
    await restorePdScheduling(pd, snap);
    expect(sim.inspector.snapshot().scheduleConfig).toEqual(before.scheduleConfig);
  });

  it('re-planning while its TTL overrides are in force records the saved values, not the overrides, as originals', async () => {
    sim = await startSimulator({ stores: 3 });
    const pd = new PdHttp({ endpoints: sim.pdAddress });
    const first = await pausePdScheduling(pd, { storeCount: 3 });
    expect(sim.state.schedule.effectiveConfig()['merge-schedule-limit']).toBe(0);
    // A retried activity plans again while the first run's overrides still hold.
    const again = await planPdScheduling(pd, { storeCount: 3 });
    expect(again.originalConfig).toEqual(first.originalConfig);
    expect(again.originalConfig['merge-schedule-limit']).toBe(8);
    await restorePdScheduling(pd, again);
    expect(sim.state.schedule.liveOverrides()).toEqual([]);
    expect(sim.state.schedule.effectiveConfig()['merge-schedule-limit']).toBe(8);
  });

  it('plan changes nothing, so the snapshot can be persisted before apply', async () => {
    sim = await startSimulator({ stores: 3 });
    const pd = new PdHttp({ endpoints: sim.pdAddress });
    const before = sim.inspector.snapshot();
    const snap = await planPdScheduling(pd, { storeCount: 3 });
    expect(snap.schedulers.length).toBeGreaterThan(0);
    const after = sim.inspector.snapshot();
    expect(after.schedulers).toEqual(before.schedulers);
    expect(after.scheduleConfigOverrides).toEqual([]);
  });

  it('pre-4.0.8 PD: removes and re-adds schedulers, changes config permanently and puts the originals back', async () => {
    sim = await startSimulator({ stores: 3, pdVersion: 'v4.0.0' });
    const pd = new PdHttp({ endpoints: sim.pdAddress });
    const before = sim.inspector.snapshot();
    const snap = await pausePdScheduling(pd, { storeCount: 3 });
    // The pause API answered 404: the snapshot records the fallback actually used.
    expect(snap.schedulerMode).toBe('remove-and-add');
    expect(snap.configMode).toBe('plain');
    const during = sim.inspector.snapshot();
    for (const n of snap.schedulers) expect(during.schedulers.map((s) => s.name)).not.toContain(n);
    expect(sim.state.schedule.persistedConfig()['leader-schedule-limit']).toBe(12);

    await restorePdScheduling(pd, snap);
    await restorePdScheduling(pd, snap);
    const after = sim.inspector.snapshot();
    expect(after.schedulers.map((s) => s.name).sort()).toEqual(before.schedulers.map((s) => s.name).sort());
    expect(sim.state.schedule.persistedConfig()).toEqual(before.scheduleConfig);
  });

  it('undoes from the stored snapshot even when apply had to fall back to removal after it was stored', async () => {
    sim = await startSimulator({ stores: 3, pdVersion: 'v4.0.0' });
    const pd = new PdHttp({ endpoints: sim.pdAddress });
    const before = sim.inspector.snapshot();
    // The workflow stores the plan first; it claims pause mode (forced here, as a PD misreporting its version would).
    const stored = await planPdScheduling(pd, { storeCount: 3, schedulerMode: 'pause-with-ttl' });
    const applied = await applyPdScheduling(pd, stored);
    expect(applied.schedulerMode).toBe('remove-and-add');
    for (const n of stored.schedulers) expect(sim.inspector.snapshot().schedulers.map((s) => s.name)).not.toContain(n);
    await restorePdScheduling(pd, stored);
    expect(sim.inspector.snapshot().schedulers.map((s) => s.name).sort()).toEqual(before.schedulers.map((s) => s.name).sort());
    expect(sim.state.schedule.persistedConfig()).toEqual(before.scheduleConfig);
  });

  it('apply skips a planned scheduler that was removed meanwhile instead of failing forever', async () => {
    sim = await startSimulator({ stores: 3 });
    const pd = new PdHttp({ endpoints: sim.pdAddress, retry: { name: 't', attempts: 2, initialMs: 1, maxMs: 1 } });
    const snap = await planPdScheduling(pd, { storeCount: 3 });
    const gone = snap.schedulers[1]!;
    await pd.removeScheduler(gone);
    await applyPdScheduling(pd, snap);
    const during = sim.inspector.snapshot().schedulers;
    expect(during.map((s) => s.name)).not.toContain(gone);
    expect(during.filter((s) => snap.schedulers.includes(s.name)).every((s) => s.paused)).toBe(true);
    await restorePdScheduling(pd, snap);
    const after = sim.inspector.snapshot().schedulers;
    expect(after.map((s) => s.name)).toContain(gone);
    expect(after.every((s) => !s.paused)).toBe(true);
  });

  it('leaves a scheduler an operator had paused before the restore paused after it', async () => {
    sim = await startSimulator({ stores: 3 });
    const pd = new PdHttp({ endpoints: sim.pdAddress });
    await pd.pauseScheduler('evict-slow-store-scheduler', 3600);
    const snap = await pausePdScheduling(pd, { storeCount: 3 });
    expect(snap.schedulers).not.toContain('evict-slow-store-scheduler');
    expect(snap.schedulers.length).toBeGreaterThan(0);
    await restorePdScheduling(pd, snap);
    const after = sim.inspector.snapshot().schedulers;
    expect(after.find((s) => s.name === 'evict-slow-store-scheduler')?.paused).toBe(true);
    expect(after.filter((s) => snap.schedulers.includes(s.name)).every((s) => !s.paused)).toBe(true);
  });

  it('refuses a pause delay that is not a number of seconds', async () => {
    sim = await startSimulator({ stores: 1 });
    const pd = new PdHttp({ endpoints: sim.pdAddress });
    await expect(pd.pauseScheduler('balance-leader-scheduler', 300_000_000_000)).rejects.toBeInstanceOf(ClusterError);
  });

  it('reset-ts moves the TSO forward and treats "already larger" (403) as success', async () => {
    sim = await startSimulator({ stores: 1 });
    const http = new PdHttp({ endpoints: sim.pdAddress });
    const pd = await connectPd({ endpoints: sim.pdAddress });
    try {
      const now = await pd.getTs();
      const target = now + (10_000n << 18n);
      expect(await http.resetTs(target)).toBe('reset');
      expect(await pd.getTs()).toBeGreaterThan(target);
      expect(await http.resetTs(now)).toBe('already-larger');
    } finally {
      pd.close();
    }
  });

  it('a PD HTTP 5xx is retried across members; a 4xx fails at once with PD\'s message and the address', async () => {
    sim = await startSimulator({ stores: 1 });
    const pd = new PdHttp({ endpoints: sim.pdAddress, retry: { name: 't', attempts: 2, initialMs: 10, maxMs: 10 } });
    const e = await pd.addScheduler('balance-leader-scheduler').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ClusterError);
    // The simulator answers "scheduler existed" with 500, as PD does: retried, then reported.
    expect((e as ClusterError).message).toContain(sim.pdAddress);
    expect((e as ClusterError).message).toMatch(/existed/);
    const bad = await pd.request('POST', '/pd/api/v1/admin/reset-ts', { tso: 'nope' }).catch((x: unknown) => x);
    expect((bad as ClusterError).kind).toBe('rejected');
    expect((bad as ClusterError).httpStatus).toBe(400);
  });
});
