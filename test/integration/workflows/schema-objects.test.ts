import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import type { ManifestTable } from '../../../src/backup/manifest';
import { ErrorType } from '../../../src/plan/error-types';
import { restoreWorkflow } from '../../../src/workflows/restore';
import type { RestoreProgress } from '../../../src/workflows/types';
import { FAST_TIMINGS, openRestoreEnv, type RestoreEnvWithBackup } from '../../support/restore-env';
import { recordedChecksums, restoredChecksums } from '../../support/sim-cluster';

/**
 * A backup whose tables carry a foreign key (naming a table created after it), a TTL with its job switched off
 * and a reference to a placement policy the backup does not hold, restored by the workflow on the simulator. That
 * policy would be the target's (as BR); the target lacks it, so the restore fails in the pre-check naming policy and
 * table, with nothing created; a CHECK constraint the target would ignore fails the pre-check; with `"placementMode": "ignore"` and
 * `"skip": ["checkConstraints"]` it restores, recreates the key and the TTL, and reports the skipped count.
 */
const ci = (s: string) => ({ O: s, L: s.toLowerCase() });
const FK = { id: 1, fk_name: ci('fk_age_order'), ref_schema: ci('shop'), ref_table: ci('order'), ref_cols: [ci('id')], cols: [ci('age')], on_delete: 2, on_update: 0, state: 5, version: 1 };
const TTL = { column: ci('created'), interval_expr: '30', interval_time_unit: 5, enable: false, job_interval: '12h' };
const SCHEMA_OBJECTS = [
  { table: 'shop.customer', fields: { fk_info: [FK], max_fk_id: 1 } },
  { table: 'shop.order', fields: { ttl_info: TTL } },
  { table: 'shop.event_log', fields: { policy_ref_info: { id: 99, name: ci('hot') } } },
  { table: 'shop.metrics', fields: { constraint_info: [{ id: 1, constraint_name: ci('val_positive'), tbl_name: ci('metrics'), constraint_cols: [ci('val')], enforced: true, in_column: false, expr_string: '`val` > 0', state: 5 }] } },
];
const RESTORED = ['shop.customer', 'shop.order', 'shop.event_log', 'shop.metrics'];

let env: RestoreEnvWithBackup;
let restored: ManifestTable[];

beforeAll(async () => {
  env = await openRestoreEnv({
    prefix: 'schema-objects',
    backup: { seed: 41, tables: 8, rows: 20, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false, schemaObjects: SCHEMA_OBJECTS },
  });
  restored = RESTORED.map((n) => env.manifest.tables.find((t) => `${t.db}.${t.name}` === n)!);
});

afterAll(() => env?.close());

function restore(taskQueue: string, id: string, extra: Record<string, unknown> = {}) {
  return env.client.workflow.execute(restoreWorkflow, { taskQueue, workflowId: `${id}-${taskQueue}`, args: [{ storage: `local://${env.dir}`, filters: RESTORED, timings: FAST_TIMINGS, ...extra }] });
}

test('a placement policy neither the backup nor the target holds fails the restore in the pre-check, naming policy and table; nothing is created', async () => {
  await env.withCluster(async (c, taskQueue) => {
    // CHECK constraints skipped: the pre-check refuses those first on this target (next test).
    const err = await restore(taskQueue, 'refused', { skip: ['checkConstraints'] }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const activity = (err as WorkflowFailedError).cause;
    expect(activity).toBeInstanceOf(ActivityFailure);
    expect((activity as ActivityFailure).activityType).toBe('preCheck');
    const app = (activity as ActivityFailure).cause as ApplicationFailure;
    expect(app.type).toBe(ErrorType.UnsupportedObject);
    expect(app.message).toContain('neither in the backup nor on the target: `hot` (used by table `shop`.`event_log`)');
    expect(app.message).toContain('"placementMode": "ignore" (or "skip": ["placement"])');
    expect(RESTORED.map((n) => c.sim.tidbFront!.catalog.table('shop', n.split('.')[1]!))).toEqual([undefined, undefined, undefined, undefined]);
  });
});

test('a CHECK constraint the target would ignore (tidb_enable_check_constraint OFF) fails the pre-check; nothing is created', async () => {
  await env.withCluster(async (c, taskQueue) => {
    const err = await restore(taskQueue, 'check-off', { skip: ['placement'] }).then(() => undefined, (e: unknown) => e);
    const app = ((err as WorkflowFailedError).cause as ActivityFailure).cause as ApplicationFailure;
    expect(app.type).toBe(ErrorType.UnsupportedObject);
    expect(app.message).toMatch(/ignores CHECK constraints .* would drop 1: shop\.metrics: val_positive; run SET GLOBAL tidb_enable_check_constraint = ON on the target, or restore with "skip": \["checkConstraints"\]/);
    expect(RESTORED.map((n) => c.sim.tidbFront!.catalog.table('shop', n.split('.')[1]!))).toEqual([undefined, undefined, undefined, undefined]);
  });
});

test('with "placementMode": "ignore" (BR --with-tidb-placement-mode ignore) and "skip": ["checkConstraints"] the restore completes: the foreign key and TTL come back, the skips are counted', async () => {
  await env.withCluster(async (c, taskQueue) => {
    const result = await restore(taskQueue, 'skipping', { placementMode: 'ignore', skip: ['checkConstraints'] });
    expect(result.tables).toBe(4);
    expect(result.skipped).toEqual({ checkConstraints: 1, placement: 1 });
    // What `brflow status` prints from: the progress query carries the counts too.
    const progress = await env.client.workflow.getHandle(`skipping-${taskQueue}`).query<RestoreProgress>('progress');
    expect(progress.skipped).toEqual({ checkConstraints: 1, placement: 1 });
    expect(await restoredChecksums(c, restored)).toEqual(recordedChecksums(restored));
    const table = (n: string) => c.sim.tidbFront!.catalog.table('shop', n)!;
    expect(table('customer')['fk_info']).toEqual([FK]);
    // The key's index is the backup's idx_age: adding the key created none.
    expect((table('customer').index_info ?? []).map((i) => i.idx_name.O).sort()).toEqual(['PRIMARY', 'idx_age', 'uk_email']);
    expect(table('order')['ttl_info']).toEqual(TTL);
    expect(table('event_log')['policy_ref_info'] ?? null).toBeNull();
    expect(table('metrics')['constraint_info'] ?? null).toBeNull();
  });
});
