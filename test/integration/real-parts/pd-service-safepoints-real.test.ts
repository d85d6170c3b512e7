import { connectPd, type PdClient } from '../../../src/cluster/pd';
import { PdHttp } from '../../../src/cluster/pd-http';
import type { RealPd } from '../../../src/local-stack/real-pd';
import { leftoverSafepoints } from '../../../src/plan/leftover-safepoints';
import { bootstrapRealPd } from '../../support/bootstrap-real-pd';
import { startRealPdForTest } from '../../support/real-parts';

/**
 * What `brflow janitor --safepoints` reads and removes, on the real PD v8.5.4: GET /pd/api/v1/gc/safepoint lists the
 * service safepoints with their expiry (unix seconds; int64 max for gc_worker's) and TSO-sized values a double
 * would round; TTL 0 through gRPC removes one.
 */
describe('service GC safepoints on the real PD', () => {
  let pd: RealPd;
  let client: PdClient;
  beforeAll(async () => {
    pd = await startRealPdForTest();
    await bootstrapRealPd(pd.address);
    client = await connectPd({ endpoints: [pd.address], timeoutMs: 5000 });
  });
  afterAll(async () => {
    client?.close();
    await pd?.stop();
  });

  it('lists brflow and BR safepoints exactly, classifies the leftovers, and TTL 0 removes them', async () => {
    const ts = (await client.getTs()) - 1000n;
    await client.updateServiceGcSafePoint('brflow-dead', 600, ts);
    await client.updateServiceGcSafePoint('br-stuck', 7 * 86_400, ts + 1n);
    await client.updateServiceGcSafePoint('br-renewed', 300, ts + 2n);
    const http = new PdHttp({ endpoints: [pd.address] });
    const now = Math.floor(Date.now() / 1000);
    const sps = await http.serviceSafePoints();
    const byId = Object.fromEntries(sps.map((s) => [s.serviceId, s]));
    expect(byId['brflow-dead']!.safePoint).toBe(ts);
    expect(byId['br-stuck']!.safePoint).toBe(ts + 1n);
    expect(byId['br-stuck']!.expiresAt! - now).toBeGreaterThan(7 * 86_400 - 60);
    expect(byId['br-renewed']!.expiresAt! - now).toBeLessThanOrEqual(300);
    const left = leftoverSafepoints(sps, { held: new Set(), nowSec: now, farSec: 3600 }).map((l) => l.serviceId).sort();
    expect(left).toEqual(['br-stuck', 'brflow-dead']);
    for (const id of left) await client.updateServiceGcSafePoint(id, 0, 0n);
    expect((await http.serviceSafePoints()).map((s) => s.serviceId).filter((id) => id !== 'gc_worker').sort()).toEqual(['br-renewed']);
  });
});
