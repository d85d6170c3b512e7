import type { Command } from 'commander';
import { BrflowError, ErrorType } from '../../plan/error-types';
import { startSimStack, type SimPdChoice, type SimStack } from '../../local-stack/sim-stack';
import { readTlsSetting } from '../../cluster/tls';
import type { SimulatorTls } from '../../simulator/simulator-tls';

export interface SimCommandOptions {
  stores: string;
  tiflashStores: string;
  importModeTimeout: string;
  pdVersion: string;
  json?: boolean;
  /** commander's --no-tidb */
  tidb: boolean;
  realPd?: boolean;
  pd?: string;
  realTidb?: boolean;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsRequireClientCert?: boolean;
}

/**
 * --tls-ca/--tls-cert/--tls-key [--tls-require-client-cert]: the simulated cluster serves PD, the stores and
 * the TiDB front over TLS with the server certificate (all three flags or none; simulated parts only).
 */
export function simTls(o: Pick<SimCommandOptions, 'tlsCa' | 'tlsCert' | 'tlsKey' | 'tlsRequireClientCert' | 'realPd' | 'pd' | 'realTidb'>): SimulatorTls | undefined {
  const problems: string[] = [];
  const any = o.tlsCa !== undefined || o.tlsCert !== undefined || o.tlsKey !== undefined;
  if (!any) {
    if (o.tlsRequireClientCert) throw new BrflowError(ErrorType.InvalidInput, '--tls-require-client-cert needs --tls-ca, --tls-cert and --tls-key');
    return undefined;
  }
  if (o.tlsCert === undefined || o.tlsKey === undefined || o.tlsCa === undefined) problems.push('--tls-ca, --tls-cert and --tls-key go together: the CA that signs clients, and the server certificate and key');
  if (o.realPd || o.pd !== undefined || o.realTidb) problems.push('--tls-* serve the simulated PD and TiDB only; drop --real-pd/--pd/--real-tidb');
  const read = readTlsSetting({ ca: o.tlsCa, cert: o.tlsCert, key: o.tlsKey }, { ca: '--tls-ca', cert: '--tls-cert', key: '--tls-key' }, problems);
  if (problems.length > 0 || !read?.cert || !read.key) throw new BrflowError(ErrorType.InvalidInput, [...new Set(problems)].join('; '));
  return { ca: read.ca, cert: read.cert, key: read.key, requireClientCert: o.tlsRequireClientCert === true };
}

/** What `brflow sim --json` prints: every address a restore (or an operator) needs. */
export function simAddresses(stack: SimStack): object {
  const h = stack.sim;
  return { pd: h.pdAddress, pdMembers: h.pdAddresses, realPd: stack.realPd, stores: h.stores, admin: h.adminUrl, ...(stack.tidb ? { tidb: stack.tidb } : {}) };
}

/** --real-pd / --pd ADDRESS / neither. */
export function pdChoice(o: { realPd?: boolean; pd?: string }): SimPdChoice {
  if (o.realPd && o.pd) throw new BrflowError(ErrorType.InvalidInput, '--real-pd starts a PD, --pd names a running one: give one of them');
  if (o.pd) return { kind: 'external', address: o.pd };
  return o.realPd ? { kind: 'real' } : { kind: 'simulated' };
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
    .option('--real-pd', 'start a real PD (shared/real-parts pd-server v8.5.4) and join the stores to it as TiKV does')
    .option('--pd <address>', 'join the stores to this running, not yet bootstrapped PD (host:port)')
    .option('--real-tidb', 'start a real TiDB (tidb-server -store unistore) for the schema instead of the simulated front')
    .option('--tls-ca <path>', 'serve TLS: PEM CA that signed the clients\' certificates')
    .option('--tls-cert <path>', 'serve TLS: PEM server certificate (for 127.0.0.1)')
    .option('--tls-key <path>', 'serve TLS: PEM key of --tls-cert')
    .option('--tls-require-client-cert', 'mutual TLS: refuse clients without a certificate signed by --tls-ca')
    .option('--json', 'print the addresses as one JSON line')
    .action(async (o: SimCommandOptions) => {
      const tls = simTls(o);
      const stack = await startSimStack({
        ...(tls ? { tls } : {}),
        stores: positiveInt('stores', o.stores, 1),
        tiflashStores: positiveInt('tiflash-stores', o.tiflashStores, 0),
        importModeTimeoutMs: positiveInt('import-mode-timeout', o.importModeTimeout, 1),
        pdVersion: o.pdVersion,
        pd: pdChoice(o),
        tidb: !o.tidb ? 'none' : o.realTidb ? 'real' : 'simulated',
      });
      const handle = stack.sim;
      if (o.json) process.stdout.write(`${JSON.stringify(simAddresses(stack))}\n`);
      else {
        const pdKind = stack.realPd ? 'real PD, gRPC + HTTP' : `gRPC + HTTP${tls ? (tls.requireClientCert ? ' over mutual TLS' : ' over TLS') : ''}; members ${handle.pdAddresses.join(', ')}`;
        process.stdout.write(`PD      ${handle.pdAddress}   (${pdKind})\n`);
        for (const s of handle.stores) process.stdout.write(`TiKV ${s.id}  ${s.address}   (status ${s.statusAddress})\n`);
        if (stack.tidb) process.stdout.write(`TiDB    ${stack.tidb.address}   (status ${stack.tidb.statusAddress}${o.realTidb ? ', real TiDB on unistore' : ''})\n`);
        process.stdout.write(`admin   ${handle.adminUrl}   (GET /state, /checksums; POST /faults/...)\n`);
      }
      await new Promise<void>((resolve) => {
        const done = () => resolve();
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
      });
      await stack.stop();
    });
}
