import { workerConfigFromEnv } from '../../../src/worker/config';

test('metrics are off unless an address is configured (a fixed default port would stop a second worker on the host)', () => {
  expect(workerConfigFromEnv({}).metricsAddress).toBeUndefined();
  expect(workerConfigFromEnv({ BRFLOW_METRICS_ADDRESS: '' }).metricsAddress).toBeUndefined();
  expect(workerConfigFromEnv({ BRFLOW_METRICS_ADDRESS: '0.0.0.0:9464' }).metricsAddress).toBe('0.0.0.0:9464');
});

test('search attributes are created by default; BRFLOW_CREATE_SEARCH_ATTRIBUTES=false only checks; anything else is refused', () => {
  expect(workerConfigFromEnv({}).createSearchAttributes).toBe(true);
  expect(workerConfigFromEnv({ BRFLOW_CREATE_SEARCH_ATTRIBUTES: 'false' }).createSearchAttributes).toBe(false);
  expect(() => workerConfigFromEnv({ BRFLOW_CREATE_SEARCH_ATTRIBUTES: 'maybe' })).toThrow(/BRFLOW_CREATE_SEARCH_ATTRIBUTES: "maybe" is not true or false/);
});

test('BRFLOW_CRYPTER_METHOD with BRFLOW_CRYPTER_KEY_FILE is the default backup key (by file); one without the other is refused', () => {
  expect(workerConfigFromEnv({}).crypter).toBeUndefined();
  expect(workerConfigFromEnv({ BRFLOW_CRYPTER_METHOD: 'aes128-ctr', BRFLOW_CRYPTER_KEY_FILE: '/etc/brflow/b.key' }).crypter).toEqual({ method: 'aes128-ctr', keyFile: '/etc/brflow/b.key' });
  expect(() => workerConfigFromEnv({ BRFLOW_CRYPTER_METHOD: 'aes128-ctr' })).toThrow(/BRFLOW_CRYPTER_KEY_FILE: expected the absolute path/);
  expect(() => workerConfigFromEnv({ BRFLOW_CRYPTER_KEY_FILE: '/k' })).toThrow(/BRFLOW_CRYPTER_METHOD: "" is not one of aes128-ctr, aes192-ctr, aes256-ctr/);
});

test('BRFLOW_CLUSTER_IDLE_CLOSE_MS: 10 minutes by default, 0 = never, anything but a whole number ≥ 0 refused', () => {
  expect(workerConfigFromEnv({}).clusterIdleCloseMs).toBe(600_000);
  expect(workerConfigFromEnv({ BRFLOW_CLUSTER_IDLE_CLOSE_MS: '0' }).clusterIdleCloseMs).toBe(0);
  expect(workerConfigFromEnv({ BRFLOW_CLUSTER_IDLE_CLOSE_MS: '2000' }).clusterIdleCloseMs).toBe(2000);
  expect(() => workerConfigFromEnv({ BRFLOW_CLUSTER_IDLE_CLOSE_MS: '10m' })).toThrow(/BRFLOW_CLUSTER_IDLE_CLOSE_MS: "10m" is not an integer ≥ 0/);
});
