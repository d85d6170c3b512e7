import { callUnary, type GrpcChannels } from './grpc-channel';
import { retry, STORE_ADMIN_RETRY } from './backoff';
import { ClusterError, classifyError } from './errors';
import {
  DownloadRequest,
  type DownloadResponse,
  ImportSSTClient as ImportSstGrpcClient,
  IngestRequest,
  type IngestResponse,
  MultiIngestRequest,
  SetDownloadSpeedLimitRequest,
  type SSTMeta,
  SwitchMode,
  SwitchModeRequest,
  GetModeRequest,
} from '../proto/import_sstpb';
import { Context } from '../proto/kvrpcpb';
import type { Store } from '../proto/metapb';

/** Deadlines of the ImportSST calls. SwitchMode can take >17 s on a loaded TiKV (tikv/tikv#18541). */
export const SWITCH_MODE_TIMEOUT_MS = 30_000;
export const SPEED_LIMIT_TIMEOUT_MS = 10_000;
/** A download fetches, rewrites and stages a whole SST (up to the region size, 96–144 MiB) on a store. */
export const DOWNLOAD_TIMEOUT_MS = 300_000;
/** An ingest goes through raft on every peer. */
export const INGEST_TIMEOUT_MS = 120_000;

export { SwitchMode };

/**
 * The ImportSST service of ONE TiKV store (BR's ImporterClient, narrowed). Every call has a deadline; gRPC
 * failures leave as ClusterError naming the store address. Region errors come back in the responses.
 */
export interface ImportSstClient {
  readonly address: string;
  switchMode(mode: SwitchMode): Promise<void>;
  getMode(): Promise<SwitchMode>;
  /** Per-store download throttle, bytes/s; 0 removes it. */
  setDownloadSpeedLimit(bytesPerSecond: number): Promise<void>;
  download(req: DownloadRequest): Promise<DownloadResponse>;
  /** Several SSTs (req.ssts, one CF) downloaded, rewritten and staged merged as req.sst (TiKV #19062). */
  batchDownload(req: DownloadRequest): Promise<DownloadResponse>;
  ingest(context: Context, sst: SSTMeta): Promise<IngestResponse>;
  multiIngest(context: Context, ssts: SSTMeta[]): Promise<IngestResponse>;
}

export function importSstClient(channels: GrpcChannels, address: string): ImportSstClient {
  const c = channels.client(ImportSstGrpcClient, address);
  const ctx = (call: string, timeoutMs: number): { address: string; call: string; timeoutMs: number } => ({ address, call, timeoutMs });
  return {
    address,
    async switchMode(mode) {
      await callUnary(c.switchMode.bind(c), SwitchModeRequest.fromPartial({ mode }), ctx('TiKV SwitchMode', SWITCH_MODE_TIMEOUT_MS));
    },
    async getMode() {
      return (await callUnary(c.getMode.bind(c), GetModeRequest.fromPartial({}), ctx('TiKV GetMode', SWITCH_MODE_TIMEOUT_MS))).mode;
    },
    async setDownloadSpeedLimit(bytesPerSecond) {
      await callUnary(
        c.setDownloadSpeedLimit.bind(c),
        SetDownloadSpeedLimitRequest.fromPartial({ speedLimit: BigInt(Math.max(0, Math.trunc(bytesPerSecond))) }),
        ctx('TiKV SetDownloadSpeedLimit', SPEED_LIMIT_TIMEOUT_MS),
      );
    },
    download(req) {
      return callUnary(c.download.bind(c), req, ctx('TiKV Download', DOWNLOAD_TIMEOUT_MS));
    },
    batchDownload(req) {
      // Same deadline as one Download: a batch is one range's files in one region, at most a region's size.
      return callUnary(c.batchDownload.bind(c), req, ctx('TiKV BatchDownload', DOWNLOAD_TIMEOUT_MS));
    },
    ingest(context, sst) {
      return callUnary(c.ingest.bind(c), IngestRequest.fromPartial({ context, sst }), ctx('TiKV Ingest', INGEST_TIMEOUT_MS));
    },
    multiIngest(context, ssts) {
      return callUnary(c.multiIngest.bind(c), MultiIngestRequest.fromPartial({ context, ssts }), ctx('TiKV MultiIngest', INGEST_TIMEOUT_MS));
    },
  };
}

/** Runs `fn` on every store (in parallel, each with STORE_ADMIN_RETRY) and reports every store that failed. */
async function onAllStores(
  channels: GrpcChannels,
  stores: readonly Store[],
  what: string,
  fn: (c: ImportSstClient) => Promise<void>,
): Promise<void> {
  const results = await Promise.allSettled(
    stores.map((s) => retry(() => fn(importSstClient(channels, s.address)), STORE_ADMIN_RETRY, (e) => classifyError(e).retryable)),
  );
  const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`store ${stores[i]?.id} (${stores[i]?.address}): ${(r.reason as Error).message}`] : []));
  if (failed.length > 0) {
    const first = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    const cls = classifyError(first?.reason);
    throw new ClusterError(failed.length === 1 ? String(stores[results.indexOf(first!)]?.address) : `${failed.length} stores`, what, {
      ...cls,
      detail: failed.join('; '),
    });
  }
}

/**
 * SwitchMode on every TiKV store (BR switchTiKVMode). Import mode lapses on TiKV after import-mode-timeout
 * (10 min), so a restore re-sends Import every 5 min; Normal at the end is idempotent.
 */
export function switchModeAllStores(channels: GrpcChannels, stores: readonly Store[], mode: SwitchMode): Promise<void> {
  return onAllStores(channels, stores, `TiKV SwitchMode(${SwitchMode[mode]})`, (c) => c.switchMode(mode));
}

/** The per-store download throttle on every store (BR setSpeedLimit); 0 removes it (newer BR ResetSpeedLimit). */
export function setSpeedLimitAllStores(channels: GrpcChannels, stores: readonly Store[], bytesPerSecond: number): Promise<void> {
  return onAllStores(channels, stores, 'TiKV SetDownloadSpeedLimit', (c) => c.setDownloadSpeedLimit(bytesPerSecond));
}

/**
 * Whether every store serves MultiIngest (BR InitBackupMeta: an empty MultiIngest to each store; gRPC
 * UNIMPLEMENTED from any store means ingest one SST at a time).
 */
export async function supportsMultiIngest(channels: GrpcChannels, stores: readonly Store[]): Promise<boolean> {
  for (const s of stores) {
    try {
      await importSstClient(channels, s.address).multiIngest(Context.fromPartial({}), []);
    } catch (e) {
      if (classifyError(e).kind === 'unimplemented') return false;
      throw e;
    }
  }
  return true;
}

/**
 * Whether every store serves BatchDownload (BR CheckBatchDownloadSupport: an empty request to each store; gRPC
 * UNIMPLEMENTED from any store means one Download per file). The empty request's answer is an error in the
 * response, which is fine: only the status matters.
 */
export async function supportsBatchDownload(channels: GrpcChannels, stores: readonly Store[]): Promise<boolean> {
  for (const s of stores) {
    try {
      await importSstClient(channels, s.address).batchDownload(DownloadRequest.fromPartial({}));
    } catch (e) {
      if (classifyError(e).kind === 'unimplemented') return false;
      throw e;
    }
  }
  return true;
}
