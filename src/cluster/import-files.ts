import { randomBytes } from 'node:crypto';
import { DOWNLOAD_SST_RETRY, IMPORT_SST_RETRY, INGEST_LEADER_RETRY, retry, type RetryOptions } from './backoff';
import type { ClusterConnection } from './cluster-connection';
import { ClusterError, classifyDownloadFailure, classifyError, classifyRegionError, type ClusterErrorKind } from './errors';
import { importSstClient } from './import-sst';
import type { RegionInfo } from './pd';
import { leaderOrFirstPeer } from './region-split';
import { pdRegionSource, type RegionSource, type RegionView } from './batch-regions';
import { waitReporter, type WaitingOn } from './waiting-on';
import type { BackupFile } from '../backup/manifest';
import { BrflowError, ErrorType } from '../plan/error-types';
import { compareBytes, concatBytes, encodeBytes, encodeKeyPrefix, fromHex } from '../plan/keys';
import { findRuleByOldKey, prefixNext, type RewriteRule } from '../plan/rewrite-rules';
import type { CipherInfo, StorageBackend } from '../proto/brpb';
import { type DownloadRequest, type SSTMeta, RewriteRule as RewriteRulePb } from '../proto/import_sstpb';
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
  /**
   * True when every store serves BatchDownload (import-sst.ts supportsBatchDownload): the files of one column
   * family and rule that overlap a region go to each peer in one request, staged as one SST. @default false
   */
  batchDownload?: boolean;
  /** Where the regions of the files' span come from (batch-regions.ts BatchRegions). @default one PD scan per call */
  regions?: RegionSource;
  /** Non-zero only for incremental restore: TiKV rewrites every version's ts to it. @default 0n */
  newTimestamp?: bigint;
  /**
   * Told when the retry loops start waiting on a component that does not answer (a store down, PD without a
   * leader), again when what they wait on changes, and with undefined once the file group went through.
   */
  onWaiting?: (w: WaitingOn | undefined) => void;
  /**
   * Resume point of an earlier, cut import of the same range (a checkpoint it reported through
   * `onProgress`): the import starts there instead of at the range's start.
   */
  resumeAt?: RangeCheckpoint;
  /**
   * Told, after each group of files went through in a region (and after each region), how far the range is
   * ingested: what a retry of a crashed worker passes back as `resumeAt` so it redoes about one group, not the
   * range. Only a contiguous prefix counts (regions are taken in key order from the start).
   */
  onProgress?: (checkpoint: RangeCheckpoint) => void;
  /** Files per Download/MultiIngest round in a region. @default FILES_PER_INGEST */
  filesPerIngest?: number;
}

/**
 * How far one range's import got: every key below `below` is ingested, and in the region [start, end) that
 * begins there, the first `files` of the range's files that overlap it are too. The region is named by both
 * keys: if it split or merged since, its file list differs and only `below` is trusted.
 */
export interface RangeCheckpoint {
  below: Uint8Array;
  inRegion?: { start: Uint8Array; end: Uint8Array; files: number };
}

/**
 * Files per Download/MultiIngest round in one region. A region's files are ingested in groups of this many, each
 * group a checkpoint: what a crash can repeat is a group per range in flight, not a whole region (which in a
 * freshly split cluster can hold a whole merged range: hundreds of small files).
 */
export const FILES_PER_INGEST = 16;

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

/** A rule in the forms the requests take, computed once per call (not per file, region or peer). */
interface RulePlan {
  /** The rule as DownloadRequest takes it (v5.3 Legacy request type: encoded, memcomparable prefixes). */
  pb: RewriteRulePb;
  newEnc: Uint8Array;
  /** BR's SST range end: the encoded new prefix followed by ten 0xFF. */
  newEncEnd: Uint8Array;
}

interface FilePlan {
  file: BackupFile;
  rule: RulePlan;
  length: bigint;
  cipherIv: Buffer;
  /** The file's encoded key span in the new key space: regions outside it get no Download for this file. */
  span: { start: Uint8Array; end: Uint8Array };
}

/**
 * Downloads one file group (the write/default files of one backup range) into every region it overlaps and
 * ingests it at each region's leader — BR's FileImporter.Import loop (research §6.3):
 * regions over the rewritten range → per region, Download to every peer (DOWNLOAD_SST_RETRY) → Ingest or
 * MultiIngest at the leader (NotLeader: the named leader or PD's; ServerIsBusy: back off). EpochNotMatch,
 * KeyNotInRegion, StaleCommand and retryable gRPC failures start the whole unit again from fresh regions
 * (IMPORT_SST_RETRY); a repeated ingest of the same data is harmless (same keys, same ts).
 */
export function importFiles(conn: ClusterConnection, files: readonly BackupFile[], rules: readonly RewriteRule[], opts: ImportFilesOptions): Promise<ImportFilesResult> {
  return importPlanned(conn, planRange(files, rules, opts.newTimestamp ?? 0n), opts);
}

/** One range's files with their rules and key spans worked out: what importPlanned needs, computed once. */
export interface PlannedRange {
  readonly plans: readonly FilePlan[];
  /** The union of the files' spans (encoded); undefined for a range without files. */
  readonly span: { start: Uint8Array; end: Uint8Array } | undefined;
}

/** Works out each file's rule and span (see planFiles); throws when a file has no rule. */
export function planRange(files: readonly BackupFile[], rules: readonly RewriteRule[], newTimestamp: bigint): PlannedRange {
  const plans = planFiles(files, rules, newTimestamp);
  return { plans, span: plans.length > 0 ? spanOf(plans) : undefined };
}

/** importFiles over a range already planned (planRange with the same newTimestamp as `opts`). */
export async function importPlanned(conn: ClusterConnection, planned: PlannedRange, opts: ImportFilesOptions): Promise<ImportFilesResult> {
  const result: ImportFilesResult = { regionsIngested: 0, regionsEmpty: 0, sstsIngested: 0, retries: [] };
  const { plans, span } = planned;
  if (!span) return result;
  const source = opts.regions ?? pdRegionSource(conn.pd);
  const wait = waitReporter(opts.onWaiting, (e) => storeOfError.get(e));
  let view: RegionView | undefined;
  // Everything below `doneBelow` is ingested (by an earlier attempt of this call, or a cut earlier call):
  // a retry starts there. Past the span's end the range is done.
  let doneBelow = opts.resumeAt && compareBytes(opts.resumeAt.below, span.start) > 0 ? opts.resumeAt.below : span.start;
  let inRegion = opts.resumeAt?.inRegion;
  if (compareBytes(doneBelow, span.end) >= 0) return result;
  await retry(
    async () => {
      const attempt = { regionsIngested: 0, regionsEmpty: 0, sstsIngested: 0 };
      view = await source.regionsIn(doneBelow, span.end);
      for (const region of view.regions) {
        const { startKey, endKey } = region.region;
        const here = plans.filter((p) => overlapsRegion(p, region.region));
        // Groups a cut attempt already ingested into this region, or into the region it was split from.
        const carried = inRegion;
        let from = doneInRegion(plans, here, carried, region.region);
        const contiguous = compareBytes(startKey, doneBelow) <= 0;
        let ingested = false;
        while (from < here.length) {
          const group = here.slice(from, from + Math.max(1, opts.filesPerIngest ?? FILES_PER_INGEST));
          const metas = await downloadToPeers(conn, region, group, opts, wait.failed);
          if (metas.length > 0) {
            await ingestAtLeader(conn, region, metas, opts);
            attempt.sstsIngested += metas.length;
            ingested = true;
          }
          from += group.length;
          if (contiguous && from < here.length) {
            inRegion = { start: startKey, end: endKey, files: from };
            opts.onProgress?.({ below: doneBelow, inRegion });
          }
        }
        if (ingested) attempt.regionsIngested++;
        else attempt.regionsEmpty++;
        // The region covers the key where the done prefix stops: the prefix now reaches its end. Reaching the
        // span's end (or an unbounded last region) is the range finishing, which the caller reports itself.
        if (contiguous && endKey.length > 0 && compareBytes(endKey, doneBelow) > 0) {
          doneBelow = endKey;
          // A checkpoint of a region since split still speaks for the keys past this part of it.
          const stillCovers = inRegion !== undefined && inRegion === carried && (inRegion.end.length === 0 || compareBytes(inRegion.end, endKey) > 0);
          if (!stillCovers) inRegion = undefined;
          if (compareBytes(endKey, span.end) < 0) opts.onProgress?.({ below: endKey, ...(inRegion ? { inRegion } : {}) });
        }
      }
      Object.assign(result, attempt);
    },
    IMPORT_SST_RETRY,
    (e) => {
      const c = classifyError(e);
      if (!c.retryable) return false;
      // The regions this attempt used are out of date: whoever shares them scans again.
      if (REGION_CHANGED.has(c.kind) || c.kind === 'stale-command') view?.stale();
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

/**
 * Each file's rule and its span in the new key space, once per call. An end key outside the old prefix
 * (e.g. t{id}_s after a record range) is capped at the new prefix's end.
 */
function planFiles(files: readonly BackupFile[], rules: readonly RewriteRule[], newTimestamp: bigint): FilePlan[] {
  const byRule = new Map<RewriteRule, RulePlan & { newRaw: Uint8Array; newPrefixEnd: Uint8Array }>();
  return files.map((file) => {
    const rule = findRuleByOldKey(rules, file.startKey);
    if (!rule) {
      throw new BrflowError(ErrorType.Internal, `no rewrite rule matches backup file ${file.name} (start key ${file.startKey}); the plan's rules do not cover this table`);
    }
    let rp = byRule.get(rule);
    if (!rp) {
      const newRaw = fromHex(rule.newKeyPrefix);
      const newEnc = encodeKeyPrefix(newRaw);
      rp = {
        pb: RewriteRulePb.fromPartial({ oldKeyPrefix: Buffer.from(encodeKeyPrefix(fromHex(rule.oldKeyPrefix))), newKeyPrefix: Buffer.from(newEnc), newTimestamp }),
        newEnc,
        newEncEnd: concatBytes(newEnc, RANGE_END_SUFFIX),
        newRaw,
        newPrefixEnd: encodeBytes(prefixNext(newRaw)),
      };
      byRule.set(rule, rp);
    }
    const start = encodeBytes(fromHex(rule.newKeyPrefix + file.startKey.slice(rule.oldKeyPrefix.length)));
    const end = file.endKey.startsWith(rule.oldKeyPrefix) ? encodeBytes(fromHex(rule.newKeyPrefix + file.endKey.slice(rule.oldKeyPrefix.length))) : rp.newPrefixEnd;
    return {
      file,
      rule: rp,
      length: BigInt(file.size || '0'),
      cipherIv: file.cipherIv ? Buffer.from(file.cipherIv, 'hex') : EMPTY_BUFFER,
      span: { start, end },
    };
  });
}

const EMPTY_BUFFER = Buffer.alloc(0);

/** The union of the files' spans. */
function spanOf(plans: readonly FilePlan[]): { start: Uint8Array; end: Uint8Array } {
  let { start, end } = plans[0]!.span;
  for (const p of plans) {
    if (compareBytes(p.span.start, start) < 0) start = p.span.start;
    if (compareBytes(p.span.end, end) > 0) end = p.span.end;
  }
  return { start, end };
}

/** The SST range of a file in a region (BR GetSSTMetaFromFile): the rule's new prefix ∩ the region; undefined when empty. */
/** A region's key span (what a file's SST range is clipped to). */
type RegionKeys = { startKey: Uint8Array; endKey: Uint8Array };

function sstRangeIn(p: FilePlan, r: RegionKeys): { start: Uint8Array; end: Uint8Array } | undefined {
  // A merged range's files each cover part of it: skip regions this file cannot have keys in.
  if (r.endKey.length > 0 && compareBytes(p.span.start, r.endKey) >= 0) return undefined;
  if (compareBytes(p.span.end, r.startKey) <= 0) return undefined;
  let start: Uint8Array = p.rule.newEnc;
  if (compareBytes(start, r.startKey) < 0) start = r.startKey;
  let end: Uint8Array = p.rule.newEncEnd;
  if (r.endKey.length > 0 && compareBytes(end, r.endKey) > 0) end = r.endKey;
  if (compareBytes(start, end) >= 0) return undefined;
  return { start, end };
}

/** Whether the file can have keys in the region (what sstMetaFor decides, without building the meta). */
function overlapsRegion(p: FilePlan, r: RegionKeys): boolean {
  return sstRangeIn(p, r) !== undefined;
}

/**
 * How many of `here` (the files overlapping `region`, in plan order) a cut import already ingested into it, by its
 * checkpoint `k`: the first `k.files` of the files overlapping k's region. That region may have been split since
 * (another batch's split keys cut the tail region this range was in): this region then lies inside it, its files
 * are some of k's in the same order, and those among k's first `k.files` are this list's head, already in. A
 * region reaching outside k's (merged, or another) is not known to hold any.
 */
function doneInRegion(plans: readonly FilePlan[], here: readonly FilePlan[], k: RangeCheckpoint['inRegion'], region: RegionKeys): number {
  if (!k) return 0;
  if (bytesEqual(k.start, region.startKey) && bytesEqual(k.end, region.endKey)) return Math.min(k.files, here.length);
  const inside = compareBytes(region.startKey, k.start) >= 0 && (k.end.length === 0 || (region.endKey.length > 0 && compareBytes(region.endKey, k.end) <= 0));
  if (!inside) return 0;
  const done = new Set(plans.filter((p) => overlapsRegion(p, { startKey: k.start, endKey: k.end })).slice(0, k.files));
  let n = 0;
  while (n < here.length && done.has(here[n]!)) n++;
  return n;
}

/** SSTMeta for one file in one region (BR GetSSTMetaFromFile): range = the rule's new prefix ∩ the region. */
function sstMetaFor(p: FilePlan, r: RegionInfo): SSTMeta | undefined {
  const range = sstRangeIn(p, r.region);
  if (!range) return undefined;
  return {
    uuid: newSstUuid(),
    range: { start: Buffer.from(range.start), end: Buffer.from(range.end) },
    crc32: 0,
    length: p.length,
    cfName: p.file.cf,
    regionId: r.region.id,
    regionEpoch: r.region.regionEpoch,
    endKeyExclusive: false,
    totalKvs: 0n,
    totalBytes: 0n,
    apiVersion: 0,
    cipherIv: p.cipherIv,
  };
}

/**
 * Random bytes for SST uuids, drawn 256 uuids at a time: randomBytes(16) per SST cost a synchronous
 * getrandom call each (about 1 % of the worker's CPU in a restore of many small tables). The uuid only has to be
 * unique among the SSTs staged on a store, as BR's uuid.New() is.
 */
const UUID_BYTES = 16;
const UUIDS_PER_DRAW = 256;
let uuidPool = Buffer.alloc(0);
let uuidNext = 0;

export function newSstUuid(): Buffer {
  if (uuidNext >= uuidPool.length) {
    uuidPool = randomBytes(UUID_BYTES * UUIDS_PER_DRAW);
    uuidNext = 0;
  }
  // A view is safe: each draw is a fresh buffer, never written again.
  const id = uuidPool.subarray(uuidNext, uuidNext + UUID_BYTES);
  uuidNext += UUID_BYTES;
  return id;
}

function trimTs(k: Buffer | undefined): Buffer {
  if (!k || k.length < TS_SUFFIX_LEN) return Buffer.alloc(0);
  return k.subarray(0, k.length - TS_SUFFIX_LEN);
}

/**
 * What one request per peer stages: one file (Download), or the files of one column family and rule that
 * overlap the region (BatchDownload, staged merged under `sst`).
 */
interface DownloadUnit {
  /** Stable across retries: which files the unit holds. */
  key: string;
  sst: SSTMeta;
  /** Single form: the file's name. */
  name: string;
  /** Batch form: each file's own meta, by name. */
  members?: Record<string, SSTMeta>;
  rule: RulePlan;
}

/** The units to download into a region: the files with keys in it, batched by CF and rule when the stores can. */
function unitsFor(region: RegionInfo, plans: readonly FilePlan[], batch: boolean): DownloadUnit[] {
  const single: DownloadUnit[] = [];
  const groups = new Map<string, { rule: RulePlan; cf: string; metas: { name: string; sst: SSTMeta }[] }>();
  const ruleNo = new Map<RulePlan, number>();
  for (const p of plans) {
    const sst = sstMetaFor(p, region);
    if (!sst) continue;
    if (!batch) {
      single.push({ key: p.file.name, sst, name: p.file.name, rule: p.rule });
      continue;
    }
    if (!ruleNo.has(p.rule)) ruleNo.set(p.rule, ruleNo.size);
    const gk = `${p.file.cf}/${ruleNo.get(p.rule)}`;
    const g = groups.get(gk) ?? { rule: p.rule, cf: p.file.cf, metas: [] };
    g.metas.push({ name: p.file.name, sst });
    groups.set(gk, g);
  }
  if (!batch) return single;
  return [...groups.values()].map((g) => {
    const first = g.metas[0]!;
    if (g.metas.length === 1) return { key: first.name, sst: first.sst, name: first.name, rule: g.rule };
    // The merged SST's range spans its members' (the same rule prefix ∩ region for all, in practice).
    let start = first.sst.range!.start;
    let end = first.sst.range!.end;
    let length = 0n;
    const members: Record<string, SSTMeta> = {};
    for (const m of g.metas) {
      if (compareBytes(m.sst.range!.start, start) < 0) start = m.sst.range!.start;
      if (compareBytes(m.sst.range!.end, end) > 0) end = m.sst.range!.end;
      length += m.sst.length;
      members[m.name] = m.sst;
    }
    const sst: SSTMeta = { ...first.sst, uuid: newSstUuid(), range: { start, end }, length, cfName: g.cf, cipherIv: EMPTY_BUFFER };
    return { key: g.metas.map((m) => m.name).join('\0'), sst, name: '', members, rule: g.rule };
  });
}

/**
 * Downloads every file of the unit to every peer of the region (the same SSTMeta on each, because the raft
 * apply of Ingest looks the file up by it on every peer): one Download per file per peer, or, where the stores
 * serve BatchDownload, one per column family and rule per peer. Returns the metas to ingest; a file with no
 * key in this region is left out. On retry only the units not downloaded yet are sent again, with fresh uuids.
 */
async function downloadToPeers(conn: ClusterConnection, region: RegionInfo, plans: readonly FilePlan[], opts: ImportFilesOptions, waiting: (e: unknown) => void): Promise<SSTMeta[]> {
  const done = new Map<string, SSTMeta | null>();
  await retry(
    async () => {
      for (const u of unitsFor(region, plans, opts.batchDownload === true)) {
        if (done.has(u.key)) continue;
        const call = u.members ? 'TiKV BatchDownload' : `TiKV Download ${u.name}`;
        const req: DownloadRequest = {
          ssts: u.members ?? {},
          sst: u.sst,
          resolvedTs: 0n,
          name: u.name,
          rewriteRule: u.rule.pb,
          storageBackend: opts.storageBackend,
          isRawKv: false,
          cipherInfo: opts.cipherInfo,
          storageCacheId: '',
          requestType: 0,
          context: undefined,
          sortedRewriteRules: [],
        };
        const downloadAt = async (peer: Peer) => {
          const address = await conn.stores.importAddress(peer.storeId);
          const client = importSstClient(conn.channels, address);
          const res = u.members ? await client.batchDownload(req) : await client.download(req);
          if (res.error) {
            const cls = res.error.storeError ? classifyRegionError(res.error.storeError) : undefined;
            if (!cls || cls.kind === 'unknown') throw new ClusterError(address, call, classifyDownloadFailure(res.error.message || cls?.detail || ''));
            throw new ClusterError(address, call, { kind: cls.kind, retryable: cls.retryable, detail: res.error.message || cls.detail });
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
          done.set(u.key, null);
          continue;
        }
        const last = answers[answers.length - 1];
        done.set(u.key, { ...u.sst, range: { start: trimTs(last?.range?.start), end: trimTs(last?.range?.end) } });
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
  return [...done.values()].filter((m): m is SSTMeta => m !== null);
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

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && compareBytes(a, b) === 0;
}
