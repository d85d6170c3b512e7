import { MockActivityEnvironment } from '@temporalio/testing';
import type { RestoreActivities } from '../../../src/activities';
import type { BatchImporter, DataImporter } from '../../../src/activities/deps';
import type { IngestHeartbeat } from '../../../src/activities/ingest';
import { planRestoreInputOf, startActivitiesOnSim, type ActivitiesOnSim } from '../../support/activities-on-sim';

/**
 * A range that finishes while a range before it is still importing is heartbeaten at once (in `above`), not
 * only when the prefix moves: a worker lost before the prefix moves must not cost that range's last group.
 */
let onSim: ActivitiesOnSim;
let dir: string;
let acts: RestoreActivities;
/** Range 0 of each opened batch waits for this before importing (the test releases it). */
let holdFirst: Promise<void> = Promise.resolve();

/** The real importer, with range 0 of each batch held until the test releases it. */
function holdingRangeZero(real: DataImporter): DataImporter {
  return {
    ...real,
    openBatch: async (ranges, opts) => {
      const opened = await real.openBatch(ranges, opts);
      const held: BatchImporter = {
        importRange: async (i, o) => {
          if (i === 0) await holdFirst;
          return opened.importRange(i, o);
        },
      };
      return held;
    },
  };
}

beforeAll(async () => {
  onSim = await startActivitiesOnSim('brflow-range-beat-', { seed: 11, tables: 6, rows: 20, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false }, (deps) => ({ ...deps, importer: holdingRangeZero(deps.importer) }));
  ({ dir, acts } = onSim);
});

afterAll(async () => {
  await onSim?.close();
});

test('ingestBatch beats a range finished behind a range still importing before that range finishes', async () => {
  const env = new MockActivityEnvironment({ workflowExecution: { workflowId: 'restore-beat', runId: 'run-1' } });
  const run = <T>(f: () => Promise<T>): Promise<T> => env.run(f) as Promise<T>;
  const summary = await run(() => acts.planRestore(planRestoreInputOf({ storage: `local://${dir}`, tableGroupSize: 64 })));
  await run(() => acts.createDatabases({ planRef: summary.planRef }));
  await run(() => acts.createTables({ planRef: summary.planRef, group: 0 }));
  await run(() => acts.splitAndScatter({ planRef: summary.planRef, batchNo: 0 }));

  const beats: IngestHeartbeat[] = [];
  let release!: () => void;
  holdFirst = new Promise<void>((r) => {
    release = r;
  });
  // Range 0 is released once a beat names range 1 as finished, or after 3 s (the bug: no such beat before it).
  const fallback = setTimeout(() => release(), 3000);
  let releasedByBeat = false;
  env.on('heartbeat', (d: unknown) => {
    const hb = d as IngestHeartbeat;
    beats.push(hb);
    if (hb.next === 0 && hb.above?.includes(1)) {
      releasedByBeat = true;
      release();
    }
  });
  const result = await run(() => acts.ingestBatch({ planRef: summary.planRef, batchNo: 0, newTs: '0', rangesInFlight: 2 }));
  clearTimeout(fallback);
  expect(result.resumedFrom).toBe(0);
  expect(releasedByBeat).toBe(true);
  // The beat that released range 0 counted range 1's files as reached the cluster, none of range 0's.
  const first = beats.find((b) => b.above?.includes(1))!;
  expect(first).toMatchObject({ next: 0, above: [1], batchNo: 0 });
  expect(first.partial?.['1']).toBeUndefined();
});
