import type { ActivityDeps } from '../../../src/activities/deps';
import { routeActivitiesByCluster, type ClusterResolver } from '../../../src/activities/cluster-router';
import { PlanCache } from '../../../src/activities/plan-cache';
import type { ClusterRef } from '../../../src/workflows/types';

/**
 * The router leases the named cluster's deps for exactly the activity's run: taken before it starts, released
 * however it ends, none taken by activities that need no cluster.
 */

const X: ClusterRef = { pd: ['x:2379'], tidb: 'x:4000' };

/** A resolver that records every lease and which are still open. */
function leasingResolver(stores: Partial<ActivityDeps['stores']>, refuse?: Error) {
  const leases: { cluster: string; open: boolean }[] = [];
  const resolve: ClusterResolver = async (ref) => {
    if (refuse) throw refuse;
    const l = { cluster: ref ? ref.pd.join(',') : 'home', open: true };
    leases.push(l);
    return { deps: { stores } as unknown as ActivityDeps, release: () => void (l.open = false) };
  };
  return { leases, resolve };
}

const plans = new PlanCache({ readManifest: () => Promise.reject(new Error('no backup in this test')) });

test('a lease is open while the activity runs and released when it returns', async () => {
  let finish: (() => void) | undefined;
  const r = leasingResolver({ switchMode: () => new Promise<void>((res) => (finish = res)) });
  const activities = routeActivitiesByCluster(r.resolve, plans);
  const running = activities.enterImportMode({ cluster: X } as never);
  for (let i = 0; i < 10 && !finish; i++) await new Promise((res) => setImmediate(res));
  expect(r.leases).toEqual([{ cluster: 'x:2379', open: true }]);
  finish!();
  await running;
  expect(r.leases).toEqual([{ cluster: 'x:2379', open: false }]);
});

test('a failing activity releases its lease too, and its failure is what the caller sees', async () => {
  const r = leasingResolver({ switchMode: () => Promise.reject(new Error('store 1 unreachable')) });
  const activities = routeActivitiesByCluster(r.resolve, plans);
  await expect(activities.enterImportMode(undefined)).rejects.toThrow('store 1 unreachable');
  expect(r.leases).toEqual([{ cluster: 'home', open: false }]);
});

test('a resolver that cannot connect holds nothing; activities that need no cluster take no lease', async () => {
  const refused = leasingResolver({}, new Error('connect x:2379 refused'));
  await expect(routeActivitiesByCluster(refused.resolve, plans).enterImportMode({ cluster: X } as never)).rejects.toThrow('connect x:2379 refused');
  expect(refused.leases).toEqual([]);
  const r = leasingResolver({});
  await expect(routeActivitiesByCluster(r.resolve, plans).planRestore({ storage: 'local:///nowhere' } as never)).rejects.toThrow();
  expect(r.leases).toEqual([]);
});
