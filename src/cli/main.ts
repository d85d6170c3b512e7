import { Command } from 'commander';
import { isBrflowError } from '../plan/error-types';
import { registerCommands } from './commands';

/**
 * `brflow`: one CLI, one subcommand per job. Operator mistakes (BrflowError) print as one line and
 * exit non-zero; anything else is a bug and keeps its stack trace.
 */
async function main(argv: string[]): Promise<void> {
  const program = new Command('brflow')
    .description('TiDB BR restore as a durable Temporal workflow')
    .showHelpAfterError()
    .exitOverride();
  registerCommands(program);
  await program.parseAsync(argv);
}

main(process.argv).catch((e: unknown) => {
  const err = e as { code?: string; exitCode?: number; message?: string };
  if (typeof err?.code === 'string' && err.code.startsWith('commander.')) {
    process.exitCode = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : 2;
    return;
  }
  if (isBrflowError(e)) {
    process.stderr.write(`brflow: ${e.message}\n`);
    process.exitCode = 2;
    return;
  }
  process.stderr.write(`brflow: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 70;
});
