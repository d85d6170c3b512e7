import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import type { ManifestTable } from '../../../src/backup/manifest';
import { GENERATED_SEQUENCE_LAST } from '../../../src/backup/generator/views-sequences';
import { ErrorType } from '../../../src/plan/error-types';
import type { TableInfo } from '../../../src/plan/table-info';
import type { ViewInfo } from '../../../src/plan/view-sql';
import { schemaObjectsLine } from '../../../src/cli/commands/status';
import { restoreWorkflow } from '../../../src/workflows/restore';
import type { RestoreProgress } from '../../../src/workflows/types';
import { FAST_TIMINGS, openRestoreEnv, type RestoreEnvWithBackup } from '../../support/restore-env';
import { clusterNormality, expectedNormality, recordedChecksums, restoredChecksums } from '../../support/sim-cluster';
import { expectPreCheckFailure } from '../../support/pre-check-failure';
import { activityTypesRun } from '../../support/activities-run';

/**
 * A backup holding a sequence and two views (one reading the other) beside the table they read, restored by the
 * workflow on the simulator: the sequence comes back with its options and continues after the backup's last value,
 * the views come back with their definer, SQL security, algorithm, column list and check option, created after
 * the table and in dependency order, and the table's data checksums as recorded.
 */
let env: RestoreEnvWithBackup;
let backup: Record<string, ManifestTable>;
const OBJECTS = ['order', 'order_no', 'order_amounts', 'large_orders'];

beforeAll(async () => {
  env = await openRestoreEnv({
    prefix: 'views-sequences',
    backup: { seed: 43, tables: 8, rows: 20, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false, viewsAndSequences: true },
  });
  backup = Object.fromEntries(OBJECTS.map((n) => [n, env.manifest.tables.find((t) => t.db === 'shop' && t.name === n)!]));
});

afterAll(() => env?.close());

test('views and a sequence come back beside their table; the sequence continues after the backup', async () => {
  await env.withCluster(async (c, taskQueue) => {
    const result = await env.client.workflow.execute(restoreWorkflow, {
      taskQueue, workflowId: `views-sequences-${taskQueue}`,
      args: [{ storage: `local://${env.dir}`, filters: OBJECTS.map((n) => `shop.${n}`), timings: FAST_TIMINGS }],
    });
    // Only `order` holds data: views and sequences are neither ingested nor checksummed.
    expect(result).toMatchObject({ tables: 1, views: 2, sequences: 1 });
    // What `brflow status` shows (the progress query): the same counts, from the plan.
    const progress = await env.client.workflow.getHandle(`views-sequences-${taskQueue}`).query<RestoreProgress>('progress');
    expect(progress).toMatchObject({ views: 2, sequences: 1 });
    expect(progress).not.toHaveProperty('placementPolicies');
    expect(schemaObjectsLine(progress)).toBe('schema objects recreated beside the tables: 2 view(s), 1 sequence(s)');
    expect(await restoredChecksums(c, [backup.order!])).toEqual(recordedChecksums([backup.order!]));
    const catalog = c.sim.tidbFront!.catalog;
    // What SHOW CREATE VIEW prints: the definer is the authenticated account when TiDB recorded one (a view made
    // without DEFINER), else the named one; brflow names it, so TiDB records it as named.
    const shown = (info: TableInfo) => {
      const { view_definer: d, ...rest } = info.view as ViewInfo;
      return { ...rest, definer: d?.AuthUsername && d.AuthHostname ? `${d.AuthUsername}@${d.AuthHostname}` : `${d?.Username}@${d?.Hostname}`, cols: info.cols.map((x) => x.name.O), charset: [info.charset, info.collate] };
    };
    for (const v of ['order_amounts', 'large_orders']) expect({ v, ...shown(catalog.table('shop', v)!) }).toEqual({ v, ...shown(backup[v]!.info) });
    expect(shown(catalog.table('shop', 'order_amounts')!)).toMatchObject({ definer: 'app@%', view_security: 1, cols: ['order_id', 'detail'] });
    expect(shown(catalog.table('shop', 'large_orders')!)).toMatchObject({ definer: 'root@%', view_algorithm: 1, view_checkoption: 0 });
    // The view over the view was created after it: its ID is the higher one although the backup's order is by name.
    expect(catalog.table('shop', 'large_orders')!.id).toBeGreaterThan(catalog.table('shop', 'order_amounts')!.id);
    // The catalog holds bigints, the parsed backup numbers (exact decimal strings past 2^53): compare as decimals.
    const decimals = (o: unknown) => Object.fromEntries(Object.entries(o as object).map(([k, v]) => [k, typeof v === 'bigint' || typeof v === 'number' ? String(v) : v]));
    expect(decimals(catalog.table('shop', 'order_no')!.sequence)).toEqual(decimals(backup.order_no!.info.sequence));
    expect(decimals(backup.order_no!.info.sequence)).toMatchObject({ sequence_start: '1000', sequence_increment: '5', sequence_cache_value: '100', sequence_max_value: '9223372036854775806' });
    const next = catalog.nextval('shop', 'order_no');
    expect(next).toBe(GENERATED_SEQUENCE_LAST + 5n);

    // The views step is one activity behind the `brflow-views` patch marker (workflow histories from before it replay unchanged).
    const history = await env.client.workflow.getHandle(`views-sequences-${taskQueue}`).fetchHistory();
    const events = history.events ?? [];
    const scheduled = events.flatMap((e) => (e.activityTaskScheduledEventAttributes?.activityType?.name ? [e.activityTaskScheduledEventAttributes.activityType.name] : []));
    expect(scheduled.filter((n) => n === 'createViews')).toHaveLength(1);
    expect(scheduled.indexOf('createViews')).toBeGreaterThan(scheduled.lastIndexOf('createTables'));
    const patches = events.flatMap((e) => (e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads ?? []).map((p) => Buffer.from(p.data ?? []).toString()));
    expect(patches.filter((p) => p.includes('"brflow-views"'))).toHaveLength(1);
    // BRFLOW_RECORD_HISTORIES=1 keeps it as a replay fixture (test/replay), as restore.test.ts does for its runs.
    if (process.env.BRFLOW_RECORD_HISTORIES === '1') {
      const out = join(__dirname, '../../fixtures/histories');
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, 'views-v1-success.bin'), temporal.api.history.v1.History.encode(history).finish());
    }
  });
});

/** Activity types the restore ran (activities and local activities), in order. */
async function scheduledActivities(workflowId: string): Promise<string[]> {
  return activityTypesRun((await env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? []);
}

test('a view whose base table the filters leave out and the target lacks fails the pre-check (TableMissing), before anything in the cluster changes', async () => {
  await env.withCluster(async (c, taskQueue) => {
    const catalog = c.sim.tidbFront!.catalog;
    const jobsBefore = catalog.ddlJobs().length;
    const workflowId = `views-missing-base-${taskQueue}`;
    // The views without `order`: order_amounts reads it; large_orders reads order_amounts, which is restored.
    const err = await env.client.workflow
      .execute(restoreWorkflow, { taskQueue, workflowId, args: [{ storage: `local://${env.dir}`, filters: ['shop.order_amounts', 'shop.large_orders'], timings: FAST_TIMINGS }] })
      .catch((e: unknown) => e);
    expectPreCheckFailure(err, ErrorType.TableMissing, '1 view(s) read tables or views that the restore does not create and the target does not have: view `shop`.`order_amounts` reads `shop`.`order`. The cluster was not changed. ' +
        "Widen the filters to restore what they read, create those on the target first, or exclude the views (--filter '!db.view')",
    );
    // Nothing after the pre-check: no DDL (no database, table or view), no download, PD and stores as they were.
    expect(await scheduledActivities(workflowId)).toEqual(['requestClusterLock', 'planRestore', 'preCheck']);
    expect(catalog.ddlJobs()).toHaveLength(jobsBefore);
    expect(catalog.database('shop')).toBeUndefined();
    expect(c.sim.state.counters().downloadsByStore).toEqual({});
    expect(clusterNormality(c.sim)).toEqual(expectedNormality(c));
  });
});

test('a view whose base table the filters leave out but the target holds is restored over it (TiDB resolves it at CREATE VIEW)', async () => {
  await env.withCluster(async (c, taskQueue) => {
    // The target holds shop.order already: an earlier restore of it alone.
    await env.client.workflow.execute(restoreWorkflow, { taskQueue, workflowId: `views-base-first-${taskQueue}`, args: [{ storage: `local://${env.dir}`, filters: ['shop.order'], timings: FAST_TIMINGS }] });
    const result = await env.client.workflow.execute(restoreWorkflow, {
      taskQueue, workflowId: `views-base-there-${taskQueue}`,
      args: [{ storage: `local://${env.dir}`, filters: ['shop.order_amounts', 'shop.large_orders'], timings: FAST_TIMINGS }],
    });
    expect(result).toMatchObject({ tables: 0, views: 2 });
    const catalog = c.sim.tidbFront!.catalog;
    expect(catalog.table('shop', 'order_amounts')!.view).toMatchObject({ view_select: (backup.order_amounts!.info.view as ViewInfo).view_select });
    expect(catalog.table('shop', 'large_orders')!.view).toBeTruthy();
    expect(await restoredChecksums(c, [backup.order!])).toEqual(recordedChecksums([backup.order!]));
  });
});
