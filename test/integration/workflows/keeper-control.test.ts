import { Client, Connection } from '@temporalio/client';
import { Worker, type NativeConnection } from '@temporalio/worker';
import type { KeeperSpec } from '../../../src/workflows/types';
import { testTemporalAddress } from '../../support/env';
import { bundleWorkflowsAt, connectWorkerConnection } from '../../support/worker-harness';
import { keeperStartedTwice } from '../../fixtures/workflows/keeper-probe';

let nativeConnection: NativeConnection;
let connection: Connection;

beforeAll(async () => {
  const address = testTemporalAddress();
  [nativeConnection, connection] = await Promise.all([connectWorkerConnection(address), Connection.connect({ address })]);
});

afterAll(async () => {
  await nativeConnection?.close();
  await connection?.close();
});

test('a keeper asked to start twice keeps one renewal loop: after stop() no renewal runs', async () => {
  const renewals: { start: number; end: number }[] = [];
  let stoppedAt: number | undefined;
  const taskQueue = `keeper-probe-${Date.now()}`;
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue,
    workflowBundle: await bundleWorkflowsAt(require.resolve('../../fixtures/workflows/keeper-probe')),
    activities: {
      keeper: async (spec: KeeperSpec) => {
        expect(spec.once).toBe(true);
        const start = Date.now();
        await new Promise((r) => setTimeout(r, 20));
        renewals.push({ start, end: Date.now() });
      },
      stopped: async () => {
        stoppedAt = Date.now();
      },
    },
  });
  await worker.runUntil(new Client({ connection }).workflow.execute(keeperStartedTwice, { taskQueue, workflowId: taskQueue, args: [3000, 3000] }));
  expect(stoppedAt).toBeDefined();
  // It renewed while kept (the dev server fires timers late: at least twice in 3 s)...
  expect(renewals.length).toBeGreaterThanOrEqual(2);
  // ...one renewal at a time (two loops would overlap sooner or later)...
  const sorted = [...renewals].sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.start).toBeGreaterThanOrEqual(sorted[i - 1]!.end);
  // ...and nothing after stop(): a second loop, which stop() would not know of, would go on renewing for 3 s.
  expect(renewals.filter((r) => r.start > stoppedAt!)).toEqual([]);
});
