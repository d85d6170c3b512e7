import { leaderPeer, type ClusterState } from './cluster-state';
import type { ScriptedRegionErrorKind } from './faults';
import type { RegionError } from './region-error';

/**
 * Turns a scripted fault kind into the error TiKV would really send for that region: NotLeader names
 * the actual leader, EpochNotMatch lists the actual current regions, KeyNotInRegion the region's range.
 */
export function scriptedRegionError(state: ClusterState, kind: ScriptedRegionErrorKind, regionId: number, key?: Uint8Array): RegionError {
  const r = state.regionById(regionId);
  switch (kind) {
    case 'NotLeader':
      return { kind, regionId, leader: r && leaderPeer(r) };
    case 'RegionNotFound':
      return { kind, regionId };
    case 'EpochNotMatch':
      return { kind, currentRegions: state.currentRegionsOf(regionId) };
    case 'KeyNotInRegion':
      return { kind, regionId, key: key ?? new Uint8Array(0), startKey: r?.startKey ?? new Uint8Array(0), endKey: r?.endKey ?? new Uint8Array(0) };
    case 'ServerIsBusy':
      return { kind, reason: 'too many sst files are ingesting (simulated)' };
    case 'Other':
      // TiKV's error with only a message: a split whose AskBatchSplit to PD failed (its leader changing) answers so.
      return { kind, message: 'ask PD for split IDs: PD AskBatchSplit: 14 UNAVAILABLE: read ECONNRESET (simulated)' };
  }
}
