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
