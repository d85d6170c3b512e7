import type { Command } from 'commander';
import { BrflowError, ErrorType } from '../../plan/error-types';
import { startSimulator, type SimulatorHandle } from '../../simulator/server';

export interface SimCommandOptions {
  stores: string;
  tiflashStores: string;
  importModeTimeout: string;
  pdVersion: string;
  json?: boolean;
  /** commander's --no-tidb */
  tidb: boolean;
}

/** What `brflow sim --json` prints: every address a restore (or an operator) needs. */
export function simAddresses(h: SimulatorHandle): object {
  return { pd: h.pdAddress, pdMembers: h.pdAddresses, stores: h.stores, admin: h.adminUrl, ...(h.tidb ? { tidb: h.tidb } : {}) };
}

function positiveInt(name: string, v: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new BrflowError(ErrorType.InvalidInput, `--${name} must be an integer ≥ ${min}, got "${v}"`);
  return n;
}

export function register(program: Command): void {
  program
    .command('sim')
    .description('run the simulated PD + TiKV cluster in the foreground (gRPC/HTTP on 127.0.0.1) until interrupted')
    .option('--stores <n>', 'TiKV stores', '3')
    .option('--tiflash-stores <n>', 'extra stores labelled engine=tiflash', '0')
    .option('--import-mode-timeout <ms>', 'TiKV import-mode-timeout in milliseconds', '600000')
    .option('--pd-version <v>', 'version PD reports (below v4.0.8: no scheduler pause, no TTL config)', 'v8.5.0')
    .option('--no-tidb', 'do not start the simulated TiDB SQL front')
    .option('--json', 'print the addresses as one JSON line')
    .action(async (o: SimCommandOptions) => {
      const handle = await startSimulator({
        stores: positiveInt('stores', o.stores, 1),
        tiflashStores: positiveInt('tiflash-stores', o.tiflashStores, 0),
        importModeTimeoutMs: positiveInt('import-mode-timeout', o.importModeTimeout, 1),
        pdVersion: o.pdVersion,
        ...(o.tidb ? {} : { tidb: false as const }),
      });
      if (o.json) process.stdout.write(`${JSON.stringify(simAddresses(handle))}\n`);
      else {
        process.stdout.write(`PD      ${handle.pdAddress}   (gRPC + HTTP; members ${handle.pdAddresses.join(', ')})\n`);
        for (const s of handle.stores) process.stdout.write(`TiKV ${s.id}  ${s.address}   (status ${s.statusAddress})\n`);
        if (handle.tidb) process.stdout.write(`TiDB    ${handle.tidb.address}   (status ${handle.tidb.statusAddress})\n`);
        process.stdout.write(`admin   ${handle.adminUrl}   (GET /state, /checksums; POST /faults/...)\n`);
      }
      await new Promise<void>((resolve) => {
        const done = () => resolve();
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
      });
      await handle.stop();
    });
}
