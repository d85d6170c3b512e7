import { restoreActivityOptions } from '../../../src/workflows/activity-options';
import { normalizeRestoreRequest } from '../../../src/workflows/normalize-request';
import { DEFAULT_RETRIES } from '../../../src/workflows/retry-timings';

const base = { storage: 'local:///tmp/backup' };

function problemsOf(timings: unknown): string[] {
  const r = normalizeRestoreRequest({ ...base, timings });
  return 'problems' in r ? r.problems : [];
}

describe('timings.retries', () => {
  it('defaults every named policy to BR\'s numbers, and the activity options carry them', () => {
    const r = normalizeRestoreRequest(base);
    if (!('value' in r)) throw new Error(r.problems.join('; '));
    expect(r.value.timings.retries).toEqual({
      pdRequest: { maximumAttempts: 10, initialIntervalMs: 1000, maximumIntervalMs: 1000 },
      resetTs: { maximumAttempts: 16, initialIntervalMs: 50, maximumIntervalMs: 500 },
      split: { maximumAttempts: 32, initialIntervalMs: 50, maximumIntervalMs: 1000 },
      importSst: { maximumAttempts: 16, initialIntervalMs: 10, maximumIntervalMs: 1000 },
      download: { maximumAttempts: 8, initialIntervalMs: 1000, maximumIntervalMs: 4000 },
      checksum: { maximumAttempts: 10, initialIntervalMs: 50, maximumIntervalMs: 2000 },
    });
    const o = restoreActivityOptions(r.value.timings, 'q-control');
    expect(o.ingest.retry).toMatchObject({ maximumAttempts: 16, initialInterval: 10, maximumInterval: 1000, backoffCoefficient: 2 });
    expect(o.clusterMode.retry).toMatchObject({ maximumAttempts: 10, initialInterval: 1000, maximumInterval: 1000, backoffCoefficient: 1 });
  });

  it('takes a partial policy over the defaults and hands it to the steps that use it', () => {
    const r = normalizeRestoreRequest({ ...base, timings: { retries: { importSst: { maximumAttempts: 2 }, pdRequest: { maximumAttempts: 3, initialIntervalMs: 100, maximumIntervalMs: 200 } } } });
    if (!('value' in r)) throw new Error(r.problems.join('; '));
    expect(r.value.timings.retries.importSst).toEqual({ maximumAttempts: 2, initialIntervalMs: 10, maximumIntervalMs: 1000 });
    expect(r.value.timings.retries.download).toEqual(DEFAULT_RETRIES.download);
    const o = restoreActivityOptions(r.value.timings, 'q-control');
    expect(o.ingest.retry.maximumAttempts).toBe(2);
    for (const set of [o.pdCall, o.schema, o.clusterMode]) expect(set.retry).toMatchObject({ maximumAttempts: 3, initialInterval: 100, maximumInterval: 200 });
    // Compensation never takes a budget: it retries until the cluster is normal.
    expect(o.compensation.retry.maximumAttempts).toBeUndefined();
    // The defaults object itself is untouched.
    expect(DEFAULT_RETRIES.importSst.maximumAttempts).toBe(16);
  });

  it('reports every problem at once, each naming the field and the fix', () => {
    expect(
      problemsOf({
        retries: {
          ingest: { maximumAttempts: 2 },
          download: { maximumAttempts: 0, initialIntervalMs: 1.5, tries: 3 },
          split: { initialIntervalMs: 2000, maximumIntervalMs: 1000 },
          checksum: 5,
        },
      }),
    ).toEqual([
      'timings.retries.ingest: unknown retry policy; known: pdRequest, resetTs, split, importSst, download, checksum',
      'timings.retries.download.maximumAttempts: expected an integer in [1, 1000], got 0',
      'timings.retries.download.initialIntervalMs: expected an integer in [1, 3600000], got 1.5',
      'timings.retries.download.tries: unknown field; known: maximumAttempts, initialIntervalMs, maximumIntervalMs',
      'timings.retries.split.maximumIntervalMs: 1000 is below initialIntervalMs (2000); give at least 2000',
      'timings.retries.checksum: expected an object like {"maximumAttempts": 3, "initialIntervalMs": 100, "maximumIntervalMs": 1000}',
    ]);
    expect(problemsOf({ retries: [] })).toEqual(['timings.retries: expected an object like {"download": {"maximumAttempts": 3}}']);
    // A capped wait below the BR default first interval is caught against the merged policy.
    expect(problemsOf({ retries: { download: { maximumIntervalMs: 500 } } })).toEqual([
      'timings.retries.download.maximumIntervalMs: 500 is below initialIntervalMs (1000); give at least 1000',
    ]);
  });
});
