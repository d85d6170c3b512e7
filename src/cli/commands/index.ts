import type { Command } from 'commander';

/**
 * Every subcommand registers itself here, one line each, so `brflow --help` lists them all.
 * Each command module exports `register(program)`.
 */
export function registerCommands(program: Command): void {
  void program;
}
