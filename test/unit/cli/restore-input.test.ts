import { checkedRestoreInput, restoreInputFromFlags, type RestoreFlags } from '../../../src/cli/commands/restore';
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

test('a folder path becomes local:// with its absolute path; URLs pass through unchanged', () => {
  expect(checkedRestoreInput({ storage: 'backups/nightly' }, '/srv/ops').storage).toBe('local:///srv/ops/backups/nightly');
  expect(checkedRestoreInput({ storage: './b' }, '/srv').storage).toBe('local:///srv/b');
  expect(checkedRestoreInput({ storage: '/abs/b' }, '/srv').storage).toBe('local:///abs/b');
  expect(checkedRestoreInput({ storage: 's3://bucket/p?endpoint=http://m:9000' }).storage).toBe('s3://bucket/p?endpoint=http://m:9000');
});

test('the workflow\'s own validator runs before anything is started, and never echoes a secret', () => {
  expect(() => checkedRestoreInput({ storage: 's3://b/p?secret-access-key=SEKRET' })).toThrow(/storage: the URL carries credentials/);
  expect(() => checkedRestoreInput({ storage: 's3://b/p?secret-access-key=SEKRET' })).not.toThrow(/SEKRET/);
  expect(() => checkedRestoreInput({ storage: 's3://b/p', concurrency: -1, bogus: 1 })).toThrow(/2 problem\(s\), nothing was started: .*concurrency.*bogus: unknown field|2 problem\(s\), nothing was started: .*bogus: unknown field.*concurrency/);
  expect(() => checkedRestoreInput({})).toThrow(/storage: missing/);
});

test('--crypter.method with --crypter.key-file becomes the input’s crypter (a path, never a key), which the workflow accepts', () => {
  const input = restoreInputFromFlags({ ...base, storage: 's3://b/p', 'crypter.method': 'aes192-ctr', 'crypter.keyFile': '/etc/brflow/b.key' });
  expect(input.crypter).toEqual({ method: 'aes192-ctr', keyFile: '/etc/brflow/b.key' });
  const r = normalizeRestoreRequest(input);
  expect('value' in r && r.value.crypter).toEqual({ method: 'aes192-ctr', keyFile: '/etc/brflow/b.key' });
  expect(restoreInputFromFlags({ ...base, storage: 's3://b/p' })).not.toHaveProperty('crypter');
  expect(() => restoreInputFromFlags({ ...base, storage: 's3://b/p', 'crypter.method': 'aes192-ctr' })).toThrow(/give --crypter\.key-file/);
  expect(() => restoreInputFromFlags({ ...base, storage: 's3://b/p', 'crypter.method': 'aes192-ctr', 'crypter.keyFile': 'b.key' })).toThrow(/is relative; give the absolute path/);
  expect(() => restoreInputFromFlags({ ...base, storage: 's3://b/p', 'crypter.method': 'sm4-ctr', 'crypter.keyFile': '/k' })).toThrow(/"sm4-ctr" is not one of aes128-ctr\|aes192-ctr\|aes256-ctr/);
});

test('--ca/--cert/--key fill the named cluster\'s tls with paths the workflow accepts; alone they are refused', () => {
  const input = restoreInputFromFlags({ ...base, storage: 's3://b/p', pd: '10.0.0.1:2379', tidb: '10.0.0.3:4000', ca: '/etc/brflow/ca.pem', cert: '/etc/brflow/client.pem', key: '/etc/brflow/client-key.pem' });
  expect((input.cluster as Record<string, unknown>).tls).toEqual({ ca: '/etc/brflow/ca.pem', cert: '/etc/brflow/client.pem', key: '/etc/brflow/client-key.pem' });
  const r = normalizeRestoreRequest(input);
  expect('value' in r && r.value.cluster?.tls).toEqual({ ca: '/etc/brflow/ca.pem', cert: '/etc/brflow/client.pem', key: '/etc/brflow/client-key.pem' });
  expect(() => restoreInputFromFlags({ ...base, storage: 's3://b/p', ca: '/etc/brflow/ca.pem' })).toThrow(/--ca\/--cert\/--key go with --pd\/--tidb/);
});

test('--skip names kinds of schema object, validated by the workflow\'s own check', () => {
  const input = restoreInputFromFlags({ ...base, storage: 's3://b/p', skip: ['placement', 'foreignKeys'] });
  expect(input.skip).toEqual(['placement', 'foreignKeys']);
  const r = normalizeRestoreRequest(input);
  expect('value' in r && [...(r.value.skip ?? [])].sort()).toEqual(['foreignKeys', 'placement']);
  expect(() => checkedRestoreInput(restoreInputFromFlags({ ...base, storage: 's3://b/p', skip: ['views'] }))).toThrow(/skip/);
});

test('--with-tidb-placement-mode (BR\'s flag) becomes placementMode; ignore restores without placement, as skip ["placement"]', () => {
  const input = restoreInputFromFlags({ ...base, storage: 's3://b/p', withTidbPlacementMode: 'IGNORE', skip: ['ttl'] });
  expect(input).toMatchObject({ placementMode: 'IGNORE', skip: ['ttl'] });
  const r = normalizeRestoreRequest(input);
  expect('value' in r && { mode: r.value.placementMode, skip: r.value.skip }).toEqual({ mode: 'ignore', skip: ['ttl', 'placement'] });
  const strict = normalizeRestoreRequest(restoreInputFromFlags({ ...base, storage: 's3://b/p', withTidbPlacementMode: 'strict' }));
  expect('value' in strict && strict.value).toMatchObject({ placementMode: 'strict' });
  expect('value' in strict && strict.value).not.toHaveProperty('skip');
  expect(() => checkedRestoreInput(restoreInputFromFlags({ ...base, storage: 's3://b/p', withTidbPlacementMode: 'loose' }))).toThrow(/placementMode: expected "strict" .* or "ignore" .*, got "loose"/);
  expect(() => checkedRestoreInput({ storage: 's3://b/p', placementMode: 'strict', skip: ['placement'] })).toThrow(/placementMode: "strict" recreates placement policies while skip lists "placement"/);
  // Inputs without it (every history recorded before) normalize as they did.
  const before = normalizeRestoreRequest({ storage: 's3://b/p', skip: ['placement'] });
  expect('value' in before && before.value).not.toHaveProperty('placementMode');
  expect('value' in before && before.value.skip).toEqual(['placement']);
});
