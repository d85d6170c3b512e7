import { cipherInfoOf } from '../backup/crypter-key';
import { openStorage } from '../backup/open-storage';
import { readManifest } from '../backup/read-manifest';
import { toStorageBackend } from '../backup/storage-backend';
import type { RetryPolicy } from '../cluster/backoff';
import { checksumTable } from '../cluster/checksum';
import { connectCluster, type ClusterConnection } from '../cluster/cluster-connection';
import { openBatchImport } from '../cluster/batch-import';
import type { RangeCheckpoint } from '../cluster/import-files';
import { importSstClient, setSpeedLimitAllStores, supportsBatchDownload, supportsMultiIngest, switchModeAllStores } from '../cluster/import-sst';
import { applyPdScheduling, planPdScheduling, restorePdScheduling, runningSchedulers } from '../cluster/pd-config';
import { splitAndScatter } from '../cluster/region-split';
import { TidbClient } from '../cluster/tidb';
import { TidbSchemaControl } from '../cluster/tidb-schema-control';
import type { TidbConnectionConfig } from '../cluster/tidb-config';
import type { TlsOptions } from '../cluster/tls';
import { buildTableRewrite, checksumRequests } from '../plan/rewrite-rules';
import { SwitchMode } from '../proto/import_sstpb';
import type { ActivityDeps } from '../activities/deps';

/**
 * Deadline of each PD read behind the keeper's watch (scheduler lists, answered in milliseconds). With BR's 30 s a
 * PD leader whose host hangs hid its successor's lost pauses for half a minute (pd-failover-real-pd.test.ts).
 */
const HOLD_CHECK_TIMEOUT_MS = 5_000;
const HOLD_CHECK_RETRY: RetryPolicy = { name: 'holdCheck', attempts: 1, initialMs: 0, maxMs: 0 };

export interface ClusterTarget {
  pdEndpoints: string[];
  tidb: TidbConnectionConfig;
  tls?: TlsOptions;
}

export interface ClusterDeps {
  deps: ActivityDeps;
  close(): Promise<void>;
}

/**
 * The activities' deps over the real clients (src/cluster, src/backup): one PD/TiKV connection and one pool of
 * TiDB sessions (BRFLOW_TIDB_SESSIONS) per worker process, shared by all activities. The schema side is TidbSchemaControl, the one path
 * that creates tables (placeholder columns, finishing a half-done creation, auto ID bases). Credentials stay
 * in the TiDB config object and the environment (S3); none of them is passed to workflows.
 */
export async function connectClusterDeps(target: ClusterTarget): Promise<ClusterDeps> {
  const conn: ClusterConnection = await connectCluster({ pdEndpoints: target.pdEndpoints, ...(target.tls ? { tls: target.tls } : {}) });
  const tidb = new TidbClient(target.tidb);
  const tikvStores = () => conn.pd.getAllStores();
  // The keeper's watch reads the scheduler lists every 2 s: one try per member, as a failed read counts as nothing
  // lost and is asked again at the next look.
  const holdCheckPd = conn.pdHttp.withOptions({ timeoutMs: HOLD_CHECK_TIMEOUT_MS, retry: HOLD_CHECK_RETRY });
  let multiIngest: Promise<boolean> | undefined;
  let batchDownload: Promise<boolean> | undefined;

  const deps: ActivityDeps = {
    backup: {
      readManifest: (url, opts) => readManifest(openStorage(url), opts),
    },
    pd: conn.pd,
    schedules: {
      plan: async (ttlSec) => planPdScheduling(conn.pdHttp, { storeCount: (await conn.pd.getAllStores({ includeTiFlash: true })).length, ttlSeconds: ttlSec }),
      apply: async (snap) => {
        await applyPdScheduling(conn.pdHttp, snap);
      },
      running: (names) => runningSchedulers(holdCheckPd, names),
      restore: (snap) => restorePdScheduling(conn.pdHttp, snap),
      resetTs: async (ts) => {
        await conn.pdHttp.resetTs(ts);
      },
    },
    stores: {
      switchMode: async (mode) => switchModeAllStores(conn.channels, await tikvStores(), mode === 'import' ? SwitchMode.Import : SwitchMode.Normal),
      modes: async () =>
        Promise.all((await tikvStores()).map(async (s) => ({
          storeId: s.id.toString(),
          mode: (await importSstClient(conn.channels, s.address).getMode()) === SwitchMode.Import ? ('import' as const) : ('normal' as const),
        }))),
      setDownloadSpeedLimit: async (n) => setSpeedLimitAllStores(conn.channels, await tikvStores(), n),
    },
    importer: {
      splitAndScatter: async (keys, opts) => {
        await splitAndScatter(conn, keys, opts?.onWaiting ? { onWaiting: opts.onWaiting } : {});
      },
      openBatch: async (ranges, opts) => {
        // Probed once per worker (BR CheckMultiIngestSupport / CheckBatchDownloadSupport); a failed probe is retried.
        multiIngest ??= tikvStores().then((s) => supportsMultiIngest(conn.channels, s));
        batchDownload ??= tikvStores().then((s) => supportsBatchDownload(conn.channels, s));
        const [mi, bd] = await Promise.all([
          multiIngest.catch((e: unknown) => {
            multiIngest = undefined;
            throw e;
          }),
          batchDownload.catch((e: unknown) => {
            batchDownload = undefined;
            throw e;
          }),
        ]);
        const opened = openBatchImport(conn, ranges, {
          storageBackend: toStorageBackend(opts.storageUrl), newTimestamp: opts.newTs, multiIngest: mi, batchDownload: bd,
          ...(opts.cipher ? { cipherInfo: cipherInfoOf(opts.cipher) } : {}),
        });
        return {
          importRange: async (i, o = {}) => {
            const resumeAt = o.resumeFrom ? parseCheckpoint(o.resumeFrom) : undefined;
            await opened.importRange(i, {
              ...(o.onWaiting ? { onWaiting: o.onWaiting } : {}),
              ...(resumeAt ? { resumeAt } : {}),
              ...(o.onProgress ? { onProgress: (c: RangeCheckpoint) => o.onProgress!(formatCheckpoint(c)) } : {}),
            });
          },
        };
      },
    },
    schema: new TidbSchemaControl(tidb),
    checksum: {
      checksumTable: async (oldInfo, newInfo, ts, signal) => {
        const c = await checksumTable(conn, checksumRequests(buildTableRewrite(oldInfo, newInfo)), ts, signal ? { signal } : {});
        return { crc64xor: c.crc64xor.toString(), totalKvs: c.totalKvs.toString(), totalBytes: c.totalBytes.toString() };
      },
    },
  };
  return {
    deps,
    async close() {
      conn.close();
      await tidb.close();
    },
  };
}

/** A range checkpoint as heartbeat details carry it: `below` in hex, then `:start:end:files` of a region part done. */
function formatCheckpoint(c: RangeCheckpoint): string {
  const hex = (k: Uint8Array): string => Buffer.from(k).toString('hex');
  return c.inRegion ? `${hex(c.below)}:${hex(c.inRegion.start)}:${hex(c.inRegion.end)}:${c.inRegion.files}` : hex(c.below);
}

/** The checkpoint formatCheckpoint wrote; anything else (details of another version) resumes from the start. */
function parseCheckpoint(s: string): RangeCheckpoint | undefined {
  const hex = /^(?:[0-9a-f]{2})+$/;
  const [below, start, end, files] = s.split(':');
  if (!below || !hex.test(below)) return undefined;
  const out: RangeCheckpoint = { below: Buffer.from(below, 'hex') };
  if (start !== undefined && end !== undefined && files !== undefined && (start === '' || hex.test(start)) && (end === '' || hex.test(end)) && /^\d+$/.test(files)) {
    out.inRegion = { start: Buffer.from(start, 'hex'), end: Buffer.from(end, 'hex'), files: Number(files) };
  }
  return out;
}
