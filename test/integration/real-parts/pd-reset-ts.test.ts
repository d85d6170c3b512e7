import { connectPd, type PdClient } from '../../../src/cluster/pd';
import { PdHttp } from '../../../src/cluster/pd-http';
import type { RealPd } from '../../../src/local-stack/real-pd';
import { startRealPdForTest } from '../../support/real-parts';

const DAY_MS = 24 * 3600 * 1000;
const tsAt = (ms: number): bigint => BigInt(ms) << 18n;

/**
 * reset-ts against the real PD v8.5.4, which answers 403 for two different things: a TS below its own ("already
 * larger", fine) and a TS more than 24 h ahead of now (refused unless "force-use-larger": true, which BR sends for a
 * backup from a cluster whose TSO ran ahead).
 */
describe('resetTs on the real PD', () => {
  let pd: RealPd;
  let client: PdClient;
  let http: PdHttp;
  beforeAll(async () => {
    pd = await startRealPdForTest();
    client = await connectPd({ endpoints: [pd.address], timeoutMs: 5000 });
    http = new PdHttp({ endpoints: [pd.address] });
  });
  afterAll(async () => {
    client?.close();
    await pd?.stop();
  });

  it('a TS older than PD\'s is reported already-larger and leaves the TSO alone', async () => {
    const before = await client.getTs();
    expect(await http.resetTs(tsAt(Date.now() - DAY_MS))).toBe('already-larger');
    const after = await client.getTs();
    expect(after).toBeGreaterThan(before);
    expect(after >> 18n).toBeLessThan(BigInt(Date.now() + 60_000));
  });

  it('a TS three days ahead is set, and PD\'s next TSO is past it', async () => {
    const target = tsAt(Date.now() + 3 * DAY_MS);
    expect(await http.resetTs(target)).toBe('reset');
    expect(await client.getTs()).toBeGreaterThan(target);
    // Once PD is ahead, asking for the same TS again is "already larger".
    expect(await http.resetTs(target)).toBe('already-larger');
  });
});
