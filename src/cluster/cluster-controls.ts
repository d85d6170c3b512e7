import { checksumTable } from './checksum';
import type { ClusterConnection } from './cluster-connection';
import { importFiles } from './import-files';
import { importSstClient, setSpeedLimitAllStores, supportsMultiIngest, switchModeAllStores, SwitchMode } from './import-sst';
import { applyPdScheduling, planPdScheduling, restorePdScheduling, type PdSchedulingSnapshot } from './pd-config';
import { splitAndScatter } from './region-split';
import { toStorageBackend } from '../backup/storage-backend';
import type { BackupFile } from '../backup/manifest';
import { buildTableRewrite, checksumRequests, type RewriteRule } from '../plan/rewrite-rules';
import type { TableInfo } from '../plan/table-info';

/**
 * The cluster side of the restore activities' dependencies, built from one ClusterConnection: each factory
 * returns the narrow control an activity uses (src/activities/deps.ts ScheduleControl, StoreControl,
 * DataImporter, ChecksumControl — matched structurally, so this layer does not depend on activities).
 */

/** Scheduler pause + schedule config + reset-ts over PD HTTP; the snapshot is the undo data. */
export function scheduleControl(conn: ClusterConnection) {
  return {
    /** Store count as BR counts it (all stores, TiFlash included) scales the schedule limits. */
    async plan(ttlSec: number): Promise<PdSchedulingSnapshot> {
      const storeCount = (await conn.pd.getAllStores({ includeTiFlash: true })).length;
      return planPdScheduling(conn.pdHttp, { storeCount, ttlSeconds: ttlSec });
    },
    async apply(snapshot: PdSchedulingSnapshot): Promise<void> {
      await applyPdScheduling(conn.pdHttp, snapshot);
    },
    restore(snapshot: PdSchedulingSnapshot): Promise<void> {
      return restorePdScheduling(conn.pdHttp, snapshot);
    },
    async resetTs(ts: bigint): Promise<void> {
      await conn.pdHttp.resetTs(ts);
    },
  };
}

export type StoreModeName = 'import' | 'normal';

/** ImportSST admin on every serving TiKV store (TiFlash and tombstones skipped, as BR does). */
export function storeControl(conn: ClusterConnection) {
  return {
    async switchMode(mode: StoreModeName): Promise<void> {
      await switchModeAllStores(conn.channels, await conn.pd.getAllStores(), mode === 'import' ? SwitchMode.Import : SwitchMode.Normal);
    },
    async modes(): Promise<{ storeId: string; mode: StoreModeName }[]> {
      const stores = await conn.pd.getAllStores();
      return Promise.all(
        stores.map(async (s) => ({
          storeId: s.id.toString(),
          mode: (await importSstClient(conn.channels, s.address).getMode()) === SwitchMode.Import ? ('import' as const) : ('normal' as const),
        })),
      );
    },
    async setDownloadSpeedLimit(bytesPerSec: number): Promise<void> {
      await setSpeedLimitAllStores(conn.channels, await conn.pd.getAllStores(), bytesPerSec);
    },
  };
}

/** Split/scatter and download+ingest. MultiIngest support is probed once per importer (BR InitBackupMeta). */
export function dataImporter(conn: ClusterConnection) {
  let multiIngest: Promise<boolean> | undefined;
  return {
    async splitAndScatter(rawKeys: readonly string[]): Promise<void> {
      await splitAndScatter(conn, rawKeys);
    },
    async importFiles(files: readonly BackupFile[], rules: readonly RewriteRule[], opts: { storageUrl: string; newTs: bigint }): Promise<void> {
      multiIngest ??= conn.pd.getAllStores().then((stores) => supportsMultiIngest(conn.channels, stores));
      await importFiles(conn, files, rules, {
        storageBackend: toStorageBackend(opts.storageUrl),
        newTimestamp: opts.newTs,
        multiIngest: await multiIngest.catch((e: unknown) => {
          multiIngest = undefined;
          throw e;
        }),
      });
    },
  };
}

/** Coprocessor checksum of a restored table with the old→new rules, as decimal strings. */
export function checksumControl(conn: ClusterConnection) {
  return {
    async checksumTable(oldInfo: TableInfo, newInfo: TableInfo, ts: bigint): Promise<{ crc64xor: string; totalKvs: string; totalBytes: string }> {
      const sum = await checksumTable(conn, checksumRequests(buildTableRewrite(oldInfo, newInfo)), ts);
      return { crc64xor: sum.crc64xor.toString(), totalKvs: sum.totalKvs.toString(), totalBytes: sum.totalBytes.toString() };
    },
  };
}
