// Lint: typescript-eslint recommended, plus the purity boundary (STYLE.md rule 1): src/plan and src/workflows
// import nothing with I/O: no Node builtins, no pino/grpc/mysql2/AWS, no Temporal worker/client/activity packages.
import tseslint from 'typescript-eslint';

const ioModules = [
  'node:*', 'fs', 'fs/*', 'path', 'os', 'net', 'http', 'https', 'http2', 'crypto', 'child_process', 'zlib', 'stream', 'events', 'dns', 'tls', 'worker_threads', 'buffer', 'process',
  'pino', 'pino-*', '@grpc/*', 'mysql2', 'mysql2/*', '@aws-sdk/*', 'commander',
  '@temporalio/worker', '@temporalio/client', '@temporalio/activity', '@temporalio/testing',
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tools/**', 'src/proto/**', 'test/support/summary-reporter.js'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['src/plan/**/*.ts', 'src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ioModules, message: 'src/plan and src/workflows are pure: no I/O modules (STYLE.md rule 1).', allowTypeImports: true },
          { group: ['**/backup/*', '**/cluster/*', '**/activities/*', '**/worker/*', '**/cli/*', '**/simulator/*', '**/local-stack/*'], message: 'only src/plan may be imported as values here; use `import type`.', allowTypeImports: true },
        ],
      }],
      'no-restricted-globals': ['error',
        { name: 'process', message: 'no environment in pure code' },
        { name: 'Buffer', message: 'use Uint8Array in pure code' },
        { name: 'setInterval', message: 'no timers in pure code' }],
    },
  },
);
