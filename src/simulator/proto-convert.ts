import { Error as ErrorPb } from '../proto/errorpb';
import type { Peer, Region, RegionEpoch, Store } from '../proto/metapb';
import { PeerRole, StoreState } from '../proto/metapb';
import type { PeerRoleName, RegionEpochState, SimPeer, SimRegion, SimStore } from './cluster-state';
import { regionErrorMessage, type RegionError } from './region-error';

/** Model ↔ protobuf conversions shared by the PD and TiKV services. */

const PEER_ROLES: Record<PeerRoleName, PeerRole> = {
  Voter: PeerRole.Voter,
  Learner: PeerRole.Learner,
  IncomingVoter: PeerRole.IncomingVoter,
  DemotingVoter: PeerRole.DemotingVoter,
};

export function toPeer(p: SimPeer): Peer {
  return { id: BigInt(p.id), storeId: BigInt(p.storeId), role: PEER_ROLES[p.role ?? 'Voter'], isWitness: false };
}

export function toEpoch(e: RegionEpochState): RegionEpoch {
  return { confVer: BigInt(e.confVer), version: BigInt(e.version) };
}

export function fromEpoch(e: RegionEpoch | undefined): RegionEpochState | undefined {
  return e && { confVer: Number(e.confVer), version: Number(e.version) };
}

export function toRegion(r: SimRegion): Region {
  return {
    id: BigInt(r.id),
    startKey: Buffer.from(r.startKey),
    endKey: Buffer.from(r.endKey),
    regionEpoch: toEpoch(r.epoch),
    peers: r.peers.map(toPeer),
    isInFlashback: false,
    flashbackStartTs: 0n,
  };
}

const STORE_STATES = { Up: StoreState.Up, Offline: StoreState.Offline, Tombstone: StoreState.Tombstone } as const;

export function toStore(s: SimStore, startTimestampSec: number): Store {
  return {
    id: BigInt(s.id),
    address: s.address,
    state: STORE_STATES[s.state],
    labels: s.labels.map((l) => ({ ...l })),
    version: s.version,
    peerAddress: s.address,
    statusAddress: s.statusAddress,
    gitHash: '',
    startTimestamp: BigInt(startTimestampSec),
    deployPath: '',
    lastHeartbeat: 0n,
    physicallyDestroyed: false,
    nodeState: 1,
  };
}

/** errorpb.Error with exactly one detail set, as TiKV sends it. */
export function toErrorpb(e: RegionError): ErrorPb {
  return ErrorPb.fromPartial({ message: regionErrorMessage(e), ...errorDetail(e) });
}

function errorDetail(e: RegionError): Partial<ErrorPb> {
  switch (e.kind) {
    case 'NotLeader':
      return { notLeader: { regionId: BigInt(e.regionId), leader: e.leader && toPeer(e.leader) } };
    case 'RegionNotFound':
      return { regionNotFound: { regionId: BigInt(e.regionId) } };
    case 'EpochNotMatch':
      return { epochNotMatch: { currentRegions: e.currentRegions.map(toRegion) } };
    case 'KeyNotInRegion':
      return {
        keyNotInRegion: { key: Buffer.from(e.key), regionId: BigInt(e.regionId), startKey: Buffer.from(e.startKey), endKey: Buffer.from(e.endKey) },
      };
    case 'ServerIsBusy':
      return { serverIsBusy: { reason: e.reason, backoffMs: 0n, estimatedWaitMs: 0, appliedIndex: 0n } };
    case 'StaleCommand':
      return { staleCommand: {} };
    case 'Other':
      return {};
  }
}
