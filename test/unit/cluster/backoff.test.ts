import {
  backoffDelay,
  DOWNLOAD_SST_RETRY,
  IMPORT_SST_RETRY,
  RESET_TS_RETRY,
  retry,
  SCATTER_WAIT_RETRY,
  SPLIT_RETRY,
  type RetryPolicy,
} from '../../../src/cluster/backoff';

describe('BR retry constants', () => {
  it('keeps BR numbers (research §11)', () => {
    expect(IMPORT_SST_RETRY).toMatchObject({ attempts: 16, initialMs: 10, maxMs: 1000 });
    expect(DOWNLOAD_SST_RETRY).toMatchObject({ attempts: 8, initialMs: 1000, maxMs: 4000 });
    expect(SPLIT_RETRY).toMatchObject({ attempts: 32, initialMs: 50, maxMs: 1000 });
    expect(SCATTER_WAIT_RETRY).toMatchObject({ attempts: 64, totalMs: 180_000 });
    expect(RESET_TS_RETRY).toMatchObject({ attempts: 16, initialMs: 50, maxMs: 500 });
  });

  it('doubles from the initial delay up to the cap', () => {
    expect([1, 2, 3, 4, 5, 10].map((a) => backoffDelay(DOWNLOAD_SST_RETRY, a))).toEqual([1000, 2000, 4000, 4000, 4000, 4000]);
    expect([1, 2, 7, 8].map((a) => backoffDelay(IMPORT_SST_RETRY, a))).toEqual([10, 20, 640, 1000]);
  });
});

describe('retry', () => {
  const policy: RetryPolicy = { name: 't', attempts: 4, initialMs: 10, maxMs: 40 };

  it('retries until success and reports each delay', async () => {
    const slept: number[] = [];
    let calls = 0;
    const v = await retry(
      async (attempt) => {
        calls++;
        if (attempt < 3) throw new Error(`fail ${attempt}`);
        return 'ok';
      },
      policy,
      () => true,
      { sleep: async (ms) => void slept.push(ms) },
    );
    expect(v).toBe('ok');
    expect(calls).toBe(3);
    expect(slept).toEqual([10, 20]);
  });

  it('gives up after the policy attempts with the last error', async () => {
    let calls = 0;
    await expect(
      retry(async (a) => { calls++; throw new Error(`fail ${a}`); }, policy, () => true, { sleep: async () => undefined }),
    ).rejects.toThrow('fail 4');
    expect(calls).toBe(4);
  });

  it('stops at once when shouldRetry says no', async () => {
    let calls = 0;
    await expect(retry(async () => { calls++; throw new Error('permanent'); }, policy, () => false, { sleep: async () => undefined })).rejects.toThrow('permanent');
    expect(calls).toBe(1);
  });

  it('honours a longer delay asked for by shouldRetry (ServerIsBusy hint)', async () => {
    const slept: number[] = [];
    await retry(async (a) => { if (a === 1) throw new Error('busy'); return 1; }, policy, () => ({ delayMs: 300 }), { sleep: async (ms) => void slept.push(ms) });
    expect(slept).toEqual([300]);
  });

  it('gives up when the total time budget would be exceeded', async () => {
    let calls = 0;
    const t0 = Date.now();
    await expect(
      retry(async () => { calls++; throw new Error('slow'); }, { name: 't', attempts: 100, initialMs: 40, maxMs: 40, totalMs: 100 }, () => true),
    ).rejects.toThrow('slow');
    expect(calls).toBeLessThanOrEqual(3);
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});
