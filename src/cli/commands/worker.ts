import type { Command } from 'commander';
import { WORKER_ENV, workerConfigFromEnv } from '../../worker/config';
import { runWorker } from '../../worker/main';

/** `brflow worker`: runs a restore worker configured from the environment until SIGTERM/SIGINT. */
export function register(program: Command): void {
  program
    .command('worker')
    .description('run a restore worker (configured by environment variables; SIGTERM drains it)')
    .addHelpText('after', `\nEnvironment:\n  ${Object.values(WORKER_ENV).join('\n  ')}\n  BRFLOW_TIDB_ADDRESS, BRFLOW_TIDB_STATUS_ADDRESS, BRFLOW_TIDB_USER, BRFLOW_TIDB_PASSWORD, BRFLOW_TIDB_CA/CERT/KEY\n  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION (S3 backups)`)
    .action(async () => {
      const w = await runWorker(workerConfigFromEnv(process.env));
      await w.done;
    });
}
