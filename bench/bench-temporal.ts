import { Client, Connection } from '@temporalio/client';
import { startTemporalDevServer } from '../src/local-stack/temporal-dev-server';
import { stopInReverse } from './restore-history';

/** A Temporal server the benches use instead of starting their own (a test run's: one dev server per run). */
export const BENCH_TEMPORAL_ENV = 'BRFLOW_BENCH_TEMPORAL_ADDRESS';

export interface BenchTemporal {
  address: string;
  client: Client;
  /** The dev server's process id when the bench started it (its CPU is read from /proc); undefined for an outside server. */
  pid?: number;
  stop(): Promise<void>;
}

/** The Temporal server given from outside (a test run's own, BRFLOW_BENCH_TEMPORAL_ADDRESS) or a dev server of the bench's. */
export async function benchTemporal(): Promise<BenchTemporal> {
  const stops: (() => Promise<unknown>)[] = [];
  let address = process.env[BENCH_TEMPORAL_ENV];
  let pid: number | undefined;
  if (!address) {
    const t = await startTemporalDevServer();
    stops.push(() => t.stop());
    address = t.address;
    pid = t.pid > 0 ? t.pid : undefined;
  }
  const connection = await Connection.connect({ address });
  stops.push(() => connection.close());
  return {
    address, client: new Client({ connection }), ...(pid !== undefined ? { pid } : {}),
    stop: () => stopInReverse(stops),
  };
}
