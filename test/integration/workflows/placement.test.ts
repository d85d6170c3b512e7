import type { ManifestTable } from '../../../src/backup/manifest';
import { schemaObjectsLine } from '../../../src/cli/commands/status';
import { ErrorType } from '../../../src/plan/error-types';
import type { PolicyInfo } from '../../../src/plan/placement-sql';
import type { RestoreProgress } from '../../../src/workflows/types';
import { restoreWorkflow } from '../../../src/workflows/restore';
import { FAST_TIMINGS, openRestoreEnv, type RestoreEnvWithBackup } from '../../support/restore-env';
import { clusterNormality, expectedNormality, recordedChecksums, restoredChecksums } from '../../support/sim-cluster';
import { expectPreCheckFailure } from '../../support/pre-check-failure';
import { activityTypesRun } from '../../support/activities-run';

/**
 * Placement end to end on the simulator: make-backup writes two placement policies into backupmeta `policies`
 * (model.PolicyInfo JSON, as BR does) and a reference to one on shop.event_log; the workflow restores it with the
 * default placementMode (strict): both policies are created with their options (BR's full restore creates every
 * one), the table references its policy, the
 * data checks out. With placementMode "ignore" no policy is created and the reference is counted as skipped.
 */
const ci = (s: string) => ({ O: s, L: s.toLowerCase() });
const SETTINGS = {
  primary_region: '', regions: '', learners: 0, followers: 0, voters: 0, schedule: '', constraints: '', leader_constraints: '',
  learner_constraints: '', follower_constraints: '', voter_constraints: '', survival_preferences: '',
};
const HOT: PolicyInfo = { ...SETTINGS, constraints: '[+disk=ssd]', leader_constraints: '[+region=us-east-1]', followers: 3, survival_preferences: '[region]', id: 3, name: ci('hot'), state: 5 };
const COLD: PolicyInfo = { ...SETTINGS, primary_region: 'eu-west-1', regions: 'eu-west-1,eu-central-1', schedule: 'EVEN', id: 4, name: ci('cold'), state: 5 };
const RESTORED = ['shop.customer', 'shop.order', 'shop.event_log'];

let env: RestoreEnvWithBackup;
let restored: ManifestTable[];

beforeAll(async () => {
  env = await openRestoreEnv({
    prefix: 'placement',
    backup: {
      seed: 43, tables: 8, rows: 20, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false,
      schemaObjects: [{ table: 'shop.event_log', fields: { policy_ref_info: { id: 3, name: ci('hot') } } }],
      placementPolicies: [HOT, COLD],
    },
  });
  restored = RESTORED.map((n) => env.manifest.tables.find((t) => `${t.db}.${t.name}` === n)!);
});

afterAll(() => env?.close());

function restore(taskQueue: string, id: string, extra: Record<string, unknown> = {}) {
  return env.client.workflow.execute(restoreWorkflow, { taskQueue, workflowId: `${id}-${taskQueue}`, args: [{ storage: `local://${env.dir}`, filters: RESTORED, timings: FAST_TIMINGS, ...extra }] });
}

const settingsOf = (p: PolicyInfo | undefined) => {
  if (!p) return undefined;
  const { id: _id, ...rest } = p;
  return rest;
};

test('make-backup writes the policies into backupmeta; the reader gets them back', () => {
  expect(env.manifest.placementPolicies).toEqual([HOT, COLD]);
});

test('placementMode strict (the default): every policy of the backup is created with its options and the table references its own', async () => {
  await env.withCluster(async (c, taskQueue) => {
    const result = await restore(taskQueue, 'strict');
    expect(result.tables).toBe(3);
    expect(result.skipped).toBeUndefined();
    expect(result.placementPolicies).toBe(2);
    const progress = await env.client.workflow.getHandle(`strict-${taskQueue}`).query<RestoreProgress>('progress');
    expect(schemaObjectsLine(progress)).toBe('schema objects recreated beside the tables: 2 placement policy(ies)');
    expect(await restoredChecksums(c, restored)).toEqual(recordedChecksums(restored));
    const catalog = c.sim.tidbFront!.catalog;
    expect(settingsOf(catalog.placementPolicies.get('hot'))).toEqual(settingsOf(HOT));
    // Every policy of the backup, referenced or not, as BR's full restore (filters included).
    expect(settingsOf(catalog.placementPolicies.get('cold'))).toEqual(settingsOf(COLD));
    expect(catalog.table('shop', 'event_log')!['policy_ref_info']).toEqual({ id: catalog.placementPolicies.get('hot')!.id, name: ci('hot') });
    expect(catalog.table('shop', 'order')!['policy_ref_info'] ?? null).toBeNull();
    expect(catalog.ddlJobs().filter((j) => j.query.includes('PLACEMENT')).map((j) => j.query)).toEqual([
      'CREATE PLACEMENT POLICY IF NOT EXISTS `cold` PRIMARY_REGION="eu-west-1" REGIONS="eu-west-1,eu-central-1" SCHEDULE="EVEN"',
      'CREATE PLACEMENT POLICY IF NOT EXISTS `hot` CONSTRAINTS="[+disk=ssd]" LEADER_CONSTRAINTS="[+region=us-east-1]" FOLLOWERS=3 SURVIVAL_PREFERENCES="[region]"',
      'ALTER TABLE `event_log` PLACEMENT POLICY = `hot`',
    ]);
  });
});

test('placementMode ignore: no policy, no reference, the skip counted', async () => {
  await env.withCluster(async (c, taskQueue) => {
    const result = await restore(taskQueue, 'ignore', { placementMode: 'ignore' });
    expect(result.skipped).toEqual({ placement: 1 });
    expect(await restoredChecksums(c, restored)).toEqual(recordedChecksums(restored));
    const catalog = c.sim.tidbFront!.catalog;
    expect(catalog.placementPolicies.all()).toEqual([]);
    expect(catalog.table('shop', 'event_log')!['policy_ref_info'] ?? null).toBeNull();
  });
});

/**
 * A table referencing a policy the backup does not hold (`warm`): as BR, the restore uses the target's policy of
 * that name; the pre-check reads the target's policies (information_schema.PLACEMENT_POLICIES) and refuses the
 * restore before anything changes when the target lacks it too.
 */
describe('a policy the backup does not hold', () => {
  let warmEnv: RestoreEnvWithBackup;
  let warmRestored: ManifestTable[];

  beforeAll(async () => {
    warmEnv = await openRestoreEnv({
      prefix: 'placement-target',
      backup: {
        seed: 43, tables: 8, rows: 20, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false,
        schemaObjects: [{ table: 'shop.event_log', fields: { policy_ref_info: { id: 9, name: ci('warm') } } }],
        placementPolicies: [HOT],
      },
    });
    warmRestored = RESTORED.map((n) => warmEnv.manifest.tables.find((t) => `${t.db}.${t.name}` === n)!);
  });

  afterAll(() => warmEnv?.close());

  const restoreWarm = (taskQueue: string, id: string) =>
    warmEnv.client.workflow.execute(restoreWorkflow, { taskQueue, workflowId: `${id}-${taskQueue}`, args: [{ storage: `local://${warmEnv.dir}`, filters: RESTORED, timings: FAST_TIMINGS }] });

  test('absent from the target too: the pre-check refuses it (UnsupportedObject naming the policy and its table) before anything changes', async () => {
    await warmEnv.withCluster(async (c, taskQueue) => {
      const catalog = c.sim.tidbFront!.catalog;
      const jobsBefore = catalog.ddlJobs().length;
      const err = await restoreWarm(taskQueue, 'warm-missing').catch((e: unknown) => e);
      expectPreCheckFailure(err, ErrorType.UnsupportedObject, '1 placement policy(ies) the restore references are neither in the backup nor on the target: `warm` (used by table `shop`.`event_log`). The cluster was not changed. ' +
          'Create them on the target (CREATE PLACEMENT POLICY …), or restore without placement with "placementMode": "ignore" (or "skip": ["placement"])',
      );
      const events = (await warmEnv.client.workflow.getHandle(`warm-missing-${taskQueue}`).fetchHistory()).events ?? [];
      expect(activityTypesRun(events)).toEqual(['requestClusterLock', 'planRestore', 'preCheck']);
      // No policy, database or table; no download; PD and the stores as they were.
      expect(catalog.ddlJobs()).toHaveLength(jobsBefore);
      expect(catalog.placementPolicies.all()).toEqual([]);
      expect(catalog.database('shop')).toBeUndefined();
      expect(c.sim.state.counters().downloadsByStore).toEqual({});
      expect(clusterNormality(c.sim)).toEqual(expectedNormality(c));
    });
  });

  test("present on the target: the table references the target's policy, the backup's own is created, the data checks out", async () => {
    await warmEnv.withCluster(async (c, taskQueue) => {
      const catalog = c.sim.tidbFront!.catalog;
      // Made on the target beforehand (as an operator would with CREATE PLACEMENT POLICY).
      catalog.placementPolicies.create('Warm', { followers: 2 }, false);
      const warm = catalog.placementPolicies.get('warm')!;
      const result = await restoreWarm(taskQueue, 'warm-there');
      expect(result).toMatchObject({ tables: 3, placementPolicies: 1 });
      expect(await restoredChecksums(c, warmRestored)).toEqual(recordedChecksums(warmRestored));
      expect(catalog.table('shop', 'event_log')!['policy_ref_info']).toEqual({ id: warm.id, name: { O: 'Warm', L: 'warm' } });
      // The target's policy kept its settings; the backup's `hot` was created.
      expect(catalog.placementPolicies.get('warm')).toMatchObject({ followers: 2 });
      expect(settingsOf(catalog.placementPolicies.get('hot'))).toEqual(settingsOf(HOT));
    });
  });
});
