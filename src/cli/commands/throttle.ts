import type { Command } from 'commander';
import { BrflowError, ErrorType } from '../../plan/error-types';
import { connectClient, describeFailure, restoreHandle, withTemporalOptions, type TemporalFlags } from './restore';

/** `brflow throttle ID --ratelimit MiB/s --concurrency n`: changes a running restore's speed. */
export function register(program: Command): void {
  withTemporalOptions(
    program
      .command('throttle <workflowId>')
      .description('change a running restore\'s download rate limit and/or concurrency')
      .option('--ratelimit <MiB/s>', 'download limit per TiKV store, 0 = none')
      .option('--concurrency <n>', 'ingest batches in flight'),
  ).action(async (id: string, f: TemporalFlags & { ratelimit?: string; concurrency?: string }) => {
    if (f.ratelimit === undefined && f.concurrency === undefined) throw new BrflowError(ErrorType.InvalidInput, 'nothing to change: pass --ratelimit and/or --concurrency');
    const { client, close } = await connectClient(f);
    try {
      const h = restoreHandle(client, id);
      const fail = (what: string) => (e: unknown) => {
        throw new BrflowError(ErrorType.InvalidInput, `cannot set ${what} of ${id}: ${describeFailure(e)}`);
      };
      if (f.ratelimit !== undefined) {
        const n = await h.executeUpdate<number, [number]>('setRateLimit', { args: [Math.round(Number(f.ratelimit) * 1024 * 1024)] }).catch(fail('the rate limit'));
        process.stdout.write(`rate limit: ${n === 0 ? 'none' : `${n} bytes/s per store`}\n`);
      }
      if (f.concurrency !== undefined) {
        const n = await h.executeUpdate<number, [number]>('setConcurrency', { args: [Number(f.concurrency)] }).catch(fail('the concurrency'));
        process.stdout.write(`concurrency: ${n}\n`);
      }
    } finally {
      await close();
    }
  });
}
