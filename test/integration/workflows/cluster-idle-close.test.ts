import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { makeBackup } from '../../../src/backup/generator/make-backup';
import { LocalStorage } from '../../../src/backup/local-storage';
import type { Manifest, ManifestTable } from '../../../src/backup/manifest';
import { openStorage } from '../../../src/backup/open-storage';
import { readManifest } from '../../../src/backup/read-manifest';
import { restoreWorkflow } from '../../../src/workflows/restore';
import { testTemporalAddress } from '../../support/env';
import { FAST_TIMINGS, uniqueTaskQueue } from '../../support/restore-env';
import { startCliWorker } from '../../support/run-cli';
import { clusterNormality, expectedNormality, recordedChecksums, restoredChecksums, startSimCluster, type SimCluster } from '../../support/sim-cluster';

/**
 * `brflow worker` (its production wiring: environment → runWorker → ClusterPool) with a short
 * BRFLOW_CLUSTER_IDLE_CLOSE_MS: once restores into a cluster an input names have ended, the worker disconnects
 * from it, as TiDB's own status API shows (`connections`: its open client sessions); a later restore naming
 * the same cluster connects again and completes.
 */
const IDLE_CLOSE_MS = 3000;

let dir: string;
let manifest: Manifest;
let home: SimCluster;
let x: SimCluster;
let connection: Connection;
let worker: ChildProcess | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'brflow-idle-close-'));
  [home, x, connection] = await Promise.all([
    startSimCluster(),
    startSimCluster(),
    Connection.connect({ address: testTemporalAddress() }),
    makeBackup(new LocalStorage(dir), { seed: 11, tables: 4, rows: 20, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false }),
  ]);
  manifest = await readManifest(openStorage(`local://${dir}`));
});

afterAll(async () => {
  if (worker && worker.exitCode === null) worker.kill('SIGKILL');
  await connection?.close();
  await home?.sim.stop();
  await x?.sim.stop();
  await rm(dir, { recursive: true, force: true });
});

/** TiDB's open client connections, from its status API (real TiDB's /status reports the same field). */
async function tidbConnections(c: SimCluster): Promise<number> {
  const res = await fetch(`http://${c.sim.tidb!.statusAddress}/status`);
  return ((await res.json()) as { connections: number }).connections;
}

async function waitFor(what: string, ok: () => Promise<boolean>, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('an idle cluster named by inputs is disconnected after BRFLOW_CLUSTER_IDLE_CLOSE_MS; a later restore into it connects again', async () => {
  const taskQueue = uniqueTaskQueue('idle-close');
  const cli = startCliWorker({ address: testTemporalAddress(), taskQueue, sim: home.sim, env: { BRFLOW_CLUSTER_IDLE_CLOSE_MS: String(IDLE_CLOSE_MS), BRFLOW_JANITOR_EVERY_MS: '0' } });
  worker = cli.child;
  const client = new Client({ connection });
  const withData = manifest.tables.filter((t) => !t.isSystem && Number(t.totalKvs) > 0);
  expect(withData.length).toBeGreaterThanOrEqual(2);
  const [first, second] = withData as [ManifestTable, ManifestTable];
  const restoreInto = (t: ManifestTable, n: number) =>
    client.workflow.execute(restoreWorkflow, {
      taskQueue,
      workflowId: `${taskQueue}-${n}`,
      args: [{
        storage: `local://${dir}`,
        filters: [`${t.db}.${t.name}`],
        cluster: { pd: x.sim.pdAddresses, tidb: x.sim.tidb!.address, tidbStatus: x.sim.tidb!.statusAddress },
        timings: FAST_TIMINGS,
      }],
    });

  expect((await restoreInto(first, 1)).tables).toBe(1);
  // The restore used X's TiDB over the worker's sessions, still open right after it ended …
  const justAfter = await tidbConnections(x);
  expect(justAfter).toBeGreaterThan(0);
  // … and all closed once the idle time has passed (the sweep runs every quarter of it).
  await waitFor('X to see no brflow session', async () => (await tidbConnections(x)) === 0, IDLE_CLOSE_MS * 4);
  // The worker is alive and still serving: the closing came from the pool, not a crash.
  expect(worker.exitCode).toBeNull();

  // The next restore naming X connects again and completes.
  expect((await restoreInto(second, 2)).tables).toBe(1);
  expect(await tidbConnections(x)).toBeGreaterThan(0);
  await waitFor('X to see no brflow session after the second restore', async () => (await tidbConnections(x)) === 0, IDLE_CLOSE_MS * 4);

  // Both restores did their whole job on X: the data is the backup's, the cluster handed back normal.
  expect(await restoredChecksums(x, [first, second])).toEqual(recordedChecksums([first, second]));
  expect(clusterNormality(x.sim)).toEqual(expectedNormality(x));

  worker.kill('SIGTERM');
  expect(await new Promise<number | null>((resolve) => worker!.once('exit', resolve))).toBe(0);
});
