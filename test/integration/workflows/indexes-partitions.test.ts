import type { ManifestTable } from '../../../src/backup/manifest';
import { restoreWorkflow } from '../../../src/workflows/restore';
import { FAST_TIMINGS, openRestoreEnv, type RestoreEnvWithBackup } from '../../support/restore-env';
import { recordedChecksums, restoredChecksums } from '../../support/sim-cluster';

/**
 * A backup with an expression index (shop.gadgets: its hidden virtual column and the index keys over the computed
 * value) and a LIST COLUMNS table with a DEFAULT partition (shop.regions_list), as make-backup writes them with
 * `extraTables`, restored by the workflow on the simulator: both tables come back with the backup's column IDs
 * (the hidden one too) and partitions, and their checksums equal the backup's.
 */
const RESTORED = ['shop.gadgets', 'shop.regions_list'];

let env: RestoreEnvWithBackup;
let tables: ManifestTable[];

beforeAll(async () => {
  env = await openRestoreEnv({
    prefix: 'indexes-partitions',
    backup: { seed: 43, tables: 1, rows: 40, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false, extraTables: ['expression-index', 'list-columns'] },
  });
  tables = RESTORED.map((n) => env.manifest.tables.find((t) => `${t.db}.${t.name}` === n)!);
});

afterAll(() => env?.close());

test('an expression index and LIST COLUMNS partitions restore with their column IDs, partitions and checksums', async () => {
  // The backup holds what the cases claim: the hidden column and index keys; rows in the DEFAULT partition.
  const gadgets = tables[0]!.info;
  expect(gadgets.cols.filter((c) => c.hidden).map((c) => [c.name.O, c.id, c.generated_expr_string])).toEqual([['_V$_idx_price_x2_0', 4, '`price` * 2']]);
  expect(Number(tables[0]!.totalKvs)).toBe(80);
  const byPartition = new Map(tables[1]!.files.map((f) => [f.startKey.slice(2, 18), f]));
  expect(tables[1]!.info.partition!.definitions.map((d) => d.in_values)).toEqual([[["'eu'"], ["'uk'"]], [["'us'"]], [['DEFAULT']]]);
  expect(byPartition.size).toBe(3);

  await env.withCluster(async (c, taskQueue) => {
    const result = await env.client.workflow.execute(restoreWorkflow, {
      taskQueue, workflowId: `indexes-partitions-${taskQueue}`, args: [{ storage: `local://${env.dir}`, filters: RESTORED, timings: FAST_TIMINGS }],
    });
    expect(result.tables).toBe(2);
    expect(await restoredChecksums(c, tables)).toEqual(recordedChecksums(tables));
    for (const t of tables) {
      const now = c.sim.tidbFront!.catalog.table(t.db, t.name)!;
      const ids = (x: typeof now) => ({ cols: x.cols.map((col) => [col.name.O, col.id, col.hidden ?? false]).sort(), indexes: (x.index_info ?? []).map((i) => i.idx_name.O).sort(), partitions: (x.partition?.definitions ?? []).map((d) => [d.name.O, d.in_values]) });
      expect({ t: t.name, ...ids(now) }).toEqual({ t: t.name, ...ids(t.info) });
    }
  });
});
