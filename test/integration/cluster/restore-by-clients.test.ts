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
import { assertPlanRestorable, planRestore, type RestorePlan } from '../../../src/plan/restore-plan';
import { buildTableRewrite, checksumRequests, type TableRewrite } from '../../../src/plan/rewrite-rules';
import type { Store } from '../../../src/proto/metapb';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/server';
import { simTableChecksum } from './support/sim-table-checksum';
import { batchKeys } from './support/table-backup';


/**
 * The key test: a generated BR backup restored through the cluster clients alone (no Temporal), in
 * BR's order — safepoint → create tables (TiDB) → split/scatter → import mode + pause schedulers + config →
 * download/ingest → checksum → back to normal — and then the cluster looks restored and untouched otherwise.
 */
describe('restore by clients', () => {
  let dir: string;
  let sim: SimulatorHandle;
  let conn: ClusterConnection;
  let tidb: TidbClient;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'brflow-restore-clients-'));
    await makeBackup(new LocalStorage(dir), { seed: 11, tables: 8, rows: 60, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false });
    sim = await startSimulator({ stores: 3, scatterPolls: 1 });
    conn = await connectCluster({ pdEndpoints: sim.pdAddresses });
    const [host, port] = sim.tidb!.address.split(':') as [string, string];
    tidb = new TidbClient({ host, port: Number(port), statusAddress: sim.tidb!.statusAddress, user: 'root', password: '', timeoutMs: 10_000 });
  });
  afterAll(async () => {
    await tidb?.close();
    conn?.close();
    await sim?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('restores every table so the cluster checksums equal backupmeta, then leaves the cluster as it found it', async () => {
    const manifest = await readManifest(new LocalStorage(dir));
    const plan: RestorePlan = planRestore(manifest);
    assertPlanRestorable(plan);
    expect(plan.tables.length).toBeGreaterThan(0);
    const before = sim.inspector.snapshot();
    const storageBackend = toStorageBackend(dir);

    // 1. Restore ts and the service GC safepoint.
    const restoreTs = await conn.pd.getTs();
    const serviceId = restoreServiceId('by-clients');
    await registerServiceSafePoint(conn.pd, serviceId, restoreTs);
    expect(sim.inspector.snapshot().serviceSafePoints.map((s) => s.serviceId)).toContain(serviceId);

    // 2. Databases and tables through TiDB; rewrite rules from the TableInfo TiDB now holds.
    await tidb.createDatabases(plan.databases.map((d) => d.createSql));
    const rewrites: TableRewrite[] = [];
    for (const t of plan.tables) {
      if (!t.layout?.reproducible) throw new Error(`table ${t.db}.${t.name} is not reproducible`);
      const placeholders = [...new Set(t.layout.statements.join('\n').match(/__brflow_col_\d+/g) ?? [])];
      const created = await tidb.createTable({ db: t.db, table: t.name, statements: t.layout.statements, backup: t.info, placeholderColumns: placeholders });
      rewrites.push(buildTableRewrite(t.info, created.info));
    }

    // 3. Split and scatter at every batch's keys.
    const splitKeys = plan.batches.flatMap((b) => batchKeys(plan, b.index, rewrites[b.table]!).splitKeys);
    await splitAndScatter(conn, splitKeys);

    // 4. Import mode, schedulers paused, schedule config for restore, TSO past the backup.
    const stores: Store[] = await conn.pd.getAllStores();
    const allStores = await conn.pd.getAllStores({ includeTiFlash: true });
    await switchModeAllStores(conn.channels, stores, SwitchMode.Import);
    let scheduling: PdSchedulingSnapshot | undefined;
    try {
      scheduling = await pausePdScheduling(conn.pdHttp, { storeCount: allStores.length });
      await conn.pdHttp.resetTs(BigInt(plan.backup.endVersion));
      await setSpeedLimitAllStores(conn.channels, stores, 64 * 1024 * 1024);
      const during = sim.inspector.snapshot();
      expect(during.stores.every((s) => s.mode === 'Import')).toBe(true);
      expect(during.schedulers.filter((s) => scheduling!.schedulers.includes(s.name)).every((s) => s.paused)).toBe(true);

      // 5. Download + ingest, batch by batch.
      const multiIngest = await supportsMultiIngest(conn.channels, stores);
      for (const b of plan.batches) {
        const { ranges } = batchKeys(plan, b.index, rewrites[b.table]!);
        for (const r of ranges) {
          await importFiles(conn, r.files, rewrites[b.table]!.rules, { storageBackend, multiIngest });
        }
      }

      // 6. Checksum every table at a fresh ts, as BR does.
      for (const [i, t] of plan.tables.entries()) {
        const sum = await checksumTable(conn, checksumRequests(rewrites[i]!), await conn.pd.getTs());
        verifyChecksum(`${t.db}.${t.name}`, sum, t.checksum);
      }
    } finally {
      // 7. Back to normal, always.
      await setSpeedLimitAllStores(conn.channels, stores, 0);
      await switchModeAllStores(conn.channels, stores, SwitchMode.Normal);
      if (scheduling) await restorePdScheduling(conn.pdHttp, scheduling);
      await removeServiceSafePoint(conn.pd, serviceId);
    }

    // The simulator's own view of each table, translated back to the backup's IDs, equals backupmeta.
    for (const [i, t] of plan.tables.entries()) {
      expect({ table: `${t.db}.${t.name}`, ...simTableChecksum(sim, rewrites[i]!) }).toEqual({ table: `${t.db}.${t.name}`, ...t.checksum });
    }
    const nonEmpty = plan.tables.filter((t) => t.checksum.totalKvs !== '0');
    expect(nonEmpty.length).toBeGreaterThan(0);

    // And the cluster is as before: Normal mode, schedulers and config as they were, no safepoint, no throttle.
    const after = sim.inspector.snapshot();
    expect(after.stores.map((s) => [s.id, s.mode, s.speedLimit])).toEqual(before.stores.map((s) => [s.id, 'Normal', 0]));
    expect(after.schedulers.map((s) => [s.name, s.paused])).toEqual(before.schedulers.map((s) => [s.name, s.paused]));
    expect(after.scheduleConfig).toEqual(before.scheduleConfig);
    expect(after.scheduleConfigOverrides).toEqual([]);
    expect(after.serviceSafePoints.map((s) => s.serviceId)).not.toContain(serviceId);
    // PD itself adds gc_worker's entry on the first service update when none exists (PD does this too).
    const others = (l: { serviceId: string }[]) => l.filter((s) => s.serviceId !== 'gc_worker');
    expect(others(after.serviceSafePoints)).toEqual(others(before.serviceSafePoints));
  });
});
