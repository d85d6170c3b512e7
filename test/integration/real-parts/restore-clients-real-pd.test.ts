import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeBackup } from '../../../src/backup/generator/make-backup';
import { LocalStorage } from '../../../src/backup/local-storage';
import { readManifest } from '../../../src/backup/read-manifest';
import { toStorageBackend } from '../../../src/backup/storage-backend';
import { checksumTable, verifyChecksum } from '../../../src/cluster/checksum';
import { connectCluster, type ClusterConnection } from '../../../src/cluster/cluster-connection';
import { registerServiceSafePoint, removeServiceSafePoint, restoreServiceId } from '../../../src/cluster/gc-safepoint';
import { importFiles } from '../../../src/cluster/import-files';
import { setSpeedLimitAllStores, supportsMultiIngest, switchModeAllStores, SwitchMode } from '../../../src/cluster/import-sst';
import { pausePdScheduling, restorePdScheduling, type PdSchedulingSnapshot } from '../../../src/cluster/pd-config';
import { splitAndScatter } from '../../../src/cluster/region-split';
import { TidbClient } from '../../../src/cluster/tidb';
import type { RealPd } from '../../../src/local-stack/real-pd';
import { realPdFootprint } from '../../../src/local-stack/sim-stack';
import { toHex } from '../../../src/plan/keys';
import { assertPlanRestorable, planRestore, type RestorePlan } from '../../../src/plan/restore-plan';
import { buildTableRewrite, checksumRequests, type TableRewrite } from '../../../src/plan/rewrite-rules';
import type { SimulatorHandle } from '../../../src/simulator/server';
import { simTableChecksum } from '../cluster/support/sim-table-checksum';
import { batchKeys } from '../cluster/support/table-backup';
import { startBootstrappedRealPd } from '../../support/real-parts';
import { eventually } from '../../support/eventually';

const LATEST = (1n << 64n) - 1n;

async function pdJson<T>(pd: RealPd, path: string): Promise<T> {
  const res = await fetch(`http://${pd.address}/pd/api/v1/${path}`);
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}


const pausedSchedulers = (pd: RealPd) => pdJson<string[]>(pd, 'schedulers?status=paused');
const serviceSafePoints = async (pd: RealPd) =>
  (await pdJson<{ service_gc_safe_points?: { service_id: string }[] }>(pd, 'gc/safepoint')).service_gc_safe_points?.map((s) => s.service_id) ?? [];


/**
 * restore-by-clients (test/integration/cluster) with a real PD v8.5.4 in the loop: brflow's clients scan, split,
 * scatter, pause scheduling and hold a safepoint on the real PD, while download, ingest and checksum run on the
 * simulator's stores (the simulator's TiDB holds the schema). The checksums equal the backup's and the real PD
 * ends as it began: no paused scheduler, no TTL override, no brflow safepoint.
 */
describe('restore by clients with a real PD', () => {
  let dir: string;
  let pd: RealPd;
  let sim: SimulatorHandle;
  let conn: ClusterConnection;
  let tidb: TidbClient;
  let stopCluster: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'brflow-real-pd-clients-'));
    await makeBackup(new LocalStorage(dir), { seed: 12, tables: 5, rows: 60, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false });
    // The simulator's TiDB front holds the schema; its stores bootstrap the real PD.
    ({ pd, sim, stop: stopCluster } = await startBootstrappedRealPd({ stores: 3, tidb: {} }));
    conn = await connectCluster({ pdEndpoints: [pd.address] });
    const [host, port] = sim.tidb!.address.split(':') as [string, string];
    tidb = new TidbClient({ host, port: Number(port), statusAddress: sim.tidb!.statusAddress, user: 'root', password: '', timeoutMs: 10_000 });
  }, 60_000);
  afterAll(async () => {
    await tidb?.close();
    conn?.close();
    await stopCluster?.();
    await rm(dir, { recursive: true, force: true });
  });

  it('restores every table so checksums equal backupmeta, and leaves the real PD as it found it', async () => {
    const manifest = await readManifest(new LocalStorage(dir));
    const plan: RestorePlan = planRestore(manifest);
    assertPlanRestorable(plan);
    const storageBackend = toStorageBackend(dir);
    const pausedBefore = await pausedSchedulers(pd);
    const regionsBefore = (await pdJson<{ count: number }>(pd, 'regions/count')).count;
    expect((await realPdFootprint(pd.address)).ttlOverrides).toEqual([]);

    const restoreTs = await conn.pd.getTs();
    const serviceId = restoreServiceId('real-pd-clients');
    await registerServiceSafePoint(conn.pd, serviceId, restoreTs);
    expect(await serviceSafePoints(pd)).toContain(serviceId);

    await tidb.createDatabases(plan.databases.map((d) => d.createSql));
    const rewrites: TableRewrite[] = [];
    for (const t of plan.tables) {
      if (!t.layout?.reproducible) throw new Error(`table ${t.db}.${t.name} is not reproducible`);
      const placeholders = [...new Set(t.layout.statements.join('\n').match(/__brflow_col_\d+/g) ?? [])];
      const created = await tidb.createTable({ db: t.db, table: t.name, statements: t.layout.statements, backup: t.info, placeholderColumns: placeholders });
      rewrites.push(buildTableRewrite(t.info, created.info));
    }

    const splitKeys = plan.batches.flatMap((b) => batchKeys(plan, b.index, rewrites[b.table]!).splitKeys);
    const split = await splitAndScatter(conn, splitKeys);
    expect(split.newRegionIds.length).toBeGreaterThan(0);
    expect(split.scatterFailed).toEqual([]);
    expect((await pdJson<{ count: number }>(pd, 'regions/count')).count).toBe(regionsBefore + split.newRegionIds.length);

    const stores = await conn.pd.getAllStores();
    expect(stores).toHaveLength(3);
    await switchModeAllStores(conn.channels, stores, SwitchMode.Import);
    let scheduling: PdSchedulingSnapshot | undefined;
    try {
      scheduling = await pausePdScheduling(conn.pdHttp, { storeCount: stores.length });
      expect(scheduling.schedulers.length).toBeGreaterThan(0);
      expect((await pausedSchedulers(pd)).sort()).toEqual([...new Set([...pausedBefore, ...scheduling.schedulers])].sort());
      expect(((await realPdFootprint(pd.address)).ttlOverrides).length).toBeGreaterThan(0);
      await conn.pdHttp.resetTs(BigInt(plan.backup.endVersion));
      await setSpeedLimitAllStores(conn.channels, stores, 64 * 1024 * 1024);

      const multiIngest = await supportsMultiIngest(conn.channels, stores);
      for (const b of plan.batches) {
        const { ranges } = batchKeys(plan, b.index, rewrites[b.table]!);
        for (const r of ranges) await importFiles(conn, r.files, rewrites[b.table]!.rules, { storageBackend, multiIngest });
      }
      for (const [i, t] of plan.tables.entries()) {
        const sum = await checksumTable(conn, checksumRequests(rewrites[i]!), await conn.pd.getTs());
        verifyChecksum(`${t.db}.${t.name}`, sum, t.checksum);
      }
    } finally {
      await setSpeedLimitAllStores(conn.channels, stores, 0);
      await switchModeAllStores(conn.channels, stores, SwitchMode.Normal);
      if (scheduling) await restorePdScheduling(conn.pdHttp, scheduling);
      await removeServiceSafePoint(conn.pd, serviceId);
    }

    for (const [i, t] of plan.tables.entries()) {
      expect({ table: `${t.db}.${t.name}`, ...simTableChecksum(sim, rewrites[i]!) }).toEqual({ table: `${t.db}.${t.name}`, ...t.checksum });
    }
    expect(plan.tables.filter((t) => t.checksum.totalKvs !== '0').length).toBeGreaterThan(0);
    // Every peer holds what its leader holds: ingest reached all of them, and peers PD moved got it by snapshot.
    for (const r of sim.state.regions()) {
      const rows = (store: number) => [...sim.state.dataOf(store).visible(r.startKey, r.endKey, LATEST)].map((kv) => toHex(kv.encodedKey) + toHex(kv.value));
      const leader = rows(r.leaderStoreId);
      for (const p of r.peers) expect({ region: r.id, store: p.storeId, rows: rows(p.storeId) }).toEqual({ region: r.id, store: p.storeId, rows: leader });
    }

    // PD weighs regions by what their leaders report: a region holding restored rows is no longer empty to it.
    const withData = sim.state.regions().find((r) => sim.state.dataOf(r.leaderStoreId).rangeStats(r.startKey, r.endKey).keys > 0)!;
    const keys = sim.state.dataOf(withData.leaderStoreId).rangeStats(withData.startKey, withData.endKey).keys;
    await eventually(10_000, async () => {
      const got = await pdJson<{ approximate_keys?: number; approximate_size?: number }>(pd, `region/id/${withData.id}`);
      expect([got.approximate_keys, (got.approximate_size ?? 0) > 0]).toEqual([keys, true]);
    });

    // The real PD is normal again.
    expect((await pausedSchedulers(pd)).sort()).toEqual([...pausedBefore].sort());
    expect((await realPdFootprint(pd.address)).ttlOverrides).toEqual([]);
    expect(await serviceSafePoints(pd)).not.toContain(serviceId);
  }, 170_000);

  it('a pause brflow no longer renews lapses on the real PD by itself: schedulers run again, TTL overrides vanish', async () => {
    const stores = await conn.pd.getAllStores();
    const snap = await pausePdScheduling(conn.pdHttp, { storeCount: stores.length, ttlSeconds: 3 });
    expect((await pausedSchedulers(pd)).length).toBeGreaterThan(0);
    expect(((await realPdFootprint(pd.address)).ttlOverrides).length).toBeGreaterThan(0);
    expect(snap.schedulers.length).toBeGreaterThan(0);
    // No restorePdScheduling: as if the restore had crashed. PD's own TTLs end the pause.
    await eventually(20_000, async () => {
      expect(await pausedSchedulers(pd)).toEqual([]);
      expect((await realPdFootprint(pd.address)).ttlOverrides).toEqual([]);
    });
  }, 60_000);
});
