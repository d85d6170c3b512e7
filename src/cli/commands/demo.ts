import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Command } from 'commander';
import { makeBackup } from '../../backup/generator/make-backup';
import { LocalStorage } from '../../backup/local-storage';
import { freePort } from '../../local-stack/free-port';
import { startTemporalDevServer } from '../../local-stack/temporal-dev-server';
import { projectRoot } from '../../local-stack/tools';
import { realPdFootprint, startSimStack } from '../../local-stack/sim-stack';
import type { restoreWorkflow } from '../../workflows/restore';
import { runWorker } from '../../worker/main';
import { followRestore } from './restore';
import { pdChoice } from './sim';

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

/**
 * `brflow demo`: everything on one machine — the Temporal dev server with a persistent database and its UI,
 * the simulated cluster (PD, 3 TiKV, TiDB), a brflow worker, a generated BR backup — then a restore followed
 * with a progress bar, a summary, and the state of the cluster afterwards.
 */
export function register(program: Command): void {
  program
    .command('demo')
    .description('run a complete local restore: dev server + simulated cluster + worker + generated backup')
    .option('--tables <n>', 'tables in the generated backup', '8')
    .option('--rows <n>', 'rows per table', '500')
    .option('-f, --filter <rule>', 'table filter rule (repeatable)', collect, [])
    .option('--state <dir>', 'where the Temporal database and the backup go', join(projectRoot, '.state', 'demo'))
    .option('--keep', 'keep everything running afterwards (browse the UI) until Ctrl-C')
    .option('--real-pd', 'the simulated stores join a real PD (shared/real-parts pd-server) started for the demo')
    .option('--pd <address>', 'the simulated stores join this running, not yet bootstrapped PD')
    .option('--real-tidb', 'the schema goes to a real TiDB (tidb-server -store unistore) started for the demo')
    .action(async (o: { tables: string; rows: string; filter: string[]; state: string; keep?: boolean; realPd?: boolean; pd?: string; realTidb?: boolean }) => {
      const state = resolve(o.state);
      mkdirSync(state, { recursive: true });
      const say = (s: string) => process.stdout.write(`${s}\n`);
      say('starting the Temporal dev server (persistent: ' + join(state, 'temporal.db') + ') …');
      const temporal = await startTemporalDevServer({ dbFile: join(state, 'temporal.db'), ui: true, logDir: join(state, 'logs') });
      const stops: (() => Promise<unknown>)[] = [() => temporal.stop()];
      try {
        const pd = pdChoice(o);
        const pdSay = pd.kind === 'simulated' ? 'simulated PD' : pd.kind === 'real' ? 'a real PD' : `the PD at ${pd.address}`;
        say(`starting the cluster (${pdSay}, 3 simulated TiKV, ${o.realTidb ? 'a real' : 'the simulated'} TiDB) …`);
        const stack = await startSimStack({ stores: 3, pd, tidb: o.realTidb ? 'real' : 'simulated' });
        stops.push(() => stack.stop());
        const sim = stack.sim;
        const tidb = stack.tidb!;
        const backupDir = join(state, `backup-${Date.now()}`);
        say(`generating a BR backup in ${backupDir} …`);
        const backup = await makeBackup(new LocalStorage(backupDir), { seed: 1, tables: Number(o.tables), rows: Number(o.rows), metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false });
        say(`  ${backup.tables.length} tables, ${backup.dataFiles} data files, ${backup.totalKvs} KVs`);

        const taskQueue = 'brflow-demo';
        const [host, port] = tidb.address.split(':') as [string, string];
        const metricsAddress = `127.0.0.1:${await freePort()}`;
        const worker = await runWorker({
          temporalAddress: temporal.address,
          namespace: 'default',
          taskQueue,
          pdEndpoints: stack.pdEndpoints,
          tidb: { host, port: Number(port), statusAddress: tidb.statusAddress, user: 'root', password: '' },
          metricsAddress,
          logLevel: 'error',
          maxConcurrentActivities: 16,
          shutdownGraceMs: 5000,
        });
        stops.push(async () => {
          worker.shutdown();
          await worker.done;
        });
        say(`worker running (metrics http://${metricsAddress}/metrics)`);

        const connection = await Connection.connect({ address: temporal.address });
        stops.push(() => connection.close());
        const client = new Client({ connection });
        const workflowId = `demo-restore-${Date.now()}`;
        // No rules: BR's default filter (every user table).
        const filters = o.filter;
        const handle = await client.workflow.start<typeof restoreWorkflow>('restoreWorkflow', {
          taskQueue,
          workflowId,
          args: [{ storage: `local://${backupDir}`, filters, concurrency: 4 }],
          memo: { storage: `local://${backupDir}` },
        });
        say(`restore ${workflowId} started (filters ${filters.length > 0 ? filters.join(' ') : 'BR default: all user tables'})`);
        const r = await followRestore(handle, process.stdout, 500);
        say(`\nrestored ${r.tables} tables, ${r.files} files, ${r.bytes} bytes; checksum ${r.checksum.passed} tables ok; restore TS ${r.restoreTs}`);
        const snap = sim.inspector.snapshot();
        const modes = [...new Set(snap.stores.map((s) => s.mode))].join('/');
        if (stack.realPd) {
          const f = await realPdFootprint(stack.pdHttpAddress);
          say(`cluster afterwards: TiKV modes ${modes}; real PD: paused schedulers ${f.pausedSchedulers.length}, TTL overrides ${f.ttlOverrides.length}, brflow safepoints ${f.brflowSafePoints.length}`);
        } else {
          say(`cluster afterwards: TiKV modes ${modes}, paused schedulers ${snap.schedulers.filter((s) => s.paused).length}, TTL overrides ${snap.scheduleConfigOverrides.length}, brflow safepoints ${snap.serviceSafePoints.filter((s) => s.serviceId.startsWith('brflow-')).length}`);
        }
        say(`Temporal UI: ${temporal.uiAddress}/namespaces/default/workflows/${workflowId}`);
        if (o.keep) {
          say('everything keeps running; Ctrl-C to stop');
          await new Promise<void>((res) => {
            process.once('SIGINT', () => res());
            process.once('SIGTERM', () => res());
          });
        }
      } finally {
        for (const s of stops.reverse()) await s().catch(() => undefined);
      }
    });
}
