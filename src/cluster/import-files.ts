import { randomBytes } from 'node:crypto';
import { DOWNLOAD_SST_RETRY, IMPORT_SST_RETRY, INGEST_LEADER_RETRY, retry, type RetryOptions } from './backoff';
import type { ClusterConnection } from './cluster-connection';
import { ClusterError, classifyDownloadFailure, classifyError, classifyRegionError, type ClusterErrorKind } from './errors';
import { importSstClient } from './import-sst';
import type { RegionInfo } from './pd';
import { leaderOrFirstPeer } from './region-split';
import { scanAllRegions } from './scan-regions';
import { waitReporter, type WaitingOn } from './waiting-on';
import type { BackupFile } from '../backup/manifest';
import { BrflowError, ErrorType } from '../plan/error-types';
import { compareBytes, concatBytes, encodeBytes, encodeKeyPrefix, fromHex } from '../plan/keys';
import { findRuleByOldKey, prefixNext, type RewriteRule } from '../plan/rewrite-rules';
import type { CipherInfo, StorageBackend } from '../proto/brpb';
import { type SSTMeta, RewriteRule as RewriteRulePb } from '../proto/import_sstpb';
import { Context } from '../proto/kvrpcpb';
import type { Peer } from '../proto/metapb';

/** Errors after which this region view is stale and only a fresh scan helps. */
const REGION_CHANGED: ReadonlySet<ClusterErrorKind> = new Set(['epoch-not-match', 'key-not-in-region', 'region-not-found', 'store-not-match']);

/** TiKV returns Download ranges with the 8-byte ts suffix; SSTMeta ranges carry none (BR truncateTS). */
const TS_SUFFIX_LEN = 8;
/** BR appends ten 0xFF to the new prefix for the SST range end, so every key under the prefix is inside it. */
const RANGE_END_SUFFIX = new Uint8Array(10).fill(0xff);

export interface ImportFilesOptions extends RetryOptions {
  /** Where TiKV fetches the SSTs (no credentials: TiKV uses its own, see backup/storage-backend.ts). */
  storageBackend: StorageBackend;
  /**
   * Data-key of an encrypted backup. A secret: pass it at run time from the worker's config, never through
   * workflow input or history.
   */
  cipherInfo?: CipherInfo;
  /** False when some store lacks MultiIngest (import-sst.ts supportsMultiIngest). @default true */
  multiIngest?: boolean;
  /** Non-zero only for incremental restore: TiKV rewrites every version's ts to it. @default 0n */
  newTimestamp?: bigint;
  /**
   * Told when the retry loops start waiting on a component that does not answer (a store down, PD without a
   * leader), again when what they wait on changes, and with undefined once the file group went through.
   */
  onWaiting?: (w: WaitingOn | undefined) => void;
}

/** The store each failed peer call was addressed to (a ClusterError names only the address). */
const storeOfError = new WeakMap<object, bigint>();

export type { WaitingOn } from './waiting-on';

export interface ImportFilesResult {
  /** Regions the files were ingested into. */
  regionsIngested: number;
  /** Regions the files overlap but hold no key of (Download answered is_empty). */
  regionsEmpty: number;
  /** SSTs ingested (one per file per region). */
  sstsIngested: number;
  /** Whole-unit retries and why: epoch-not-match / key-not-in-region mean the regions moved and want re-splitting. */
  retries: { kind: ClusterErrorKind; detail: string }[];
}

interface FilePlan {
  file: BackupFile;
  /** Encoded (memcomparable) rule as DownloadRequest takes it (v5.3 Legacy request type). */
  oldEnc: Uint8Array;
  newEnc: Uint8Array;
  /** The file's encoded key span in the new key space: regions outside it get no Download for this file. */
  span: { start: Uint8Array; end: Uint8Array };
}

/**
 * Downloads one file group (the write/default files of one backup range) into every region it overlaps and
 * ingests it at each region's leader — BR's FileImporter.Import loop (research §6.3):
 * scan regions over the rewritten range → per region, Download to every peer (DOWNLOAD_SST_RETRY) → Ingest or
 * MultiIngest at the leader (NotLeader: the named leader or PD's; ServerIsBusy: back off). EpochNotMatch,
 * KeyNotInRegion, StaleCommand and retryable gRPC failures start the whole unit again from a fresh region scan
 * (IMPORT_SST_RETRY); a repeated ingest of the same data is harmless (same keys, same ts).
 */
export async function importFiles(conn: ClusterConnection, files: readonly BackupFile[], rules: readonly RewriteRule[], opts: ImportFilesOptions): Promise<ImportFilesResult> {
  const result: ImportFilesResult = { regionsIngested: 0, regionsEmpty: 0, sstsIngested: 0, retries: [] };
  if (files.length === 0) return result;
  const plans: FilePlan[] = files.map((file) => {
    const rule = findRuleByOldKey(rules, file.startKey);
    if (!rule) {
      throw new BrflowError(ErrorType.Internal, `no rewrite rule matches backup file ${file.name} (start key ${file.startKey}); the plan's rules do not cover this table`);
    }
    return { file, oldEnc: encodeKeyPrefix(fromHex(rule.oldKeyPrefix)), newEnc: encodeKeyPrefix(fromHex(rule.newKeyPrefix)), span: newKeySpan([file], rules) };
  });
  const span = newKeySpan(files, rules);
  const wait = waitReporter(opts.onWaiting, (e) => storeOfError.get(e));
  await retry(
    async () => {
      const attempt = { regionsIngested: 0, regionsEmpty: 0, sstsIngested: 0 };
      const regions = await scanAllRegions(conn.pd, span.start, span.end);
      for (const region of regions) {
        const metas = await downloadToPeers(conn, region, plans, opts, wait.failed);
        if (metas.length === 0) {
          attempt.regionsEmpty++;
          continue;
        }
        await ingestAtLeader(conn, region, metas, opts);
        attempt.regionsIngested++;
        attempt.sstsIngested += metas.length;
      }
      Object.assign(result, attempt);
    },
    IMPORT_SST_RETRY,
    (e) => {
      const c = classifyError(e);
      if (!c.retryable) return false;
      // An address that now serves another store, or none: look the stores up again before the rescan.
      if (c.kind === 'store-not-match' || c.kind === 'unavailable') conn.stores.invalidateAll();
      if (c.kind === 'unavailable') wait.failed(e);
      result.retries.push({ kind: c.kind, detail: e instanceof Error ? e.message : String(e) });
      return c.backoffMs !== undefined ? { delayMs: c.backoffMs } : true;
    },
    opts,
  );
  wait.through();
  return result;
}

/** The encoded span of the files in the new key space: each file's rewritten keys, clipped to its rule's prefix. */
function newKeySpan(files: readonly BackupFile[], rules: readonly RewriteRule[]): { start: Uint8Array; end: Uint8Array } {
  let start: Uint8Array | undefined;
  let end: Uint8Array | undefined;
  for (const f of files) {
    const rule = findRuleByOldKey(rules, f.startKey) as RewriteRule;
    const s = fromHex(rule.newKeyPrefix + f.startKey.slice(rule.oldKeyPrefix.length));
    // An end key outside the old prefix (e.g. t{id}_s after a record range) is capped at the prefix's end.
    const e = f.endKey.startsWith(rule.oldKeyPrefix)
      ? fromHex(rule.newKeyPrefix + f.endKey.slice(rule.oldKeyPrefix.length))
      : prefixNext(fromHex(rule.newKeyPrefix));
    const es = encodeBytes(s);
    const ee = encodeBytes(e);
    if (!start || compareBytes(es, start) < 0) start = es;
    if (!end || compareBytes(ee, end) > 0) end = ee;
  }
  return { start: start as Uint8Array, end: end as Uint8Array };
}

/** SSTMeta for one file in one region (BR GetSSTMetaFromFile): range = the rule's new prefix ∩ the region. */
function sstMetaFor(p: FilePlan, r: RegionInfo): SSTMeta | undefined {
  // A merged range's files each cover part of it: skip regions this file cannot have keys in.
  if (r.region.endKey.length > 0 && compareBytes(p.span.start, r.region.endKey) >= 0) return undefined;
  if (compareBytes(p.span.end, r.region.startKey) <= 0) return undefined;
  let start: Uint8Array = p.newEnc;
  if (compareBytes(start, r.region.startKey) < 0) start = r.region.startKey;
  let end: Uint8Array = concatBytes(p.newEnc, RANGE_END_SUFFIX);
  if (r.region.endKey.length > 0 && compareBytes(end, r.region.endKey) > 0) end = r.region.endKey;
  if (compareBytes(start, end) >= 0) return undefined;
  return {
    uuid: randomBytes(16),
    range: { start: Buffer.from(start), end: Buffer.from(end) },
    crc32: 0,
    length: BigInt(p.file.size || '0'),
    cfName: p.file.cf,
    regionId: r.region.id,
    regionEpoch: r.region.regionEpoch,
    endKeyExclusive: false,
    totalKvs: 0n,
    totalBytes: 0n,
    apiVersion: 0,
    cipherIv: p.file.cipherIv ? Buffer.from(p.file.cipherIv, 'hex') : Buffer.alloc(0),
  };
}

function trimTs(k: Buffer | undefined): Buffer {
  if (!k || k.length < TS_SUFFIX_LEN) return Buffer.alloc(0);
  return k.subarray(0, k.length - TS_SUFFIX_LEN);
}

/**
 * Downloads every file of the unit to every peer of the region (the same SSTMeta on each, because the raft
 * apply of Ingest looks the file up by it on every peer). Returns the metas to ingest; a file with no key in
 * this region is left out. On retry only the files not downloaded yet are sent again, with fresh uuids.
 */
async function downloadToPeers(conn: ClusterConnection, region: RegionInfo, plans: readonly FilePlan[], opts: ImportFilesOptions, waiting: (e: unknown) => void): Promise<SSTMeta[]> {
  const done = new Map<string, SSTMeta | null>();
  await retry(
    async () => {
      for (const p of plans) {
        if (done.has(p.file.name)) continue;
        const sst = sstMetaFor(p, region);
        if (!sst) {
          done.set(p.file.name, null);
          continue;
        }
        const rule = RewriteRulePb.fromPartial({ oldKeyPrefix: Buffer.from(p.oldEnc), newKeyPrefix: Buffer.from(p.newEnc), newTimestamp: opts.newTimestamp ?? 0n });
        const downloadAt = async (peer: Peer) => {
          const address = await conn.stores.importAddress(peer.storeId);
          const res = await importSstClient(conn.channels, address).download({
            ssts: {},
            sst,
            resolvedTs: 0n,
            name: p.file.name,
            rewriteRule: rule,
            storageBackend: opts.storageBackend,
            isRawKv: false,
            cipherInfo: opts.cipherInfo,
            storageCacheId: '',
            requestType: 0,
            context: undefined,
            sortedRewriteRules: [],
          });
          if (res.error) {
            const cls = res.error.storeError ? classifyRegionError(res.error.storeError) : undefined;
            if (!cls || cls.kind === 'unknown') throw new ClusterError(address, `TiKV Download ${p.file.name}`, classifyDownloadFailure(res.error.message || cls?.detail || ''));
            throw new ClusterError(address, `TiKV Download ${p.file.name}`, { kind: cls.kind, retryable: cls.retryable, detail: res.error.message || cls.detail });
          }
          return res;
        };
        const answers = await Promise.all(
          region.region.peers.map((peer) => downloadAt(peer).catch((e: unknown) => {
            if (typeof e === 'object' && e !== null) storeOfError.set(e, peer.storeId);
            throw e;
          })),
        );
        if (answers.some((a) => a.isEmpty)) {
          done.set(p.file.name, null);
          continue;
        }
        const last = answers[answers.length - 1];
        done.set(p.file.name, { ...sst, range: { start: trimTs(last?.range?.start), end: trimTs(last?.range?.end) } });
      }
    },
    DOWNLOAD_SST_RETRY,
    (e) => {
      const c = classifyError(e);
      if (c.kind === 'unavailable') waiting(e);
      // The region itself moved: retrying it cannot help, the unit loop rescans instead.
      return c.retryable && !REGION_CHANGED.has(c.kind);
    },
    opts,
  );
  return plans.flatMap((p) => {
    const m = done.get(p.file.name);
    return m ? [m] : [];
  });
}

/**
 * Ingests the region's staged SSTs at its leader. Default-CF files go first when ingesting one by one, so a
 * write record never points at a value not yet ingested.
 */
async function ingestAtLeader(conn: ClusterConnection, region: RegionInfo, metas: SSTMeta[], opts: ImportFilesOptions): Promise<void> {
  let leader: Peer = leaderOrFirstPeer(region);
  let askPd = false;
  const ordered = [...metas].sort((a, b) => (a.cfName === b.cfName ? 0 : a.cfName === 'default' ? -1 : 1));
  await retry(
    async () => {
      if (askPd) {
        askPd = false;
        const now = await conn.pd.getRegion(region.region.startKey);
        if (!now) throw new ClusterError(conn.pd.leaderAddress, 'PD GetRegion', { kind: 'region-not-found', retryable: true, detail: `no region at ${region.region.startKey.toString('hex')}` });
        if (now.region.id !== region.region.id || now.region.regionEpoch?.version !== region.region.regionEpoch?.version || now.region.regionEpoch?.confVer !== region.region.regionEpoch?.confVer) {
          throw new ClusterError(conn.pd.leaderAddress, 'TiKV Ingest', { kind: 'epoch-not-match', retryable: true, detail: `region ${region.region.id} changed while its leader was unknown` });
        }
        leader = leaderOrFirstPeer(now);
      }
      const address = await conn.stores.importAddress(leader.storeId);
      const client = importSstClient(conn.channels, address);
      const context = Context.fromPartial({ regionId: region.region.id, regionEpoch: region.region.regionEpoch, peer: leader });
      const batches = opts.multiIngest === false ? ordered.map((m) => [m]) : [ordered];
      for (const batch of batches) {
        const res = batch.length === 1 && opts.multiIngest === false ? await client.ingest(context, batch[0] as SSTMeta) : await client.multiIngest(context, batch);
        if (res.error) throw new ClusterError(address, opts.multiIngest === false ? 'TiKV Ingest' : 'TiKV MultiIngest', classifyRegionError(res.error));
      }
    },
    INGEST_LEADER_RETRY,
    (e) => {
      const c = classifyError(e);
      if (c.kind === 'not-leader') {
        if (c.leader) leader = c.leader;
        else askPd = true;
        return true;
      }
      // Busy: wait here rather than re-download; anything else goes back to the unit loop (rescan).
      if (c.kind === 'server-busy') return c.backoffMs !== undefined ? { delayMs: c.backoffMs } : true;
      return false;
    },
    opts,
  );
}
