import type { SimPeer, SimRegion } from './cluster-state';

/**
 * A region error in model terms, one per errorpb.Error detail the restore reacts to
 * (research §5.3, §6.3). The gRPC layer turns it into errorpb.Error; the model never sees protobuf.
 */
export type RegionError =
  | { kind: 'NotLeader'; regionId: number; leader?: SimPeer }
  | { kind: 'RegionNotFound'; regionId: number }
  | { kind: 'EpochNotMatch'; currentRegions: SimRegion[] }
  | { kind: 'KeyNotInRegion'; key: Uint8Array; regionId: number; startKey: Uint8Array; endKey: Uint8Array }
  | { kind: 'ServerIsBusy'; reason: string }
  | { kind: 'StaleCommand'; message: string }
  | { kind: 'Other'; message: string };

export type RegionErrorKind = RegionError['kind'];

/** Human-readable text TiKV puts in errorpb.Error.message for each kind. */
export function regionErrorMessage(e: RegionError): string {
  switch (e.kind) {
    case 'NotLeader':
      return `peer is not leader for region ${e.regionId}, leader may be ${e.leader ? `store ${e.leader.storeId}` : 'unknown'}`;
    case 'RegionNotFound':
      return `region ${e.regionId} is missing`;
    case 'EpochNotMatch':
      return `epoch not match, current regions: ${e.currentRegions.map((r) => r.id).join(',')}`;
    case 'KeyNotInRegion':
      return `key is not in region ${e.regionId}`;
    case 'ServerIsBusy':
      return `server is busy: ${e.reason}`;
    case 'StaleCommand':
    case 'Other':
      return e.message;
  }
}
