/** One runner for all suites; integration tests share one Temporal dev server and one S3 server (globalSetup). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 180000,
  maxWorkers: 2,
  // Temporal's native bridge keeps a handle open after workers shut down (temporal.md §8.1).
  forceExit: true,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
