import { MockActivityEnvironment } from '@temporalio/testing';
import type { RestoreActivities } from '../../../src/activities';
import type { SchemaControl } from '../../../src/activities/deps';
import { planRestoreInputOf, startActivitiesOnSim, type ActivitiesOnSim } from '../../support/activities-on-sim';

/**
 * splitAndScatter hands the table rewrites it read from TiDB to the same run's ingestBatch of the batch on this
 * worker: the ingest does not read them again, a second attempt does, and so does another run.
 */
let onSim: ActivitiesOnSim;
let dir: string;
let acts: RestoreActivities;
let tableReads = 0;

/** The real schema control, counting its table reads. */
function countingTableReads(real: SchemaControl): SchemaControl {
  return new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === 'getTable') {
        return (...a: Parameters<SchemaControl['getTable']>) => {
          tableReads++;
          return target.getTable(...a);
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...x: unknown[]) => unknown).bind(target) : v;
    },
  });
}

beforeAll(async () => {
  onSim = await startActivitiesOnSim('brflow-handover-', { seed: 7, tables: 6, rows: 20, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false }, (deps) => ({ ...deps, schema: countingTableReads(deps.schema) }));
  ({ dir, acts } = onSim);
});

afterAll(async () => {
  await onSim?.close();
});

test('ingestBatch after its split in the same run reads no table from TiDB; a retry and another run do, and the data checks out', async () => {
  const env = new MockActivityEnvironment({ workflowExecution: { workflowId: 'restore-a', runId: 'run-1' } });
  const run = <T>(f: () => Promise<T>, e = env): Promise<T> => e.run(f) as Promise<T>;
  const summary = await run(() => acts.planRestore(planRestoreInputOf({ storage: `local://${dir}`, tableGroupSize: 64 })));
  expect(summary.tableGroups).toBe(1);
  await run(() => acts.createDatabases({ planRef: summary.planRef }));
  await run(() => acts.createTables({ planRef: summary.planRef, group: 0 }));
  expect(summary.batches).toBeGreaterThan(0);

  let before = tableReads;
  await run(() => acts.splitAndScatter({ planRef: summary.planRef, batchNo: 0 }));
  const perBatch = tableReads - before;
  expect(perBatch).toBeGreaterThan(0);
  before = tableReads;
  await run(() => acts.ingestBatch({ planRef: summary.planRef, batchNo: 0, newTs: '0' }));
  expect(tableReads - before).toBe(0);
  // A second attempt of the same ingest reads TiDB again (the hand-over serves one attempt).
  before = tableReads;
  await run(() => acts.ingestBatch({ planRef: summary.planRef, batchNo: 0, newTs: '0' }));
  expect(tableReads - before).toBe(perBatch);

  // Every other batch: split in this run, ingest in another run (another restore of the same backup) reads again.
  const other = new MockActivityEnvironment({ workflowExecution: { workflowId: 'restore-b', runId: 'run-1' } });
  for (let b = 1; b < summary.batches; b++) {
    await run(() => acts.splitAndScatter({ planRef: summary.planRef, batchNo: b }));
    before = tableReads;
    await run(() => acts.ingestBatch({ planRef: summary.planRef, batchNo: b, newTs: '0' }), other);
    expect(tableReads - before).toBeGreaterThan(0);
  }
  const sums = await run(() => acts.checksumGroup({ planRef: summary.planRef, group: 0 }));
  expect(sums).toEqual({ passed: summary.tables, mismatches: [], skipped: 0 });
});
