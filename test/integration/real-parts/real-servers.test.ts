import { connectPd } from '../../../src/cluster/pd';
import { TidbClient } from '../../../src/cluster/tidb';
import type { RealPd } from '../../../src/local-stack/real-pd';
import type { RealTidb } from '../../../src/local-stack/real-tidb';
import { realTidbConfig, startRealPdForTest, startRealTidbForTest } from '../../support/real-parts';

/** The real PD and TiDB from shared/real-parts come up from the project's own installer and answer brflow's clients. */
describe('real PD v8.5.4 and TiDB v8.5.3', () => {
  let pd: RealPd;
  let tidb: RealTidb;
  beforeAll(async () => {
    [pd, tidb] = await Promise.all([startRealPdForTest(), startRealTidbForTest()]);
  });
  afterAll(async () => {
    await Promise.all([pd?.stop(), tidb?.stop()]);
  });

  it('PD reports its version and hands brflow increasing timestamps', async () => {
    const version = (await (await fetch(`http://${pd.address}/pd/api/v1/version`)).json()) as { version: string };
    expect(version.version).toBe('v8.5.4');
    const client = await connectPd({ endpoints: [pd.address], timeoutMs: 5000 });
    try {
      const a = await client.getTs();
      const b = await client.getTs();
      expect(b).toBeGreaterThan(a);
      expect(Number(a >> 18n)).toBeGreaterThan(Date.now() - 60_000);
    } finally {
      client.close();
    }
  });

  it('TiDB answers brflow SQL client and status API with its real catalog', async () => {
    const client = new TidbClient(realTidbConfig(tidb));
    try {
      await client.createDatabases(['CREATE DATABASE IF NOT EXISTS `real_smoke`']);
      const status = (await (await fetch(`http://${tidb.statusAddress}/status`)).json()) as { version: string };
      expect(status.version).toContain('TiDB-v8.5.3');
      const res = await fetch(`http://${tidb.statusAddress}/schema/real_smoke`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual([]);
    } finally {
      await client.close();
    }
  });
});
