import { PD_HTTP_RETRY } from '../../../src/cluster/backoff';
import { ClusterError } from '../../../src/cluster/errors';
import { registerServiceSafePoint } from '../../../src/cluster/gc-safepoint';
import { connectPd } from '../../../src/cluster/pd';
import { PdHttp } from '../../../src/cluster/pd-http';
import type { RealPd } from '../../../src/local-stack/real-pd';
import { ErrorType } from '../../../src/plan/error-types';
import { startRealPdForTest } from '../../support/real-parts';

/**
 * A real PD without TiKV answers scheduler calls with HTTP 500 `[PD:cluster:ErrNotBootstrapped]…`: a definite
 * answer, not an outage. brflow must give up at once and say what is wrong, not retry ~9 s and blame the address.
 */
describe('definite PD errors on the real PD v8.5.4', () => {
  let pd: RealPd;
  beforeAll(async () => {
    pd = await startRealPdForTest();
  });
  afterAll(async () => {
    await pd?.stop();
  });

  it('a scheduler call on an unbootstrapped PD fails on the first try, naming ErrNotBootstrapped', async () => {
    const pauses: number[] = [];
    const http = new PdHttp({ endpoints: [pd.address], retry: PD_HTTP_RETRY, sleep: async (ms) => void pauses.push(ms) });
    const err = await http.listSchedulers().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ClusterError);
    const ce = err as ClusterError;
    expect({ kind: ce.kind, retryable: ce.retryable, type: ce.type, httpStatus: ce.httpStatus }).toEqual({
      kind: 'rejected',
      retryable: false,
      type: ErrorType.ClusterRejected,
      httpStatus: 500,
    });
    expect(ce.message).toContain('ErrNotBootstrapped');
    expect(ce.message).not.toContain('check that the address is right');
    // No pause at all: the first answer was final.
    expect(pauses).toEqual([]);
  });

  it('a GC safepoint call over gRPC fails at once too, naming the error and what to do', async () => {
    const client = await connectPd({ endpoints: [pd.address], timeoutMs: 5000 });
    try {
      const err = await registerServiceSafePoint(client, 'brflow-restore-definite', 1000n).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ClusterError);
      const ce = err as ClusterError;
      expect({ kind: ce.kind, retryable: ce.retryable, type: ce.type }).toEqual({ kind: 'rejected', retryable: false, type: ErrorType.ClusterRejected });
      expect(ce.message).toContain('ErrNotBootstrapped');
      expect(ce.message).toContain('start the TiKV stores');
    } finally {
      client.close();
    }
  });

  it('the same PD still answers what needs no bootstrap (version), so the address is right', async () => {
    const http = new PdHttp({ endpoints: [pd.address] });
    expect(await http.version()).toBe('8.5.4');
  });
});
