import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../../src/activities';
import type { ManifestTable } from '../../../src/backup/manifest';
import type { PreCheckResult } from '../../../src/activities/safepoint';
import { createTableSql } from '../../../src/plan/create-sql';
import { ErrorType, type ErrorTypeName } from '../../../src/plan/error-types';
import { normalizeRestoreRequest } from '../../../src/workflows/normalize-request';
import { restoreWorkflow } from '../../../src/workflows/restore';
import { connectClusterDeps } from '../../../src/worker/cluster-deps';
import type { SimulatorOptions } from '../../../src/simulator/server';
import { FAST_TIMINGS, openRestoreEnv, type RestoreEnvWithBackup } from '../../support/restore-env';
import { clusterNormality, expectedNormality, recordedChecksums, restoredChecksums, startSimCluster, type SimCluster } from '../../support/sim-cluster';
import { expectPreCheckFailure } from '../../support/pre-check-failure';
import { activityTypesRun } from '../../support/activities-run';

/**
 * BR's restore pre-checks (PreCheckTableTiFlashReplica, PreCheckTableClusterIndex) end to end: the real
 * Temporal dev server, the simulator (TiFlash stores in PD, the TiDB front) and the real cluster clients.
 * Each test checks what an operator would: the replicas TiDB holds, the data, who took import traffic, the
 * failure the workflow reports and that nothing was changed.
 */
/** shop.customer (clustered common handle) had 2 TiFlash replicas with a location label, shop.order (int handle) 1; shop.event_log none. */
const TIFLASH = [
  { table: 'shop.customer', count: 2, locationLabels: ['zone'] },
  { table: 'shop.order', count: 1 },
];
const RESTORED = ['shop.customer', 'shop.order', 'shop.event_log'];

let env: RestoreEnvWithBackup;
let restored: ManifestTable[];

beforeAll(async () => {
  env = await openRestoreEnv({
    prefix: 'prechecks',
    backup: { seed: 31, tables: 8, rows: 20, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false, tiflashReplicas: TIFLASH },
  });
  restored = RESTORED.map((n) => env.manifest.tables.find((t) => `${t.db}.${t.name}` === n)!);
});

afterAll(() => env?.close());

function restore(taskQueue: string, id: string) {
  return env.client.workflow.execute(restoreWorkflow, { taskQueue, workflowId: `${id}-${taskQueue}`, args: [{ storage: `local://${env.dir}`, filters: RESTORED, timings: FAST_TIMINGS }] });
}

/** The preCheck activity's result, as the workflow history recorded it. */
async function preCheckResult(workflowId: string): Promise<PreCheckResult | undefined> {
  const events = (await env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'preCheck');
  const done = events.find((e) => e.activityTaskCompletedEventAttributes && String(e.activityTaskCompletedEventAttributes.scheduledEventId) === String(scheduled?.eventId));
  const p = done?.activityTaskCompletedEventAttributes?.result?.payloads?.[0];
  return p?.data ? (JSON.parse(Buffer.from(p.data).toString('utf8')) as PreCheckResult) : undefined;
}

const replicaOf = (c: SimCluster, db: string, t: string) => c.sim.tidbFront!.catalog.table(db, t)?.tiflash_replica ?? null;

/** Every RPC a TiFlash store saw, and its import mode, downloads and ingests: all must stay empty/normal. */
function tiflashTraffic(c: SimCluster) {
  const counters = c.sim.state.counters();
  const tiflash = c.sim.state.stores().filter((s) => c.sim.state.isTiFlashStore(s.id)).map((s) => String(s.id));
  return {
    refusedRpcs: counters.tiflashRpcs,
    downloads: tiflash.map((id) => counters.downloadsByStore[id] ?? 0),
    ingests: tiflash.map((id) => counters.ingestsByStore[id] ?? 0),
    modes: tiflash.map((id) => c.sim.state.mode(Number(id))),
  };
}

test('the backup recorded TiFlash replicas (the generator option reaches backupmeta)', () => {
  expect(restored.map((t) => [t.name, t.info.tiflash_replica?.Count ?? 0, t.tiflashReplicas])).toEqual([['customer', 2, 2], ['order', 1, 1], ['event_log', 0, 0]]);
});

test('without TiFlash stores the restore completes with the backup’s data and the replicas dropped', async () => {
  await env.withCluster({ tiflashStores: 0 }, async (c, taskQueue) => {
    const result = await restore(taskQueue, 'no-tiflash');
    expect(result.tables).toBe(3);
    expect(result.tiflashReplicasDropped).toBe(2);
    expect(result.checksum).toEqual({ enabled: true, passed: 3 });
    expect(await restoredChecksums(c, restored)).toEqual(recordedChecksums(restored));
    expect(RESTORED.map((n) => replicaOf(c, 'shop', n.split('.')[1]!))).toEqual([null, null, null]);
    expect(await preCheckResult(`no-tiflash-${taskQueue}`)).toEqual({ tiflash: { stores: 0, replicasKept: 0, replicasDropped: 2 }, existingTablesChecked: 0, existingTablesEmpty: 0 });
    expect(clusterNormality(c.sim)).toEqual(expectedNormality(c));
  });
});

test('with enough TiFlash stores each restored table gets its TiFlash replica back, and no TiFlash store takes import traffic', async () => {
  await env.withCluster({ tiflashStores: 2 }, async (c, taskQueue) => {
    const result = await restore(taskQueue, 'tiflash');
    expect(result.checksum).toEqual({ enabled: true, passed: 3 });
    expect(result.tiflashReplicasDropped).toBe(0);
    expect(await restoredChecksums(c, restored)).toEqual(recordedChecksums(restored));
    expect(replicaOf(c, 'shop', 'customer')).toEqual({ Count: 2, LocationLabels: ['zone'], Available: false });
    expect(replicaOf(c, 'shop', 'order')).toEqual({ Count: 1, LocationLabels: [], Available: false });
    expect(replicaOf(c, 'shop', 'event_log')).toBeNull();
    expect(await preCheckResult(`tiflash-${taskQueue}`)).toEqual({ tiflash: { stores: 2, replicasKept: 2, replicasDropped: 0 }, existingTablesChecked: 0, existingTablesEmpty: 0 });
    // The TiKV stores did the work; the TiFlash stores saw no call at all.
    const tikvDownloads = c.sim.state.stores().filter((s) => !c.sim.state.isTiFlashStore(s.id)).reduce((n, s) => n + (c.sim.state.counters().downloadsByStore[String(s.id)] ?? 0), 0);
    expect(tikvDownloads).toBeGreaterThan(0);
    expect(tiflashTraffic(c)).toEqual({ refusedRpcs: {}, downloads: [0, 0], ingests: [0, 0], modes: ['Normal', 'Normal'] });
    expect(clusterNormality(c.sim)).toEqual(expectedNormality(c));
  });
});

test('an existing table with the other clustered-index layout fails the restore before anything changes', async () => {
  await env.withCluster({ tiflashStores: 0 }, async (c, taskQueue) => {
    const catalog = c.sim.tidbFront!.catalog;
    const customer = restored[0]!;
    expect(customer.info.is_common_handle).toBe(true);
    // The same table, created downstream while @@tidb_enable_clustered_index was OFF: keyed by _tidb_rowid.
    catalog.executeSql('CREATE DATABASE shop');
    catalog.executeSql(createTableSql(customer.info).replace('/*T![clustered_index] CLUSTERED */', '/*T![clustered_index] NONCLUSTERED */'), 'shop');
    const before = catalog.table('shop', 'customer');
    expect(before?.is_common_handle).toBe(false);
    const jobsBefore = catalog.ddlJobs().length;

    const err = await restore(taskQueue, 'mismatch').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const activity = (err as WorkflowFailedError).cause;
    expect(activity).toBeInstanceOf(ActivityFailure);
    expect((activity as ActivityFailure).activityType).toBe('preCheck');
    const root = activity?.cause;
    expect(root).toBeInstanceOf(ApplicationFailure);
    expect((root as ApplicationFailure).type).toBe(ErrorType.RestoreModeMismatch);
    expect((root as ApplicationFailure).nonRetryable).toBe(true);
    expect((root as ApplicationFailure).message).toContain('`shop`.`customer` exists with a NONCLUSTERED (_tidb_rowid) primary key but the backup has CLUSTERED (common handle) (@@tidb_enable_clustered_index should be ON)');

    // Untouched: the existing table, no other table created, no DDL run, no data moved, the cluster normal.
    expect(catalog.table('shop', 'customer')).toEqual(before);
    expect(catalog.tables('shop').map((t) => t.name.O)).toEqual(['customer']);
    expect(catalog.ddlJobs()).toHaveLength(jobsBefore);
    expect(c.sim.state.counters().downloadsByStore).toEqual({});
    expect(clusterNormality(c.sim)).toEqual(expectedNormality(c));
  });
});

test('preCheck and createTables run twice: one TiFlash store keeps the 1-replica table, drops the 2-replica one, and the ALTER runs once', async () => {
  const c = await startSimCluster({ tiflashStores: 1 });
  const cd = await connectClusterDeps(c.target);
  try {
    const acts = createActivities(cd.deps);
    const activityEnv = new MockActivityEnvironment();
    const once = <T>(f: () => Promise<T>): Promise<T> => activityEnv.run(f) as Promise<T>;
    const req = normalizeRestoreRequest({ storage: `local://${env.dir}`, filters: RESTORED });
    if (!('value' in req)) throw new Error(JSON.stringify(req));
    const r = req.value;
    const summary = await once(() => acts.planRestore({ storage: r.storage, filters: r.filters, caseSensitive: r.caseSensitive, batchFiles: r.batchFiles, mergeRegionSizeBytes: r.mergeRegionSizeBytes, mergeRegionKeyCount: r.mergeRegionKeyCount, tableGroupSize: r.tableGroupSize }));

    const pre = { backupClusterVersion: env.manifest.clusterVersion, planRef: summary.planRef };
    const expected: PreCheckResult = { tiflash: { stores: 1, replicasKept: 1, replicasDropped: 1 }, existingTablesChecked: 0, existingTablesEmpty: 0 };
    expect(await once(() => acts.preCheck(pre))).toEqual(expected);
    expect(await once(() => acts.preCheck(pre))).toEqual(expected);

    await once(() => acts.createDatabases({ planRef: summary.planRef }));
    const catalog = c.sim.tidbFront!.catalog;
    const jobs = (): string[] => catalog.ddlJobs().filter((j) => j.query.includes('TIFLASH')).map((j) => j.query);
    for (let i = 0; i < 2; i++) await once(() => acts.createTables({ planRef: summary.planRef, group: 0 }));
    expect(replicaOf(c, 'shop', 'customer')).toBeNull();
    expect(replicaOf(c, 'shop', 'order')).toEqual({ Count: 1, LocationLabels: [], Available: false });
    expect(jobs()).toEqual(['ALTER TABLE `shop`.`order` SET TIFLASH REPLICA 1']);
    // The tables exist now with the backup's layout, empty: the pre-check compares them and passes.
    expect(await once(() => acts.preCheck(pre))).toEqual({ ...expected, existingTablesChecked: 3, existingTablesEmpty: 3 });

    // One batch ingested: the tables it wrote hold rows, read through TiKV, and the pre-check refuses them.
    await once(() => acts.splitAndScatter({ planRef: summary.planRef, batchNo: 0 }));
    await once(() => acts.ingestBatch({ planRef: summary.planRef, batchNo: 0, newTs: '0' }));
    const refused = await once(() => acts.preCheck(pre)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApplicationFailure);
    expect((refused as ApplicationFailure).type).toBe(ErrorType.TableNotEmpty);
    expect((refused as ApplicationFailure).nonRetryable).toBe(true);
    expect((refused as ApplicationFailure).message).toMatch(/^\d+ table\(s\) to restore already exist with the backup's layout and hold rows: shop\.\w+/);
    // The seam for a restore resuming its own earlier run: its own rows are no reason to refuse.
    expect(await once(() => acts.preCheck({ ...pre, ownRows: true }))).toEqual({ tiflash: expected.tiflash, existingTablesChecked: 3 });
  } finally {
    await cd.close();
    await c.sim.stop();
  }
});

/** A restore the pre-check must refuse before it changes anything in the cluster. */
interface RefusedByPreCheck {
  title: string;
  cluster: SimulatorOptions;
  /** Workflow ID prefix of the refused restore. */
  id: string;
  /** Readies the target; returns the case's own checks that nothing changed, run after the refusal. */
  arrange(c: SimCluster, taskQueue: string): Promise<() => Promise<void>>;
  type: ErrorTypeName;
  /** The failure's message: the exact text, or `expect.stringContaining(…)`. */
  message: unknown;
}

const REFUSED_BY_PRE_CHECK: RefusedByPreCheck[] = [
  {
    title: 'a table that exists with the backup\'s layout and holds rows is refused before anything changes (TableNotEmpty)',
    cluster: { tiflashStores: 0 },
    id: 'again',
    arrange: async (c, taskQueue) => {
      // A first restore fills the tables; a second one of the same backup would ingest on top of them.
      await restore(taskQueue, 'first');
      const checksumsBefore = await restoredChecksums(c, restored);
      // The data is as it was.
      return async () => expect(await restoredChecksums(c, restored)).toEqual(checksumsBefore);
    },
    type: ErrorType.TableNotEmpty,
    message: "3 table(s) to restore already exist with the backup's layout and hold rows: shop.customer, shop.event_log, shop.order; the cluster was not changed. Empty or drop them, exclude them with a filter, or restore into another cluster",
  },
  {
    title: 'a target bootstrapped without new collations fails the pre-check with CollationMismatch before anything changes',
    cluster: { tiflashStores: 0, tidb: { catalogOptions: { newCollationEnabled: false } } },
    id: 'collation',
    arrange: async (c) => {
      expect(env.manifest.newCollationsEnabled).toBe('True');
      // No database or table, no download ever.
      return async () => {
        expect(c.sim.tidbFront!.catalog.database('shop')).toBeUndefined();
        expect(c.sim.state.counters().downloadsByStore).toEqual({});
      };
    },
    type: ErrorType.CollationMismatch,
    message: expect.stringContaining('the backup was taken with new_collations_enabled = True but the target TiDB has new_collation_enabled = False (mysql.tidb); the cluster was not changed'),
  },
];

test.each(REFUSED_BY_PRE_CHECK.map((r) => [r.title, r] as const))('%s', async (_title, r) => {
  await env.withCluster(r.cluster, async (c, taskQueue) => {
    const unchanged = await r.arrange(c, taskQueue);
    const catalog = c.sim.tidbFront!.catalog;
    const jobsBefore = catalog.ddlJobs().length;
    const downloadsBefore = { ...c.sim.state.counters().downloadsByStore };

    const err = await restore(taskQueue, r.id).catch((e: unknown) => e);
    expectPreCheckFailure(err, r.type, r.message);

    // Nothing after the pre-check ran: no safepoint, DDL, download or mode change.
    const events = (await env.client.workflow.getHandle(`${r.id}-${taskQueue}`).fetchHistory()).events ?? [];
    // Activities and local activities alike. Taking the cluster lock (one restore per cluster) changes nothing in the cluster.
    expect(activityTypesRun(events)).toEqual(['requestClusterLock', 'planRestore', 'preCheck']);
    expect(catalog.ddlJobs()).toHaveLength(jobsBefore);
    expect(c.sim.state.counters().downloadsByStore).toEqual(downloadsBefore);
    await unchanged();
    expect(clusterNormality(c.sim)).toEqual(expectedNormality(c));
  });
});
