import { MockActivityEnvironment } from '@temporalio/testing';
import type { RestoreActivities } from '../../../src/activities';
import type { ChecksumControl } from '../../../src/activities/deps';
import type { PlanSummary } from '../../../src/workflows/types';
import { planRestoreInputOf, startActivitiesOnSim, type ActivitiesOnSim } from '../../support/activities-on-sim';

/**
 * checksumGroup checks a group's tables side by side (BR: 64 tables at once), on the simulator's stores after a
 * real restore of the data, and reports mismatches in the group's table order however the checks interleave.
 */
let onSim: ActivitiesOnSim;
let acts: RestoreActivities;
let summary: PlanSummary;
const env = new MockActivityEnvironment({ workflowExecution: { workflowId: 'restore-checksum', runId: 'run-1' } });
const run = <T>(f: () => Promise<T>): Promise<T> => env.run(f) as Promise<T>;
/** What `probed` saw: checks in flight, the order they started and finished; what a test delays or alters. */
const probe = { inFlight: 0, maxInFlight: 0, started: [] as string[], tables: [] as string[], delayMs: new Map<string, number>(), alter: new Set<string>() };

beforeAll(async () => {
  onSim = await startActivitiesOnSim('brflow-checksum-', { seed: 11, tables: 6, rows: 20, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false }, (deps) => ({ ...deps, checksum: probed(deps.checksum) }));
  acts = onSim.acts;
  summary = await run(() => acts.planRestore(planRestoreInputOf({ storage: `local://${onSim.dir}`, tableGroupSize: 64 })));
  await run(() => acts.createDatabases({ planRef: summary.planRef }));
  await run(() => acts.createTables({ planRef: summary.planRef, group: 0 }));
  for (let b = 0; b < summary.batches; b++) {
    await run(() => acts.splitAndScatter({ planRef: summary.planRef, batchNo: b }));
    await run(() => acts.ingestBatch({ planRef: summary.planRef, batchNo: b, newTs: '0' }));
  }
});

afterAll(async () => {
  await onSim?.close();
});

/** checksumTable of `real`, counting checks in flight and letting a test delay or alter a table's result. */
function probed(real: ChecksumControl): ChecksumControl {
  return {
    async checksumTable(oldInfo, newInfo, ts) {
      probe.inFlight++;
      probe.started.push(newInfo.name.O);
      probe.maxInFlight = Math.max(probe.maxInFlight, probe.inFlight);
      try {
        const r = await real.checksumTable(oldInfo, newInfo, ts);
        const name = newInfo.name.O;
        await new Promise((res) => setTimeout(res, probe.delayMs.get(name) ?? 0));
        probe.tables.push(name);
        return probe.alter.has(name) ? { ...r, totalKvs: String(BigInt(r.totalKvs) + 1n) } : r;
      } finally {
        probe.inFlight--;
      }
    },
  };
}

beforeEach(() => {
  Object.assign(probe, { inFlight: 0, maxInFlight: 0, started: [], tables: [] });
  probe.delayMs.clear();
  probe.alter.clear();
});

test("a group's tables are checksummed side by side, and every one passes", async () => {
  expect(summary.tableGroups).toBe(1);
  const r = await run(() => acts.checksumGroup({ planRef: summary.planRef, group: 0 }));
  expect(r).toEqual({ passed: summary.tables, mismatches: [], skipped: 0 });
  expect(probe.tables).toHaveLength(summary.tables);
  expect(probe.maxInFlight).toBe(summary.tables);
});

test('mismatches are listed in table order even when a later table finishes first', async () => {
  await run(() => acts.checksumGroup({ planRef: summary.planRef, group: 0 }));
  // Checks start in the group's table order.
  const [first, , third] = [...probe.started] as [string, string, string];
  probe.started = [];
  probe.tables = [];
  // The first table's result comes last, the third's at once: both mismatch.
  probe.delayMs.set(first, 300);
  probe.alter.add(first);
  probe.alter.add(third);
  const r = await run(() => acts.checksumGroup({ planRef: summary.planRef, group: 0 }));
  expect(r.passed).toBe(summary.tables - 2);
  expect(r.mismatches.map((m) => m.table.split('.')[1])).toEqual([first, third]);
  expect(probe.tables.indexOf(third)).toBeLessThan(probe.tables.indexOf(first));
});
