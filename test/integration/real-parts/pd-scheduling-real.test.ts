import { pausePdScheduling, planPdScheduling, restorePdScheduling, runningSchedulers } from '../../../src/cluster/pd-config';
import { PdHttp } from '../../../src/cluster/pd-http';
import type { RealPd } from '../../../src/local-stack/real-pd';
import { bootstrapRealPd } from '../../support/bootstrap-real-pd';
import { startRealPdForTest } from '../../support/real-parts';

/**
 * brflow's scheduling pause and undo on the real PD v8.5.4. PD keeps TTL overrides apart from the saved config, in
 * its etcd under /config/ttl/schedule.<key> with a lease: they are read here through the etcd gateway PD serves on
 * its client port, since PD's HTTP API shows only the saved values.
 */
describe('scheduling pause and restore on the real PD', () => {
  let pd: RealPd;
  let http: PdHttp;
  beforeAll(async () => {
    pd = await startRealPdForTest();
    await bootstrapRealPd(pd.address);
    http = new PdHttp({ endpoints: [pd.address] });
  });
  afterAll(async () => {
    await pd?.stop();
  });

  /** The TTL overrides PD holds: etcd keys under /config/ttl/, values as PD stored them. */
  async function ttlOverrides(): Promise<Record<string, string>> {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const res = await fetch(`http://${pd.address}/v3/kv/range`, {
      method: 'POST',
      body: JSON.stringify({ key: b64('/config/ttl/'), range_end: b64('/config/ttl0') }),
    });
    const body = (await res.json()) as { kvs?: { key: string; value: string }[] };
    const out: Record<string, string> = {};
    for (const kv of body.kvs ?? []) out[Buffer.from(kv.key, 'base64').toString().replace('/config/ttl/schedule.', '')] = Buffer.from(kv.value, 'base64').toString();
    return out;
  }

  const paused = async () => (await http.listSchedulers('paused')).sort();

  it('every key brflow overrides is accepted with a TTL, re-planning reads the true originals, and restore leaves nothing behind', async () => {
    const saved = await http.getScheduleConfig();
    const snap = await pausePdScheduling(http, { storeCount: 1 });
    expect(snap.configMode).toBe('ttl');
    expect(snap.schedulerMode).toBe('pause-with-ttl');
    expect(snap.schedulers.length).toBeGreaterThan(0);
    expect(await paused()).toEqual([...snap.schedulers].sort());
    // Each override is in PD's TTL store with brflow's value.
    const overrides = await ttlOverrides();
    expect(Object.keys(overrides).sort()).toEqual(Object.keys(snap.restoreConfig).sort());
    for (const [k, v] of Object.entries(snap.restoreConfig)) expect(overrides[k]).toBe(String(v));

    // Planning again while they hold (a retried activity) records PD's saved values, as the first plan did.
    const again = await planPdScheduling(http, { storeCount: 1 });
    expect(again.originalConfig).toEqual(snap.originalConfig);
    for (const k of Object.keys(snap.originalConfig)) expect(again.originalConfig[k]).toEqual(saved[k]);

    await restorePdScheduling(http, again);
    expect(await ttlOverrides()).toEqual({});
    expect(await paused()).toEqual([]);
    expect(await http.getScheduleConfig()).toEqual(saved);
  });

  it('names the paused schedulers PD runs again (resumed by hand), but not one someone removed', async () => {
    const snap = await pausePdScheduling(http, { storeCount: 1 });
    const [resumed, removed] = snap.schedulers;
    expect(removed).toBeDefined();
    try {
      expect(await runningSchedulers(http, snap.schedulers)).toEqual([]);
      await http.pauseScheduler(resumed!, 0);
      await http.removeScheduler(removed!);
      expect(await runningSchedulers(http, snap.schedulers)).toEqual([resumed]);
    } finally {
      await restorePdScheduling(http, snap);
    }
    // restorePdScheduling put the removed one back: nothing of the restore is left paused, nothing is missing.
    expect(await paused()).toEqual([]);
    expect(await http.listSchedulers()).toEqual(expect.arrayContaining(snap.schedulers));
  });
});
