import type { Command } from 'commander';
import type { RestoreProgress } from '../../workflows/types';
import { connectClient, renderProgress, restoreHandle, withTemporalOptions, type TemporalFlags } from './restore';

/** `brflow status ID`: the restore's progress (a query: works on running and closed restores). */
export function register(program: Command): void {
  withTemporalOptions(program.command('status <workflowId>').description('show a restore\'s progress').option('--json', 'print the progress object as JSON')).action(
    async (id: string, f: TemporalFlags & { json?: boolean }) => {
      const { client, close } = await connectClient(f);
      try {
        const h = restoreHandle(client, id);
        const [p, d] = await Promise.all([h.query<RestoreProgress>('progress'), h.describe()]);
        if (f.json) process.stdout.write(`${JSON.stringify({ status: d.status.name, ...p }, null, 2)}\n`);
        else {
          process.stdout.write(`${id}: ${d.status.name}\n${renderProgress(p)}\n`);
          for (const m of p.checksum.mismatches) process.stdout.write(`checksum mismatch ${m.table}: backup ${m.expected.crc64xor}/${m.expected.totalKvs} kvs, restored ${m.actual.crc64xor}/${m.actual.totalKvs} kvs\n`);
        }
      } finally {
        await close();
      }
    },
  );
}
