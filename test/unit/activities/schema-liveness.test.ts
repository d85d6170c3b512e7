import { MockActivityEnvironment } from '@temporalio/testing';
import type { SchemaControl } from '../../../src/activities/deps';
import type { PlanCache } from '../../../src/activities/plan-cache';
import { schemaActivities } from '../../../src/activities/schema';
import type { PlanRef } from '../../../src/workflows/types';

/**
 * The schema steps whose one statement can wait out its TiDB deadline (30 s by default, on a TiDB that hangs) keep
 * beating meanwhile: a heartbeat timeout (8 s by default) would otherwise start a second attempt while the first
 * still waits on the same statement, and the first one's failure would no longer decide what happens.
 */
const HEARTBEAT_TIMEOUT_MS = 600;
const SLOW_MS = 1_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const plan = {
  databases: [{ name: 'shop' }],
  sequences: [],
  views: [{ db: 'shop', name: 'v' }],
  tables: [{ db: '__TiDB_BR_Temporary_mysql', name: 'user_defined' }],
};
const plans = { load: () => Promise.resolve({ plan, groups: [] }) } as unknown as PlanCache;
const slow = () => sleep(SLOW_MS);
const schema = { createDatabase: slow, createView: slow, restoreSystemTables: slow } as unknown as SchemaControl;
const acts = schemaActivities(schema, plans);
const ref = { hash: 'h' } as unknown as PlanRef;

test.each([
  ['createDatabases', () => acts.createDatabases({ planRef: ref })],
  ['createViews', () => acts.createViews({ planRef: ref })],
  ['restoreSystemTables', () => acts.restoreSystemTables({ planRef: ref })],
] as const)('%s beats through a statement slower than its heartbeat timeout', async (_, run) => {
  const env = new MockActivityEnvironment({ heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS });
  const beats: number[] = [];
  env.on('heartbeat', () => beats.push(Date.now()));
  const start = Date.now();
  await env.run(run);
  const end = Date.now();
  // No silence as long as the heartbeat timeout anywhere in the run, the slow statement included.
  const marks = [start, ...beats.filter((t) => t <= end), end];
  const longest = Math.max(...marks.slice(1).map((t, i) => t - marks[i]!));
  expect(longest).toBeLessThan(HEARTBEAT_TIMEOUT_MS);
});
