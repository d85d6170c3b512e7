import type { Command } from 'commander';
import { register as registerMakeBackup } from './make-backup';
import { register as registerPlan } from './plan';
import { register as registerVerifyBackup } from './verify-backup';
import { register as registerSim } from './sim';
import { register as registerWorker } from './worker';
import { register as registerRestore } from './restore';
import { register as registerStatus } from './status';
import { register as registerList } from './list';
import { register as registerPause } from './pause';
import { register as registerResume } from './resume';
import { register as registerThrottle } from './throttle';
import { register as registerCancel } from './cancel';
import { register as registerSchedule } from './schedule';
import { register as registerDemo } from './demo';
import { register as registerJanitor } from './janitor';

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
  registerWorker(program);
  registerRestore(program);
  registerStatus(program);
  registerList(program);
  registerPause(program);
  registerResume(program);
  registerThrottle(program);
  registerCancel(program);
  registerSchedule(program);
  registerJanitor(program);
  registerDemo(program);
}
