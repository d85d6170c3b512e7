import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities, type RestoreActivities } from '../../../src/activities';
import { makeBackup } from '../../../src/backup/generator/make-backup';
import { GENERATED_SEQUENCE_LAST } from '../../../src/backup/generator/views-sequences';
import { LocalStorage } from '../../../src/backup/local-storage';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/server';
import { normalizeRestoreRequest } from '../../../src/workflows/normalize-request';
import { connectClusterDeps, type ClusterDeps } from '../../../src/worker/cluster-deps';

/**
 * The activities that create sequences (createDatabases) and views (createViews) run twice in a row against the
 * simulator through the real clients (STYLE rule 5): the second run finds everything made and changes nothing:
 * the sequence neither goes back nor wraps again, the views keep their IDs.
 */
let sim: SimulatorHandle;
let cd: ClusterDeps;
let dir: string;
let acts: RestoreActivities;
const env = new MockActivityEnvironment();
const once = <T>(f: () => Promise<T>): Promise<T> => env.run(f) as Promise<T>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'brflow-views-twice-'));
  await makeBackup(new LocalStorage(dir), { seed: 7, tables: 8, rows: 10, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false, viewsAndSequences: true });
  sim = await startSimulator({ stores: 3, scatterPolls: 1 });
  const [host, port] = sim.tidb!.address.split(':') as [string, string];
  cd = await connectClusterDeps({ pdEndpoints: sim.pdAddresses, tidb: { host, port: Number(port), statusAddress: sim.tidb!.statusAddress, user: 'root', password: '' } });
  acts = createActivities(cd.deps);
});

afterAll(async () => {
  await cd?.close();
  await sim?.stop();
  await rm(dir, { recursive: true, force: true });
});

test('createDatabases (with the sequence) and createViews applied twice leave the state of applying them once', async () => {
  const req = normalizeRestoreRequest({ storage: `local://${dir}`, filters: ['shop.order', 'shop.order_no', 'shop.order_amounts', 'shop.large_orders'] });
  if (!('value' in req)) throw new Error(JSON.stringify(req));
  const r = req.value;
  const summary = await once(() => acts.planRestore({ storage: r.storage, filters: r.filters, caseSensitive: r.caseSensitive, batchFiles: r.batchFiles, mergeRegionSizeBytes: r.mergeRegionSizeBytes, mergeRegionKeyCount: r.mergeRegionKeyCount, tableGroupSize: r.tableGroupSize }));
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
