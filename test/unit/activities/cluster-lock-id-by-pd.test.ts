import { MockActivityEnvironment } from '@temporalio/testing';
import { clusterLockActivities } from '../../../src/activities/cluster-lock';
import type { WorkflowHistorySource } from '../../../src/activities/earlier-run';

/** A Temporal stand-in recording the lock requests it is given (only requestLock is reached here). */
function recordingHistory(): { history: WorkflowHistorySource; requests: { lockId: string; holder: string; mode: string }[] } {
  const requests: { lockId: string; holder: string; mode: string }[] = [];
  const unused = (): never => {
    throw new Error('not used by the lock request');
  };
  return {
    requests,
    history: { latestRun: unused, runEvents: unused, list: unused, startInput: unused, status: unused, requestLock: async (r) => void requests.push(r) },
  };
}

const env = new MockActivityEnvironment();
const ask = { lockId: 'brflow-lock-pd-10.0.0.1:2379', taskQueue: 'brflow', holder: 'restore-1', mode: 'wait' as const };

test('asked by cluster ID, the lock is the one of the cluster PD reports, whatever addresses the workflow derived', async () => {
  const { history, requests } = recordingHistory();
  const acts = clusterLockActivities(history, { clusterId: 7480102893519224961n });
  expect(await env.run(acts.requestClusterLock, { ...ask, byClusterId: true })).toEqual({ lockId: 'brflow-lock-cluster-7480102893519224961' });
  // Another spelling of the same cluster's PD reaches the same cluster ID: the same lock.
  expect(await env.run(acts.requestClusterLock, { ...ask, lockId: 'brflow-lock-pd-pd-0.pd:2379', byClusterId: true })).toEqual({ lockId: 'brflow-lock-cluster-7480102893519224961' });
  expect(requests.map((r) => r.lockId)).toEqual(['brflow-lock-cluster-7480102893519224961', 'brflow-lock-cluster-7480102893519224961']);
});

test('without byClusterId (the janitor holding a dead run\'s lock, inputs recorded before) or without an ID from PD, the given lock is taken', async () => {
  const { history, requests } = recordingHistory();
  expect(await env.run(clusterLockActivities(history, { clusterId: 42n }).requestClusterLock, ask)).toEqual({ lockId: ask.lockId });
  expect(await env.run(clusterLockActivities(history, { clusterId: 0n }).requestClusterLock, { ...ask, byClusterId: true })).toEqual({ lockId: ask.lockId });
  expect(requests).toEqual([{ ...ask }, { ...ask }]);
});

test('a worker without a Temporal client takes no lock (and never asks PD)', async () => {
  const pd = { get clusterId(): bigint { throw new Error('PD must not be asked'); } };
  expect(await env.run(clusterLockActivities(undefined, pd).requestClusterLock, { ...ask, byClusterId: true })).toBe(false);
});
