import { crc32 } from 'node:zlib';
import { status } from '@grpc/grpc-js';
import { decryptCtr, type BackupCipher } from '../backup/cipher';
import type { BackupStorage } from '../backup/storage';
import { compareBytes } from '../plan/keys';
import type { CipherInfo, StorageBackend } from '../proto/brpb';
import { EncryptionMethod } from '../proto/encryptionpb';
import {
  DownloadRequestType,
  SwitchMode,
  type DownloadRequest,
  type DownloadResponse,
  type ImportSSTServer,
  type IngestResponse,
  type SSTMeta,
} from '../proto/import_sstpb';
import type { Context } from '../proto/kvrpcpb';
import type { ClusterState, SimRegion } from './cluster-state';
import type { Faults, ScriptedRegionErrorKind } from './faults';
import { GrpcStatusError, sleep, unary } from './grpc-call';
import { fromEpoch, toErrorpb } from './proto-convert';
import type { RegionError } from './region-error';
import { scriptedRegionError } from './scripted-region-error';
import { SharedSstLoads, sstLoadKey, type SstLoad } from './shared-sst-loads';
import { rewriteSstEntries, ruleForRequest, type SstEntry } from './sst-rewrite';

export interface ImportServiceDeps {
  state: ClusterState;
  faults: Faults;
  storeId: number;
  /** Opens the storage a DownloadRequest names (TiKV's own credentials, never the request's). */
  openStorage: (backend: StorageBackend) => BackupStorage;
  /** Decodes SST bytes into TiKV data keys and values. */
  decodeSst: (bytes: Uint8Array) => Promise<SstEntry[]>;
  /** Loads in flight shared with the other stores (one read and decode per file, not per replica). @default this store's own */
  loads?: SharedSstLoads;
}

const EMPTY = new Uint8Array(0);

/**
 * import_sstpb.ImportSST for one store: import mode, download speed limit, Download (fetch, decode,
 * rewrite, stage under the SSTMeta uuid) and Ingest/MultiIngest (leader, epoch and range checks,
 * then apply the staged KVs to every peer's data).
 */
export function createImportService(deps: ImportServiceDeps): ImportSSTServer {
  const { state, faults, storeId } = deps;
  // The speed limit is store-wide: downloads queue behind each other's byte budget.
  let nextFreeAt = 0;
  const throttle = async (bytes: number): Promise<void> => {
    const limit = state.speedLimit(storeId);
    if (limit <= 0) return;
    const now = Date.now();
    const start = Math.max(now, nextFreeAt);
    nextFreeAt = start + (bytes / limit) * 1000;
    await sleep(nextFreeAt - now);
  };

  const downloadError = (message: string, storeError?: RegionError): DownloadResponse => ({
    range: undefined,
    isEmpty: false,
    error: { message, storeError: storeError && toErrorpb(storeError) },
    crc32: 0,
    length: 0n,
    ssts: [],
  });

  /** The request's rule as TiKV applies it (legacy: prefixes already encoded; keyspace: raw). */
  const ruleOf = (req: DownloadRequest) =>
    ruleForRequest(
      {
        oldKeyPrefix: req.rewriteRule?.oldKeyPrefix ?? EMPTY,
        newKeyPrefix: req.rewriteRule?.newKeyPrefix ?? EMPTY,
        newTimestamp: req.rewriteRule?.newTimestamp ?? 0n,
        ignoreAfterTimestamp: req.rewriteRule?.ignoreAfterTimestamp ?? 0n,
        ignoreBeforeTimestamp: req.rewriteRule?.ignoreBeforeTimestamp ?? 0n,
      },
      req.requestType === DownloadRequestType.Keyspace,
    );

  const loads = deps.loads ?? new SharedSstLoads();
  /** Reads one backup SST from the storage, decrypts it with its IV and decodes it (shared by the replicas). */
  const loadSst = async (backend: StorageBackend, name: string, cipherInfo: CipherInfo | undefined, iv: Uint8Array): Promise<SstLoad> => {
    let bytes: Uint8Array;
    let storage: (BackupStorage & { close?: () => void }) | undefined;
    try {
      storage = deps.openStorage(backend);
      bytes = await storage.read(name);
    } catch (e) {
      return { readError: (e as Error).message };
    } finally {
      // An S3 storage holds an SDK client with pooled sockets; one per download must not pile up.
      storage?.close?.();
    }
    const length = bytes.length;
    try {
      const cipher = backupCipher(cipherInfo);
      if (cipher) bytes = decryptCtr(cipher, iv, bytes);
      return { bytes: length, entries: await deps.decodeSst(bytes) };
    } catch (e) {
      return { bytes: length, decodeError: (e as Error).message };
    }
  };

  /**
   * One SST as TiKV's importer reads it: fetch `name` from the request's storage, throttle, decrypt with the
   * meta's IV, decode, rewrite with the request's rule and keep the keys inside the meta's range.
   */
  const fetchRewritten = async (req: DownloadRequest, name: string, meta: SSTMeta, cf: string): Promise<{ kvs: SstEntry[] } | { error: DownloadResponse }> => {
    const backend = req.storageBackend;
    if (!backend) return { error: downloadError('DownloadRequest has no storage_backend') };
    const loaded = await loads.load(sstLoadKey({ backend, name, cipher: req.cipherInfo, iv: meta.cipherIv }), () => loadSst(backend, name, req.cipherInfo, meta.cipherIv));
    if ('readError' in loaded) return { error: downloadError(`failed to read ${name} from external storage: ${loaded.readError}`) };
    await throttle(loaded.bytes);
    if ('decodeError' in loaded) return { error: downloadError(`Engine Corruption: cannot read SST ${name}: ${loaded.decodeError}`) };
    const entries = loaded.entries;
    const r = rewriteSstEntries(entries, cf, ruleOf(req), { start: meta.range?.start ?? EMPTY, end: meta.range?.end ?? EMPTY, endExclusive: meta.endKeyExclusive });
    if ('error' in r) return { error: downloadError(r.error) };
    return { kvs: r.kvs };
  };

  /** Stages rewritten KVs under the meta's uuid and answers with their range, length and crc32. */
  const staged = (names: string[], sst: SSTMeta, cf: string, regionId: number, kvs: SstEntry[]): DownloadResponse => {
    if (kvs.length === 0) {
      for (const n of names) state.countEmptyDownload(storeId, n);
      return { range: undefined, isEmpty: true, error: undefined, crc32: 0, length: 0n, ssts: [] };
    }
    let crc = 0;
    let length = 0;
    for (const kv of kvs) {
      crc = crc32(kv.value, crc32(kv.key, crc));
      length += kv.key.length + kv.value.length;
    }
    state.stage(storeId, {
      uuidHex: Buffer.from(sst.uuid).toString('hex'),
      names,
      cfName: cf,
      regionId,
      epoch: fromEpoch(sst.regionEpoch) ?? { confVer: 0, version: 0 },
      kvs,
    });
    // DownloadResponse.range is the data key range without the leading 'z' (ts suffix kept), both ends inclusive.
    return {
      range: { start: Buffer.from(kvs[0]!.key.subarray(1)), end: Buffer.from(kvs[kvs.length - 1]!.key.subarray(1)) },
      isEmpty: false,
      error: undefined,
      crc32: crc,
      length: BigInt(length),
      ssts: [],
    };
  };

  /** The region checks TiKV makes before a download: a scripted fault, then the store's peer and the epoch. */
  const regionRejects = (sst: SSTMeta, fault: ScriptedRegionErrorKind | undefined): DownloadResponse | undefined => {
    const regionId = Number(sst.regionId);
    if (fault) {
      const e = scriptedRegionError(state, fault, regionId, sst.range?.start);
      return downloadError(`download rejected: ${e.kind}`, e);
    }
    const check = state.checkRegionRequest(storeId, regionId, fromEpoch(sst.regionEpoch), false);
    return 'error' in check ? downloadError(`download rejected: ${check.error.kind}`, check.error) : undefined;
  };

  const download = async (req: DownloadRequest, fault: ScriptedRegionErrorKind | undefined): Promise<DownloadResponse> => {
    const sst = req.sst;
    if (!sst) return downloadError('DownloadRequest has no sst meta');
    const rejected = regionRejects(sst, fault);
    if (rejected) return rejected;
    const cf = sst.cfName || (req.name.includes('default') ? 'default' : 'write');
    const r = await fetchRewritten(req, req.name, sst, cf);
    if ('error' in r) return r.error;
    return staged([req.name], sst, cf, Number(sst.regionId), r.kvs);
  };

  /**
   * BatchDownload (TiKV #19062): every SST named in `ssts` (name → its own meta: range, cf, cipher IV) is
   * fetched and rewritten with the request's rule, and all of them are staged as ONE SST under `sst`'s uuid,
   * region and epoch, which a later (Multi)Ingest names. One column family per request, as TiKV requires.
   */
  const batchDownload = async (req: DownloadRequest, fault: ScriptedRegionErrorKind | undefined): Promise<DownloadResponse> => {
    const sst = req.sst;
    const names = Object.keys(req.ssts).sort();
    if (!sst || names.length === 0) return downloadError('BatchDownload request names no sst meta or no ssts');
    const cfs = new Set(names.map((n) => req.ssts[n]!.cfName || sst.cfName));
    if (cfs.size !== 1) return downloadError(`batch download supports a single column family, got ${[...cfs].join(', ')}`);
    const cf = [...cfs][0]!;
    const rejected = regionRejects(sst, fault);
    if (rejected) return rejected;
    const kvs: SstEntry[] = [];
    for (const n of names) {
      const r = await fetchRewritten(req, n, req.ssts[n]!, cf);
      if ('error' in r) return r.error;
      for (const kv of r.kvs) kvs.push(kv);
    }
    // One SST holds each data key once, in order (the files of one range do not overlap; if two did, they
    // would hold the same version of the key).
    kvs.sort((a, b) => compareBytes(a.key, b.key));
    const merged = kvs.filter((kv, i) => i === 0 || compareBytes(kv.key, kvs[i - 1]!.key) !== 0);
    return staged(names, sst, cf, Number(sst.regionId), merged);
  };

  const ingest = (ctx: Context | undefined, ssts: SSTMeta[], fault: ScriptedRegionErrorKind | undefined): IngestResponse => {
    const fail = (e: RegionError): IngestResponse => ({ error: toErrorpb(e) });
    const regionId = Number(ctx?.regionId ?? ssts[0]?.regionId ?? 0n);
    if (fault) return fail(scriptedRegionError(state, fault, regionId, ssts[0]?.range?.start));
    const check = state.checkRegionRequest(storeId, regionId, fromEpoch(ctx?.regionEpoch), true);
    if ('error' in check) return fail(check.error);
    const region = check.region;
    for (const m of ssts) {
      const ep = fromEpoch(m.regionEpoch);
      if (Number(m.regionId) !== region.id || !ep || ep.confVer !== region.epoch.confVer || ep.version !== region.epoch.version) {
        return fail({ kind: 'EpochNotMatch', currentRegions: state.currentRegionsOf(region.id) });
      }
      const staged = state.staged(storeId, Buffer.from(m.uuid).toString('hex'));
      if (!staged) return fail({ kind: 'StaleCommand', message: 'The file which would be ingested doest not exist.' });
      const outside = firstKeyOutside(region, staged.kvs);
      if (outside) return fail({ kind: 'KeyNotInRegion', key: outside, regionId: region.id, startKey: region.startKey, endKey: region.endKey });
    }
    state.ingest(storeId, region.id, ssts.map((m) => Buffer.from(m.uuid).toString('hex')));
    return { error: undefined };
  };

  return {
    switchMode: unary(
      faults,
      storeId,
      'SwitchMode',
      (req) => {
        state.switchMode(storeId, req.mode === SwitchMode.Import ? 'Import' : 'Normal');
        return {};
      },
      // Lets a fault break entering import mode while leaving the way back to normal open.
      (req) => (req.mode === SwitchMode.Import ? 'Import' : 'Normal'),
    ),
    getMode: unary(faults, storeId, 'GetMode', () => ({ mode: state.mode(storeId) === 'Import' ? SwitchMode.Import : SwitchMode.Normal })),
    setDownloadSpeedLimit: unary(faults, storeId, 'SetDownloadSpeedLimit', (req) => {
      state.setSpeedLimit(storeId, Number(req.speedLimit));
      return {};
    }),
    download: unary(faults, storeId, 'Download', download),
    batchDownload: unary(faults, storeId, 'BatchDownload', (req, fault) => {
      if (!state.batchDownload) throw new GrpcStatusError(status.UNIMPLEMENTED, 'unknown method BatchDownload for service import_sstpb.ImportSST');
      return batchDownload(req, fault);
    }),
    ingest: unary(faults, storeId, 'Ingest', (req, fault) => ingest(req.context, req.sst ? [req.sst] : [], fault)),
    multiIngest: unary(faults, storeId, 'MultiIngest', (req, fault) => ingest(req.context, req.ssts, fault)),
  };
}

/** The data-file key BR sends along (backup encryption); undefined for plaintext backups. */
function backupCipher(info: CipherInfo | undefined): BackupCipher | undefined {
  if (!info || info.cipherType === EncryptionMethod.UNKNOWN || info.cipherType === EncryptionMethod.PLAINTEXT) return undefined;
  const m = info.cipherType;
  if (m !== EncryptionMethod.AES128_CTR && m !== EncryptionMethod.AES192_CTR && m !== EncryptionMethod.AES256_CTR) {
    throw new Error(`cipher type ${m} is not supported by the simulated TiKV (AES-CTR only)`);
  }
  return { method: m, key: info.cipherKey };
}

/** The encoded user key (no ts) of the first staged KV outside the region, if any. */
function firstKeyOutside(region: SimRegion, kvs: { key: Uint8Array }[]): Uint8Array | undefined {
  for (const kv of [kvs[0], kvs[kvs.length - 1]]) {
    if (!kv) continue;
    const enc = kv.key.subarray(1, kv.key.length - 8);
    const inside = compareBytes(enc, region.startKey) >= 0 && (region.endKey.length === 0 || compareBytes(enc, region.endKey) < 0);
    if (!inside) return enc;
  }
  return undefined;
}
