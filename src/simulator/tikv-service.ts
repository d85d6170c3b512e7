import { ChecksumRequest, ChecksumResponse } from '../proto/checksum';
import type { Response as CopResponse } from '../proto/coprocessor';
import type { TikvServer } from '../proto/tikvpb';
import { compareBytes, encodeBytes } from '../plan/keys';
import { checksumKvs, WrongPrefixError } from './checksum';
import type { ClusterState, SimRegion } from './cluster-state';
import type { Faults } from './faults';
import { unary } from './grpc-call';
import type { VisibleKv } from './mvcc-data';
import { fromEpoch, toErrorpb, toRegion } from './proto-convert';
import type { RegionError } from './region-error';
import { scriptedRegionError } from './scripted-region-error';

/** Applies a batch split the leader accepted: at once on the state, or through a real PD that hands out the IDs. */
export type RegionSplitter = (regionId: number, encodedKeys: Uint8Array[]) => { regions: SimRegion[] } | { error: RegionError } | Promise<{ regions: SimRegion[] } | { error: RegionError }>;

/** coprocessor.Request.tp for a table checksum (TiDB kv.ReqTypeChecksum). */
export const REQ_TYPE_CHECKSUM = 105;
const EMPTY = new Uint8Array(0);

/**
 * tikvpb.Tikv for one store: SplitRegion (batched, on the leader, epoch-checked, raw keys encoded
 * unless is_raw_kv) and Coprocessor checksum (tp 105) over the leader's data.
 */
export function createTikvService(state: ClusterState, faults: Faults, storeId: number, split: RegionSplitter = (id, keys) => state.split(id, keys)): TikvServer {
  return {
    splitRegion: unary(faults, storeId, 'SplitRegion', async (req, fault) => {
      const regionId = Number(req.context?.regionId ?? 0n);
      const none = { left: undefined, right: undefined, regions: [], errors: [] };
      if (fault) return { ...none, regionError: toErrorpb(scriptedRegionError(state, fault, regionId, req.splitKeys[0])) };
      const check = state.checkRegionRequest(storeId, regionId, fromEpoch(req.context?.regionEpoch), true);
      if ('error' in check) return { ...none, regionError: toErrorpb(check.error) };
      const raw = req.splitKeys.length > 0 ? req.splitKeys : req.splitKey.length > 0 ? [req.splitKey] : [];
      const keys = raw.map((k) => (req.isRawKv ? new Uint8Array(k) : encodeBytes(k)));
      const res = await split(regionId, keys);
      if ('error' in res) return { ...none, regionError: toErrorpb(res.error) };
      const regions = res.regions.map(toRegion);
      return { regionError: undefined, left: regions[0], right: regions[regions.length - 1], regions, errors: [] };
    }),

    coprocessor: unary(faults, storeId, 'Coprocessor', (req, fault): CopResponse => {
      const regionId = Number(req.context?.regionId ?? 0n);
      const base: CopResponse = { data: Buffer.alloc(0), regionError: undefined, locked: undefined, otherError: '', range: undefined };
      if (fault) return { ...base, regionError: toErrorpb(scriptedRegionError(state, fault, regionId)) };
      const check = state.checkRegionRequest(storeId, regionId, fromEpoch(req.context?.regionEpoch), true);
      if ('error' in check) return { ...base, regionError: toErrorpb(check.error) };
      if (Number(req.tp) !== REQ_TYPE_CHECKSUM) return { ...base, otherError: `unsupported coprocessor request type ${req.tp}: the simulator serves checksum (105) only` };
      const creq = ChecksumRequest.decode(req.data);
      const region = check.region;
      const data = state.dataOf(storeId);
      // Ranges are raw keys; clip their encoded form to the region, as TiKV serves only its region.
      function* kvs(): Generator<VisibleKv> {
        for (const r of req.ranges) {
          const lo = maxKey(encodeBytes(r.start), region.startKey);
          const hi = minEnd(r.end.length > 0 ? encodeBytes(r.end) : EMPTY, region.endKey);
          if (hi.length > 0 && compareBytes(lo, hi) >= 0) continue;
          yield* data.visible(lo, hi, req.startTs);
        }
      }
      try {
        const rule = creq.rule && { oldPrefix: creq.rule.oldPrefix ?? EMPTY, newPrefix: creq.rule.newPrefix ?? EMPTY };
        const sum = checksumKvs(kvs(), rule);
        const out = ChecksumResponse.encode({ checksum: sum.crc64xor, totalKvs: sum.totalKvs, totalBytes: sum.totalBytes }).finish();
        return { ...base, data: Buffer.from(out) };
      } catch (e) {
        if (e instanceof WrongPrefixError) return { ...base, otherError: e.message };
        throw e;
      }
    }),
  };
}

function maxKey(a: Uint8Array, b: Uint8Array): Uint8Array {
  return compareBytes(a, b) >= 0 ? a : b;
}

/** The smaller of two exclusive ends, where empty means +∞. */
function minEnd(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  return compareBytes(a, b) <= 0 ? a : b;
}
