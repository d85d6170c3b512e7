import {
  retry,
  SCATTER_RETRY,
  SCATTER_WAIT_RETRY,
  SPLIT_CHECK_RETRY,
  SPLIT_REGION_RPC_RETRY,
  SPLIT_RETRY,
  type RetryOptions,
} from './backoff';
import type { ClusterConnection } from './cluster-connection';
import { ClusterError, classifyError, classifyRegionError } from './errors';
import type { BatchScatterResult, RegionInfo } from './pd';
import { scanAllRegions } from './scan-regions';
import { forEachLimited } from './for-each-limited';
import { tikvRpc } from './tikv-rpc';
import { Turns } from './turns';
import { waitReporter, type WaitingOn } from './waiting-on';
import { compareBytes, concatBytes, encodeBytes, fromHex, toHex } from '../plan/keys';
import { splitKeysForRegions } from '../plan/split-keys';
import { OperatorStatus } from '../proto/pdpb';
import type { Peer, Region } from '../proto/metapb';

/**
 * PD polls in flight at once while waiting for new regions to show and for scatter operators to finish. One
 * call per region, one after another, cost a PD round trip per region per poll: seconds for a batch that
 * splits hundreds of regions. PD answers these from memory, so a few in flight cost it nothing.
 */
export const PD_POLL_CONCURRENCY = 16;

/**
 * One split round at a time per cluster on this worker. The batches in flight split at once, and on a fresh
 * cluster their keys all fall in the same region: each round scanned that region, only the first SplitRegion
 * went through and every other batch got EpochNotMatch, slept SPLIT_RETRY's backoff and scanned again (a
 * batch of a 16-batch wave took up to 2 s to split a dozen keys). Taking turns, each round scans what the
 * previous one split and goes through first time, as BR's single split worker does. Only the scan, split and
 * scatter requests of a round (and its wait for PD to show the new regions) take the turn; the backoff between rounds and the wait for scatter operators
 * run outside it, so a batch that waits never holds back the others.
 */
const splitTurns = new Turns<ClusterConnection>();

/** Keys per SplitRegion RPC (newer BR splitBatchKeyCnt); a region rarely needs more. */
export const SPLIT_BATCH_KEYS = 10_240;

/** The peer to send region commands to: PD's leader, else the first peer (BR does the same). */
export function leaderOrFirstPeer(r: RegionInfo): Peer {
  const p = r.leader ?? r.region.peers[0];
  if (!p) throw new ClusterError('PD', 'region leader', { kind: 'region-not-found', retryable: true, detail: `region ${r.region.id} has no peers` });
  return p;
}

/**
 * One SplitRegion RPC batch against the region's leader (BR BatchSplitRegions): up to
 * splitRegionMaxRetryTime tries; NotLeader → retry on the named leader (or re-ask PD); ServerIsBusy /
 * StaleCommand → retry; other region errors (EpochNotMatch, KeyNotInRegion, …) end it so the caller rescans.
 * Keys are raw (TiKV encodes them). Returns every region the split produced, the original included.
 */
export async function splitRegion(conn: ClusterConnection, info: RegionInfo, rawKeys: readonly Uint8Array[], opts: RetryOptions = {}): Promise<Region[]> {
  let leader = leaderOrFirstPeer(info);
  let askPd = false;
  return retry(
    async () => {
      if (askPd) {
        askPd = false;
        const now = await conn.pd.getRegionById(info.region.id);
        if (!now || !sameEpoch(now.region, info.region)) {
          throw new ClusterError(conn.pd.leaderAddress, 'TiKV SplitRegion', {
            kind: 'epoch-not-match',
            // Not for this loop (its shouldRetry stops on it) but for the caller, which rescans.
            retryable: true,
            detail: `region ${info.region.id} changed while its leader was unknown`,
          });
        }
        leader = leaderOrFirstPeer(now);
      }
      const address = await conn.stores.address(leader.storeId);
      const res = await tikvRpc(conn.channels, address).splitRegion({
        context: { regionId: info.region.id, regionEpoch: info.region.regionEpoch, peer: leader },
        splitKeys: rawKeys.map((k) => Buffer.from(k)),
      });
      if (res.regionError) {
        const c = classifyRegionError(res.regionError);
        // A region error with only a message is TiKV's "other" error; a split answers with one when its ask to PD
        // for new region IDs fails, as while PD changes leader. BR's split backoff retries every split error but an
        // invalid range: so does the caller's loop (it rescans), instead of failing the restore for good.
        throw new ClusterError(address, 'TiKV SplitRegion', c.kind === 'unknown' ? { ...c, retryable: true } : c);
      }
      if (res.errors.length > 0) {
        throw new ClusterError(address, 'TiKV SplitRegion', { kind: 'rejected', retryable: false, detail: res.errors.map((e) => e.abort || e.retryable).join('; ') });
      }
      return res.regions;
    },
    SPLIT_REGION_RPC_RETRY,
    (e) => {
      const c = classifyError(e);
      if (c.kind === 'not-leader') {
        if (c.leader) leader = c.leader;
        else askPd = true;
        return true;
      }
      if (c.kind === 'server-busy' || c.kind === 'stale-command' || c.kind === 'unavailable') {
        return c.backoffMs !== undefined ? { delayMs: c.backoffMs } : true;
      }
      return false;
    },
    opts,
  );
}

function sameEpoch(a: Region, b: Region): boolean {
  return a.regionEpoch?.version === b.regionEpoch?.version && a.regionEpoch?.confVer === b.regionEpoch?.confVer;
}

export interface SplitScatterOptions extends RetryOptions {
  /** Keys per SplitRegion RPC. @default SPLIT_BATCH_KEYS */
  batchKeys?: number;
  /** Told what the split loop waits on while a store or PD does not answer, and when it went through. */
  onWaiting?: (w: WaitingOn | undefined) => void;
}

export interface SplitScatterResult {
  /** Regions created by splitting. */
  newRegionIds: string[];
  /** How many split rounds ran (1 = all at once; more = region errors made us rescan). */
  rounds: number;
  /** Regions whose scatter did not finish within BR's wait cap (not an error: BR proceeds too). */
  scatterUnfinished: string[];
  /** Regions PD refused to scatter after SCATTER_RETRY, with PD's reason (not an error either). */
  scatterFailed: { regionId: string; error: string }[];
  /** True when the cluster cannot scatter at all (see canScatter) and no scatter was asked for. */
  scatterSkipped: boolean;
}

/**
 * Splits the cluster at the given raw keys (hex) and scatters the new regions (BR RegionSplitter.Split,
 * research §5.3): scan regions over the keys' span, group keys by region, split each group on its leader,
 * wait until PD sees the new regions, scatter them; on any failure rescan and go again (SplitRetryTimes).
 * Then wait for the scatter operators (ScatterWait). Keys already on a region boundary are skipped, so a
 * repeated call is a no-op.
 */
export async function splitAndScatter(conn: ClusterConnection, rawKeysHex: readonly string[], opts: SplitScatterOptions = {}): Promise<SplitScatterResult> {
  const batchKeys = Math.max(1, opts.batchKeys ?? SPLIT_BATCH_KEYS);
  const keys = [...new Set(rawKeysHex.filter((k) => k !== ''))].sort();
  const result: SplitScatterResult = { newRegionIds: [], rounds: 0, scatterUnfinished: [], scatterFailed: [], scatterSkipped: false };
  if (keys.length === 0) return result;
  result.scatterSkipped = !(await canScatter(conn));
  const scanStart = encodeBytes(fromHex(keys[0] as string));
  // Just past the largest encoded key, so the region holding it is in the scan.
  const scanEnd = concatBytes(encodeBytes(fromHex(keys[keys.length - 1] as string)), new Uint8Array([0]));
  const scattered: bigint[] = [];
  const wait = waitReporter(opts.onWaiting);
  await retry(
    () => splitTurns.take(conn, async () => {
      result.rounds++;
      const regions = await scanAllRegions(conn.pd, scanStart, scanEnd);
      const byId = new Map(regions.map((r) => [r.region.id.toString(), r]));
      const plan = splitKeysForRegions(
        keys,
        regions.map((r) => ({ id: r.region.id.toString(), startKey: toHex(r.region.startKey), endKey: toHex(r.region.endKey) })),
      );
      for (const p of plan) {
        let info = byId.get(p.regionId) as RegionInfo;
        for (let i = 0; i < p.keys.length; i += batchKeys) {
          const batch = p.keys.slice(i, i + batchKeys).map(fromHex);
          const after = await splitRegion(conn, info, batch, opts);
          const created = after.filter((r) => r.id !== info.region.id);
          for (const r of created) result.newRegionIds.push(r.id.toString());
          await waitRegionsVisible(conn, created, opts);
          const failed = result.scatterSkipped ? new Map<bigint, string>() : await scatterRegions(conn, created.map((r) => r.id), opts);
          if (!result.scatterSkipped) for (const r of created) if (!failed.has(r.id)) scattered.push(r.id);
          // BR logs a failed scatter and goes on: an unscattered region costs balance, not correctness.
          for (const [id, error] of failed) result.scatterFailed.push({ regionId: id.toString(), error });
          // The next batch of keys lies in the last region of this split (keys are sorted). Its leader is
          // guessed, as BR does, as its peer on the old leader's store (same store, new peer id).
          const last = after[after.length - 1];
          if (last) {
            const leaderStore = leaderOrFirstPeer(info).storeId;
            const guess = last.peers.find((p) => p.storeId === leaderStore);
            info = { region: last, ...(guess ? { leader: guess } : {}) };
          }
        }
      }
    }),
    SPLIT_RETRY,
    (e) => {
      const c = classifyError(e);
      if (c.kind === 'unavailable') wait.failed(e);
      return c.retryable;
    },
    opts,
  );
  wait.through();
  result.scatterUnfinished = (await waitScatterFinished(conn, scattered, opts)).map(String);
  return result;
}

/**
 * Whether scattering can place anything (BR: skipped when the TiKV stores are fewer than max-replicas, or just one):
 * PD refuses each region of such a cluster as "not fully replicated", and brflow would spend SCATTER_RETRY on every
 * one of them. When PD does not say its max-replicas, scatter is tried as before.
 */
async function canScatter(conn: ClusterConnection): Promise<boolean> {
  const stores = (await conn.pd.getAllStores()).length;
  const replicas = await conn.pdHttp.maxReplicas().catch(() => 0);
  return stores > 1 && stores >= replicas;
}

/** What waitRegionsVisible needs of a region: its id and key span. */
export interface RegionSpan {
  id: bigint;
  startKey: Uint8Array;
  endKey: Uint8Array;
}

/**
 * Waits until PD knows every region one SplitRegion created (BR: GetRegionByID per region, up to 64×, 8 ms → 1 s).
 * The regions of one split are adjacent, so one paginated ScanRegions over their span asks PD the same question
 * for all of them at once: a split of ~40 regions cost ~40 PD round trips per poll, the worker's largest share
 * of RPCs in a restore of many small tables. A region counts as known when the scan lists its id, as
 * GetRegionByID answering it did.
 */
export async function waitRegionsVisible(conn: ClusterConnection, created: readonly RegionSpan[], opts: RetryOptions = {}): Promise<void> {
  if (created.length === 0) return;
  const span = spanOf(created);
  let missing = new Set(created.map((r) => r.id));
  await retry(
    async () => {
      const known = await scanAllRegions(conn.pd, span.start, span.end);
      for (const r of known) missing.delete(r.region.id);
      if (missing.size > 0) {
        const first = missing.values().next().value as bigint;
        throw new ClusterError(conn.pd.leaderAddress, 'PD ScanRegions', { kind: 'region-not-found', retryable: true, detail: `new region ${first} not reported yet${missing.size > 1 ? ` (and ${missing.size - 1} more)` : ''}` });
      }
      missing = new Set();
    },
    SPLIT_CHECK_RETRY,
    (e) => classifyError(e).retryable,
    opts,
  );
}

/** The encoded key span covering some adjacent regions (an empty end key is +∞). */
function spanOf(regions: readonly RegionSpan[]): { start: Uint8Array; end: Uint8Array } {
  let start = regions[0]!.startKey;
  let end = regions[0]!.endKey;
  for (const r of regions) {
    if (compareBytes(r.startKey, start) < 0) start = r.startKey;
    if (end.length > 0 && (r.endKey.length === 0 || compareBytes(r.endKey, end) > 0)) end = r.endKey;
  }
  return { start, end };
}

/**
 * Scatters freshly split regions: one batch ScatterRegion (newer BR), then one by one for those the batch
 * left out — or for all of them when PD lacks the batch form. Returns the regions that could not be
 * scattered, with why.
 */
async function scatterRegions(conn: ClusterConnection, ids: readonly bigint[], opts: RetryOptions): Promise<Map<bigint, string>> {
  const failed = new Map<bigint, string>();
  if (ids.length === 0) return failed;
  let left: readonly bigint[] = ids;
  try {
    const res = await retry(() => conn.pd.scatterRegions(ids), SCATTER_RETRY, (e) => classifyError(e).kind === 'region-not-ready', opts);
    left = leftOutOfBatch(ids, res);
  } catch (e) {
    if (classifyError(e).kind !== 'unimplemented' && classifyError(e).kind !== 'region-not-found') {
      for (const id of ids) failed.set(id, e instanceof Error ? e.message : String(e));
      return failed;
    }
  }
  for (const id of left) {
    try {
      await scatterRegion(conn, id, opts);
    } catch (e) {
      failed.set(id, e instanceof Error ? e.message : String(e));
    }
  }
  return failed;
}

/**
 * The regions a batch scatter did not place. PD ≥ v8.5.5 lists them; older PDs (v8.5.4 included) leave
 * failed_regions_id empty and only finished_percentage < 100 says some were left, not which: then every region of
 * the batch is scattered again one by one (a second scatter of a placed region only re-plans it).
 */
export function leftOutOfBatch(ids: readonly bigint[], res: BatchScatterResult): readonly bigint[] {
  if (res.finishedPercentage >= 100) return [];
  return res.failedRegionIds.length > 0 ? res.failedRegionIds : ids;
}

/** ScatterRegion, retried while PD says the region is not fully replicated / has no leader (BR: 7 × 100 ms). */
async function scatterRegion(conn: ClusterConnection, regionId: bigint, opts: RetryOptions): Promise<void> {
  await retry(() => conn.pd.scatterRegion(regionId), SCATTER_RETRY, (e) => classifyError(e).kind === 'region-not-ready', opts);
}

/**
 * Polls GetOperator until no scatter operator runs on any of the regions (finished when PD has no operator,
 * its desc is not "scatter-region", or it is not RUNNING), within ScatterWait limits. Returns the regions still
 * scattering when the cap was reached.
 */
export async function waitScatterFinished(conn: ClusterConnection, regionIds: readonly bigint[], opts: RetryOptions = {}): Promise<bigint[]> {
  let pending = [...regionIds];
  try {
    await retry(
      async () => {
        const running = new Set<bigint>();
        await forEachLimited(pending, PD_POLL_CONCURRENCY, async (id) => {
          const op = await conn.pd.getOperator(id);
          if (op && op.desc === 'scatter-region' && op.status === OperatorStatus.RUNNING) running.add(id);
        });
        pending = pending.filter((id) => running.has(id));
        if (pending.length > 0) {
          throw new ClusterError(conn.pd.leaderAddress, 'PD GetOperator', { kind: 'server-busy', retryable: true, detail: `${pending.length} regions still scattering` });
        }
      },
      SCATTER_WAIT_RETRY,
      (e) => classifyError(e).retryable,
      opts,
    );
  } catch (e) {
    // Past the cap BR moves on: unfinished scatter only costs balance, not correctness.
    if (classifyError(e).kind !== 'server-busy') throw e;
  }
  return pending;
}
