import { CHECKSUM_RETRY, retry, type RetryOptions } from './backoff';
import type { ClusterConnection } from './cluster-connection';
import { ClusterError, classifyError, classifyRegionError } from './errors';
import { forEachLimited } from './for-each-limited';
import type { RegionInfo } from './pd';
import { leaderOrFirstPeer } from './region-split';
import { overlapping } from './batch-regions';
import { scanAllRegions } from './scan-regions';
import { tikvRpc } from './tikv-rpc';
import { BrflowError, ErrorType } from '../plan/error-types';
import { compareBytes, decodeBytes, encodeBytes, fromHex } from '../plan/keys';
import type { ChecksumRequestPlan } from '../plan/rewrite-rules';
import { ChecksumAlgorithm, ChecksumRequest, ChecksumResponse, ChecksumScanOn } from '../proto/checksum';
import { CommandPri } from '../proto/kvrpcpb';
import type { Peer } from '../proto/metapb';

/** Coprocessor request type of a checksum (TiDB kv.ReqTypeChecksum). */
export const REQ_TYPE_CHECKSUM = 105n;

/** A table checksum as BR compares it: CRC64 XOR, KV count, byte count (u64s as bigint). */
export interface Checksum {
  crc64xor: bigint;
  totalKvs: bigint;
  totalBytes: bigint;
}

export const EMPTY_CHECKSUM: Checksum = { crc64xor: 0n, totalKvs: 0n, totalBytes: 0n };

/** XOR of the CRCs, sums of counts: how BR combines per-region and per-index results. */
export function combineChecksums(a: Checksum, b: Checksum): Checksum {
  return { crc64xor: a.crc64xor ^ b.crc64xor, totalKvs: a.totalKvs + b.totalKvs, totalBytes: a.totalBytes + b.totalBytes };
}

/**
 * Checksums a restored table the way BR does (pkg/checksum, research §9): for each planned request (record
 * range and each public index of each physical table, with its old→new prefix rule) a coprocessor request
 * tp=105 per region at `startTs`, region errors retried on a fresh region view, results combined.
 */
export async function checksumTable(conn: ClusterConnection, requests: readonly ChecksumRequestPlan[], startTs: bigint, opts: ChecksumOptions = {}): Promise<Checksum> {
  // One PD scan over the table's whole span serves the first try of every request (record range and each
  // index): per request it cost a ScanRegions each, ~3 per small table, a third of all the PD scans of a restore
  // of many small tables. A request whose regions moved rescans its own pieces, as before.
  const shared = requests.length > 1 ? await sharedRegions(conn, requests) : undefined;
  let total = EMPTY_CHECKSUM;
  for (const r of requests) {
    const part = await checksumRange(conn, r, startTs, { ...opts, ...(shared ? { regions: shared } : {}) });
    total = combineChecksums(total, part);
  }
  return total;
}

/** The regions over all the requests' ranges from one paginated scan; undefined when that scan fails (each request then scans its own). */
async function sharedRegions(conn: ClusterConnection, requests: readonly ChecksumRequestPlan[]): Promise<RegionInfo[] | undefined> {
  let start = fromHex(requests[0]!.startKey);
  let end = fromHex(requests[0]!.endKey);
  for (const r of requests) {
    const s = fromHex(r.startKey);
    const e = fromHex(r.endKey);
    if (compareBytes(s, start) < 0) start = s;
    if (end.length > 0 && (e.length === 0 || compareBytes(e, end) > 0)) end = e;
  }
  try {
    return await scanAllRegions(conn.pd, encodeBytes(start), end.length > 0 ? encodeBytes(end) : new Uint8Array());
  } catch (e) {
    if (!classifyError(e).retryable) throw e;
    return undefined;
  }
}

/** BR's --checksum-concurrency default (DefChecksumTableConcurrency): regions checksummed at once per request. */
export const CHECKSUM_CONCURRENCY = 4;

export interface ChecksumOptions extends RetryOptions {
  /** Regions in flight at once. @default CHECKSUM_CONCURRENCY */
  concurrency?: number;
  /**
   * Regions (key-ordered, adjacent) from a scan covering the request's range, used for its first try instead
   * of a scan of its own; retries after a region error always scan afresh. @default a scan of the range
   */
  regions?: readonly RegionInfo[];
}

/** One planned request over all regions of its range, `concurrency` regions at a time. */
export async function checksumRange(conn: ClusterConnection, plan: ChecksumRequestPlan, startTs: bigint, opts: ChecksumOptions = {}): Promise<Checksum> {
  const concurrency = opts.concurrency ?? CHECKSUM_CONCURRENCY;
  const data = Buffer.from(
    ChecksumRequest.encode({
      scanOn: plan.kind === 'index' ? ChecksumScanOn.Index : ChecksumScanOn.Table,
      algorithm: ChecksumAlgorithm.Crc64_Xor,
      rule: { oldPrefix: Buffer.from(plan.oldPrefix, 'hex'), newPrefix: Buffer.from(plan.newPrefix, 'hex') },
    }).finish(),
  );
  // Work list of raw sub-ranges still to checksum; a region error puts its piece back for a rescan.
  let todo: { start: Uint8Array; end: Uint8Array }[] = [{ start: fromHex(plan.startKey), end: fromHex(plan.endKey) }];
  let total = EMPTY_CHECKSUM;
  // Given regions serve the first try only: after a region error they are known to be stale.
  let given = opts.regions;
  await retry(
    async () => {
      const next: typeof todo = [];
      let firstError: unknown;
      for (const piece of todo) {
        let regions: readonly RegionInfo[];
        const startKey = encodeBytes(piece.start);
        const endKey = piece.end.length > 0 ? encodeBytes(piece.end) : new Uint8Array();
        try {
          regions = given ? overlapping(given, startKey, endKey) : await scanAllRegions(conn.pd, startKey, endKey);
        } catch (e) {
          if (!classifyError(e).retryable) throw e;
          firstError ??= e;
          next.push(piece);
          continue;
        }
        const work = regions.flatMap((region) => {
          const sub = clip(piece, region);
          return sub ? [{ region, sub }] : [];
        });
        let fatal: unknown;
        await forEachLimited(work, concurrency, async ({ region, sub }) => {
          if (fatal !== undefined) return;
          // Cancelled: no new region is read (a big table's checksum is a scan of all of it); those in flight finish.
          if (opts.signal?.aborted) {
            fatal = opts.signal.reason;
            return;
          }
          try {
            // Await first, then combine: `total` must be read after the await, or concurrent regions overwrite each other.
            const part = await checksumRegion(conn, region, sub, data, startTs);
            total = combineChecksums(total, part);
          } catch (e) {
            if (!classifyError(e).retryable) fatal ??= e;
            else {
              firstError ??= e;
              next.push(sub);
            }
          }
        });
        if (fatal !== undefined) throw fatal;
      }
      todo = next;
      given = undefined;
      if (firstError) throw firstError;
    },
    CHECKSUM_RETRY,
    (e) => classifyError(e).retryable,
    opts,
  );
  return total;
}

/** The part of a raw range inside a region (region keys are encoded; empty = unbounded). */
function clip(piece: { start: Uint8Array; end: Uint8Array }, r: RegionInfo): { start: Uint8Array; end: Uint8Array } | undefined {
  const rs = r.region.startKey.length > 0 ? decodeBytes(r.region.startKey).value : new Uint8Array();
  const re = r.region.endKey.length > 0 ? decodeBytes(r.region.endKey).value : undefined;
  const start = compareBytes(rs, piece.start) > 0 ? rs : piece.start;
  let end = piece.end;
  if (re && (end.length === 0 || compareBytes(re, end) < 0)) end = re;
  if (end.length > 0 && compareBytes(start, end) >= 0) return undefined;
  return { start, end };
}

async function checksumRegion(conn: ClusterConnection, r: RegionInfo, range: { start: Uint8Array; end: Uint8Array }, data: Buffer, startTs: bigint): Promise<Checksum> {
  let leader: Peer = leaderOrFirstPeer(r);
  for (let hop = 0; ; hop++) {
    const address = await conn.stores.address(leader.storeId);
    const res = await tikvRpc(conn.channels, address).coprocessor({
      context: { regionId: r.region.id, regionEpoch: r.region.regionEpoch, peer: leader, priority: CommandPri.Low, notFillCache: true },
      tp: REQ_TYPE_CHECKSUM,
      data,
      ranges: [{ start: Buffer.from(range.start), end: Buffer.from(range.end) }],
      startTs,
    });
    if (res.regionError) {
      const c = classifyRegionError(res.regionError);
      // Follow a named leader at once (a few hops); everything else goes back for a rescan.
      if (c.kind === 'not-leader' && c.leader && hop < 3) {
        leader = c.leader;
        continue;
      }
      throw new ClusterError(address, 'TiKV Coprocessor(checksum)', c);
    }
    if (res.locked) {
      throw new ClusterError(address, 'TiKV Coprocessor(checksum)', { kind: 'server-busy', retryable: true, detail: 'a lock is in the way at the checksum ts' });
    }
    if (res.otherError) throw new ClusterError(address, 'TiKV Coprocessor(checksum)', { kind: 'rejected', retryable: false, detail: res.otherError });
    const out = ChecksumResponse.decode(res.data);
    return { crc64xor: out.checksum, totalKvs: out.totalKvs, totalBytes: out.totalBytes };
  }
}

/**
 * Compares with the backup's Schema values (decimal strings) and throws ChecksumMismatch naming the table and
 * all three pairs. BR skips tables whose backup values are all zero (no checksum recorded): so does this.
 */
export function verifyChecksum(table: string, actual: Checksum, expected: { crc64xor: string; totalKvs: string; totalBytes: string }): void {
  const exp = { crc64xor: BigInt(expected.crc64xor || '0'), totalKvs: BigInt(expected.totalKvs || '0'), totalBytes: BigInt(expected.totalBytes || '0') };
  if (exp.crc64xor === 0n && exp.totalKvs === 0n && exp.totalBytes === 0n) return;
  if (actual.crc64xor !== exp.crc64xor || actual.totalKvs !== exp.totalKvs || actual.totalBytes !== exp.totalBytes) {
    throw new BrflowError(
      ErrorType.ChecksumMismatch,
      `checksum of ${table} does not match the backup: crc64xor ${actual.crc64xor} vs ${exp.crc64xor}, total_kvs ${actual.totalKvs} vs ${exp.totalKvs}, total_bytes ${actual.totalBytes} vs ${exp.totalBytes}; the restored data differs from the backup — check the backup files and restore the table again`,
    );
  }
}
