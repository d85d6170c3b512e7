import { restoreInputFromFlags, type RestoreFlags } from '../../../src/cli/commands/restore';
import { normalizeRestoreRequest } from '../../../src/workflows/normalize-request';

const base: RestoreFlags = { address: '127.0.0.1:7233', namespace: 'default', filter: [], checksum: true, taskQueue: 'brflow' };

test('--pd/--tidb flags become the input’s cluster, which the workflow accepts', () => {
  const input = restoreInputFromFlags({ ...base, storage: 's3://b/p', pd: '10.0.0.1:2379, 10.0.0.2:2379', tidb: '10.0.0.3:4000', tidbUser: 'br', tidbPasswordFile: '/etc/brflow/pw' });
  expect(input.cluster).toEqual({ pd: ['10.0.0.1:2379', '10.0.0.2:2379'], tidb: '10.0.0.3:4000', tidbUser: 'br', tidbPasswordFile: '/etc/brflow/pw' });
  const r = normalizeRestoreRequest(input);
  expect('value' in r && r.value.cluster?.pd).toEqual(['10.0.0.1:2379', '10.0.0.2:2379']);
});

test('without --pd/--tidb the input names no cluster (the workers’ own)', () => {
  expect(restoreInputFromFlags({ ...base, storage: 's3://b/p' })).not.toHaveProperty('cluster');
});

test('--concurrency, --ranges-in-flight and --ratelimit (MiB/s, as BR) become input fields the workflow accepts', () => {
  const input = restoreInputFromFlags({ ...base, storage: 's3://b/p', concurrency: 8, rangesInFlight: 16, ratelimit: 64 });
  expect(input).toMatchObject({ concurrency: 8, rangesInFlight: 16, rateLimitBytesPerSec: 64 * 1024 * 1024 });
  const r = normalizeRestoreRequest(input);
  expect('value' in r && { c: r.value.concurrency, rif: r.value.rangesInFlight, rl: r.value.rateLimitBytesPerSec }).toEqual({ c: 8, rif: 16, rl: 64 * 1024 * 1024 });
});
