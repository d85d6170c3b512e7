import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { TidbClient } from '../../../src/cluster/tidb';
import { ErrorType } from '../../../src/plan/error-types';
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

test('a filter that selects nothing fails FilterTargetMissing before the cluster is touched, unless allowEmpty says it is expected', async () => {
  await env.withCluster(async (c, taskQueue) => {
    const before = c.sim.state.regions().length;
    const failed = await env.client.workflow
      .execute(restoreWorkflow, { taskQueue, workflowId: `empty-${taskQueue}`, args: [{ storage: `local://${env.dir}`, filters: ['shopp.*'], timings: FAST_TIMINGS }] })
      .then(() => undefined, (e: unknown) => e);
    expect(failed).toBeInstanceOf(WorkflowFailedError);
    let cause: unknown = (failed as WorkflowFailedError).cause;
    while (cause && !(cause instanceof ApplicationFailure)) cause = (cause as { cause?: unknown }).cause;
    expect((cause as ApplicationFailure).type).toBe(ErrorType.FilterTargetMissing);
    expect((cause as ApplicationFailure).message).toMatch(/filters \["shopp\.\*"\] select nothing in the backup \(it holds databases: .*`shop`/);
    expect(c.sim.state.regions().length).toBe(before);
    expect(c.sim.inspector.snapshot().serviceSafePoints.filter((s) => s.serviceId.startsWith('brflow-'))).toEqual([]);

    const ok = await env.client.workflow.execute(restoreWorkflow, {
      taskQueue, workflowId: `empty-ok-${taskQueue}`, args: [{ storage: `local://${env.dir}`, filters: ['shopp.*'], allowEmpty: true, timings: FAST_TIMINGS }],
    });
    expect(ok).toMatchObject({ tables: 0, databases: 0, files: 0 });
    expect(clusterNormality(c.sim)).toEqual(expectedNormality(c));
  });
});
