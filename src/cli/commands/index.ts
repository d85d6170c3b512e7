import type { Command } from 'commander';
import { register as registerMakeBackup } from './make-backup';
import { register as registerPlan } from './plan';
import { register as registerVerifyBackup } from './verify-backup';
import { register as registerSim } from './sim';

/**
 * Every subcommand registers itself here, one line each, so `brflow --help` lists them all.
 * Each command module exports `register(program)`.
 */
export function registerCommands(program: Command): void {
  void program;
  registerPlan(program);
  registerMakeBackup(program);
  registerVerifyBackup(program);
  registerSim(program);
}
