import { MockActivityEnvironment } from '@temporalio/testing';
import type { RestoreActivities } from '../../../src/activities';
import { GENERATED_SEQUENCE_LAST } from '../../../src/backup/generator/views-sequences';
import type { SimulatorHandle } from '../../../src/simulator/server';
import { planRestoreInputOf, startActivitiesOnSim, type ActivitiesOnSim } from '../../support/activities-on-sim';

/**
 * The activities that create sequences (createDatabases) and views (createViews) run twice in a row against the
 * simulator through the real clients (STYLE rule 5): the second run finds everything made and changes nothing:
 * the sequence neither goes back nor wraps again, the views keep their IDs.
 */
let fx: ActivitiesOnSim;
let sim: SimulatorHandle;
let dir: string;
let acts: RestoreActivities;
const env = new MockActivityEnvironment();
const once = <T>(f: () => Promise<T>): Promise<T> => env.run(f) as Promise<T>;

beforeAll(async () => {
  fx = await startActivitiesOnSim('brflow-views-twice-', { seed: 7, tables: 8, rows: 10, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false, viewsAndSequences: true });
  ({ sim, dir, acts } = fx);
});

afterAll(async () => {
  await fx?.close();
});

test('createDatabases (with the sequence) and createViews applied twice leave the state of applying them once', async () => {
  const inputs = planRestoreInputOf({ storage: `local://${dir}`, filters: ['shop.order', 'shop.order_no', 'shop.order_amounts', 'shop.large_orders'] });
  const summary = await once(() => acts.planRestore(inputs));
  expect(summary).toMatchObject({ tables: 1, views: 2, sequences: 1 });
  const catalog = sim.tidbFront!.catalog;
  const state = () => ['order_no', 'order_amounts', 'large_orders'].map((n) => catalog.table('shop', n));

  expect(await once(() => acts.createDatabases({ planRef: summary.planRef }))).toBe(1);
  const afterOne = state();
  expect(await once(() => acts.createDatabases({ planRef: summary.planRef }))).toBe(1);
  await once(() => acts.createTables({ planRef: summary.planRef, group: 0 }));
  expect(await once(() => acts.createViews({ planRef: summary.planRef }))).toBe(2);
  const viewsOnce = state();
  expect(await once(() => acts.createViews({ planRef: summary.planRef }))).toBe(2);
  expect(state()).toEqual(viewsOnce);
  expect(state()[0]).toEqual(afterOne[0]);
  // Still where the backup left it: the second SETVAL was a no-op, and no second wrap or jump happened.
  expect(catalog.nextval('shop', 'order_no')).toBe(GENERATED_SEQUENCE_LAST + 5n);
});
