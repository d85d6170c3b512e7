import { TidbClient } from '../../../src/cluster/tidb';
import { restoreWorkflow } from '../../../src/workflows/restore';
import { FAST_TIMINGS, openRestoreEnv, type RestoreEnvWithBackup } from '../../support/restore-env';
import { clusterNormality, expectedNormality, recordedChecksums, restoredChecksums } from '../../support/sim-cluster';

/**
 * End-to-end restore scenarios on the real Temporal dev server, the cluster simulator and the real cluster
 * clients: each asserts what an operator would check afterwards (the data, the schemas present, the cluster
 * handed back), never log text.
 */
let env: RestoreEnvWithBackup;

beforeAll(async () => {
  env = await openRestoreEnv({
    prefix: 'scenarios',
    backup: { seed: 23, tables: 8, rows: 30, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false },
  });
});

afterAll(() => env?.close());

test('a filtered restore creates only the selected tables, each holding exactly the backup’s data, and hands the cluster back', async () => {
  await env.withCluster(async (c, taskQueue) => {
    const user = env.manifest.tables.filter((t) => t.db !== 'mysql');
    // Two tables that hold rows, named exactly; everything else must stay out of the target.
    const chosen = user.filter((t) => BigInt(t.totalKvs) > 0n).slice(0, 2);
    expect(chosen).toHaveLength(2);
    const others = user.filter((t) => !chosen.includes(t));
    expect(others.length).toBeGreaterThan(0);

    const result = await env.client.workflow.execute(restoreWorkflow, {
      taskQueue,
      workflowId: `filtered-${taskQueue}`,
      args: [{ storage: `local://${env.dir}`, filters: chosen.map((t) => `${t.db}.${t.name}`), timings: FAST_TIMINGS }],
    });
    expect(result.tables).toBe(2);
    expect(result.checksum).toEqual({ enabled: true, passed: 2 });

    const restored = await restoredChecksums(c, chosen);
    expect(restored).toEqual(recordedChecksums(chosen));

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
