import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { NativeConnection, WorkflowBundle } from '@temporalio/worker';
import { makeBackup } from '../../../src/backup/generator/make-backup';
import { LocalStorage } from '../../../src/backup/local-storage';
import type { Manifest } from '../../../src/backup/manifest';
import { readManifest } from '../../../src/backup/read-manifest';
import { TidbClient } from '../../../src/cluster/tidb';
import { restoreWorkflow } from '../../../src/workflows/restore';
import { connectClusterDeps, type ClusterDeps } from '../../../src/worker/cluster-deps';
import { clusterNormality, expectedNormality, restoredChecksums, startSimCluster, type SimCluster } from '../../support/sim-cluster';
import { testTemporalAddress } from '../../support/env';
import { bundleRestoreWorkflows, connectWorkerConnection, startRestoreWorkers } from '../../support/worker-harness';

/**
 * End-to-end restore scenarios on the real Temporal dev server, the cluster simulator and the real cluster
 * clients: each asserts what an operator would check afterwards (the data, the schemas present, the cluster
 * handed back), never log text.
 */
const FAST = { keeperIntervalMs: 300, gcTtlSec: 10, pauseTtlSec: 10, heartbeatTimeoutMs: 5000, compensationMaxIntervalMs: 500 };

let bundle: WorkflowBundle;
let native: NativeConnection;
let connection: Connection;
let client: Client;
let dir: string;
let manifest: Manifest;

beforeAll(async () => {
  const address = testTemporalAddress();
  dir = await mkdtemp(join(tmpdir(), 'brflow-scenarios-'));
  [bundle, native, connection] = await Promise.all([
    bundleRestoreWorkflows(),
    connectWorkerConnection(address),
    Connection.connect({ address }),
    makeBackup(new LocalStorage(dir), { seed: 23, tables: 8, rows: 30, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false }),
  ]);
  manifest = await readManifest(new LocalStorage(dir));
  client = new Client({ connection });
});

afterAll(async () => {
  await native?.close();
  await connection?.close();
  await rm(dir, { recursive: true, force: true });
});

async function withCluster(body: (c: SimCluster, taskQueue: string) => Promise<void>): Promise<void> {
  const c = await startSimCluster();
  const taskQueue = `scenario-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  let cd: ClusterDeps | undefined;
  try {
    cd = await connectClusterDeps(c.target);
    const workers = await startRestoreWorkers({ connection: native, taskQueue, deps: cd.deps, bundle });
    try {
      await body(c, taskQueue);
    } finally {
      await workers.stop();
    }
  } finally {
    await cd?.close();
    await c.sim.stop();
  }
}

test('a filtered restore creates only the selected tables, each holding exactly the backup’s data, and hands the cluster back', async () => {
  await withCluster(async (c, taskQueue) => {
    const user = manifest.tables.filter((t) => t.db !== 'mysql');
    // Two tables that hold rows, named exactly; everything else must stay out of the target.
    const chosen = user.filter((t) => BigInt(t.totalKvs) > 0n).slice(0, 2);
    expect(chosen).toHaveLength(2);
    const others = user.filter((t) => !chosen.includes(t));
    expect(others.length).toBeGreaterThan(0);

    const result = await client.workflow.execute(restoreWorkflow, {
      taskQueue,
      workflowId: `filtered-${taskQueue}`,
      args: [{ storage: `local://${dir}`, filters: chosen.map((t) => `${t.db}.${t.name}`), timings: FAST }],
    });
    expect(result.tables).toBe(2);
    expect(result.checksum).toEqual({ enabled: true, passed: 2 });

    const restored = await restoredChecksums(c, chosen);
    expect(restored).toEqual(chosen.map((t) => ({ table: `${t.db}.${t.name}`, crc64xor: t.crc64xor, totalKvs: t.totalKvs, totalBytes: t.totalBytes })));

    const tidb = new TidbClient(c.target.tidb);
    try {
      const present: string[] = [];
      for (const t of others) if (await tidb.tableInfo(t.db, t.name)) present.push(`${t.db}.${t.name}`);
      expect(present).toEqual([]);
    } finally {
      await tidb.close();
    }
    expect(clusterNormality(c.sim)).toEqual(expectedNormality(c));
  });
});
