import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities, type RestoreActivities } from '../../../src/activities';
import type { ChecksumControl } from '../../../src/activities/deps';
import { makeBackup } from '../../../src/backup/generator/make-backup';
import { LocalStorage } from '../../../src/backup/local-storage';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/server';
import { connectClusterDeps, type ClusterDeps } from '../../../src/worker/cluster-deps';
import type { PlanSummary } from '../../../src/workflows/types';
import { planRestoreInputOf } from '../../support/activities-on-sim';

/**
 * checksumGroup checks a group's tables side by side (BR: 64 tables at once), on the simulator's stores after a
 * real restore of the data, and reports mismatches in the group's table order however the checks interleave.
 */
let dir: string;
let sim: SimulatorHandle;
let cd: ClusterDeps;
let acts: RestoreActivities;
let summary: PlanSummary;
const env = new MockActivityEnvironment({ workflowExecution: { workflowId: 'restore-checksum', runId: 'run-1' } });
const run = <T>(f: () => Promise<T>): Promise<T> => env.run(f) as Promise<T>;
/** Wraps checksumTable: counts checks in flight, and lets a test delay or alter a table's result. */
const probe = { inFlight: 0, maxInFlight: 0, started: [] as string[], tables: [] as string[], delayMs: new Map<string, number>(), alter: new Set<string>() };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'brflow-checksum-'));
  await makeBackup(new LocalStorage(dir), { seed: 11, tables: 6, rows: 20, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false });
  sim = await startSimulator({ stores: 3, scatterPolls: 1 });
  const [host, port] = sim.tidb!.address.split(':') as [string, string];
  cd = await connectClusterDeps({ pdEndpoints: sim.pdAddresses, tidb: { host, port: Number(port), statusAddress: sim.tidb!.statusAddress, user: 'root', password: '' } });
  const real = cd.deps.checksum;
  const checksum: ChecksumControl = {
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
  acts = createActivities({ ...cd.deps, checksum });
  summary = await run(() => acts.planRestore(planRestoreInputOf({ storage: `local://${dir}`, tableGroupSize: 64 })));
  await run(() => acts.createDatabases({ planRef: summary.planRef }));
  await run(() => acts.createTables({ planRef: summary.planRef, group: 0 }));
  for (let b = 0; b < summary.batches; b++) {
    await run(() => acts.splitAndScatter({ planRef: summary.planRef, batchNo: b }));
    await run(() => acts.ingestBatch({ planRef: summary.planRef, batchNo: b, newTs: '0' }));
  }
});

afterAll(async () => {
  await cd?.close();
  await sim?.stop();
  await rm(dir, { recursive: true, force: true });
});

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
