import { ClusterError } from '../../../src/cluster/errors';
import { connectPd, type PdClient } from '../../../src/cluster/pd';
import type { RealPd } from '../../../src/local-stack/real-pd';
import { bootstrapRealPd, type BootstrappedPd } from '../../support/bootstrap-real-pd';
import { startRealPdForTest } from '../../support/real-parts';

/**
 * Scatter on the real PD v8.5.4 with one store: its one-peer region is below max-replicas (3), which PD reports
 * as a bare gRPC UNKNOWN status, and its batch scatter says so only through finished_percentage.
 */
describe('scatter answers of the real PD', () => {
  let pd: RealPd;
  let boot: BootstrappedPd;
  let client: PdClient;
  beforeAll(async () => {
    pd = await startRealPdForTest();
    boot = await bootstrapRealPd(pd.address);
    client = await connectPd({ endpoints: [pd.address], timeoutMs: 5000 });
  });
  afterAll(async () => {
    client?.close();
    await pd?.stop();
  });

  const failure = (p: Promise<unknown>): Promise<ClusterError> =>
    p.then(
      () => {
        throw new Error('expected a failure');
      },
      (e: unknown) => e as ClusterError,
    );

  it('"not fully replicated" is a region not ready yet (BR retries it), not an unknown failure', async () => {
    const e = await failure(client.scatterRegion(boot.regionId));
    expect(e).toBeInstanceOf(ClusterError);
    expect({ kind: e.kind, retryable: e.retryable }).toEqual({ kind: 'region-not-ready', retryable: true });
    expect(e.message).toContain(`region ${boot.regionId} is not fully replicated`);
  });

  it('a batch names no failed region (v8.5.4): finished_percentage is the only sign', async () => {
    expect(await client.scatterRegions([boot.regionId])).toEqual({ finishedPercentage: 0, failedRegionIds: [] });
  });

  it('a batch of regions PD does not know is region-not-found', async () => {
    const e = await failure(client.scatterRegions([99_999n]));
    expect({ kind: e.kind, retryable: e.retryable }).toEqual({ kind: 'region-not-found', retryable: true });
  });
});
