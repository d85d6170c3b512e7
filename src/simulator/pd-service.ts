import { status, type ServerDuplexStream } from '@grpc/grpc-js';
import {
  ErrorType,
  OperatorStatus,
  type PDServer,
  type RequestHeader,
  type ResponseHeader,
  type TsoRequest,
  type TsoResponse,
} from '../proto/pdpb';
import { leaderPeer, type ClusterState, type SimRegion } from './cluster-state';
import type { Faults } from './faults';
import { applyFaults, GrpcStatusError, toServiceError, unary, unavailableError } from './grpc-call';
import type { PdMembership } from './pd-membership';
import { toPeer, toRegion, toStore } from './proto-convert';

/** What only a TiKV store calls: the simulated PD has its stores built in, so grpc-js answers these UNIMPLEMENTED. */
type StoreToPdCall = 'bootstrap' | 'isBootstrapped' | 'allocId' | 'putStore' | 'storeHeartbeat' | 'regionHeartbeat' | 'askBatchSplit' | 'reportBatchSplit';
type SimulatedPdServer = { [K in keyof PDServer as K extends StoreToPdCall ? never : K]: PDServer[K] };

/**
 * pdpb.PD over the shared model, as one PD member. Like real PD: every call but GetMembers must
 * reach the leader (else UNAVAILABLE "not leader") and carry the cluster id GetMembers reports
 * (else FAILED_PRECONDITION "mismatch cluster id").
 */
export function createPdService(state: ClusterState, faults: Faults, membership: PdMembership, memberName: string): SimulatedPdServer {
  const startedSec = Math.floor(state.clock.now() / 1000);
  const ok = (): ResponseHeader => ({ clusterId: state.clusterId, error: undefined });
  const err = (type: ErrorType, message: string): ResponseHeader => ({ clusterId: state.clusterId, error: { type, message } });

  const validate = (h: RequestHeader | undefined): void => {
    if (!membership.isLeader(memberName)) throw new GrpcStatusError(status.UNAVAILABLE, 'not leader');
    const got = h?.clusterId ?? 0n;
    if (got !== state.clusterId) {
      throw new GrpcStatusError(status.FAILED_PRECONDITION, `mismatch cluster id, need ${state.clusterId} but got ${got}`);
    }
  };

  // PD learns from heartbeats that a store stopped answering: its peers are reported down.
  const downPeers = (r: SimRegion) => r.peers.filter((p) => faults.isStoreDown(p.storeId)).map((p) => ({ peer: toPeer(p), downSeconds: 60n }));
  const regionAnswer = (r: SimRegion | undefined) => {
    if (!r) return { header: ok(), region: undefined, leader: undefined, downPeers: [], pendingPeers: [] };
    const leader = leaderPeer(r);
    return { header: ok(), region: toRegion(r), leader: leader && toPeer(leader), downPeers: downPeers(r), pendingPeers: [] };
  };

  return {
    getMembers: unary(faults, 'pd', 'GetMembers', () => {
      const members = membership.members.map((m) => ({
        name: m.name,
        memberId: m.memberId,
        peerUrls: [m.clientUrl],
        clientUrls: [m.clientUrl],
        leaderPriority: 0,
        deployPath: '',
        binaryVersion: '',
        gitHash: '',
        dcLocation: '',
      }));
      const leader = members.find((m) => m.name === membership.leader().name);
      return { header: ok(), members, leader, etcdLeader: leader };
    }),

    tso: (call: ServerDuplexStream<TsoRequest, TsoResponse>) => {
      const fail = (e: unknown) => {
        call.emit('error', toServiceError(e));
      };
      // Serve requests in order: a request's answer must not overtake an earlier one.
      let chain = Promise.resolve();
      call.on('data', (req: TsoRequest) => {
        chain = chain.then(async () => {
          const d = await applyFaults(faults, 'Tso', 'pd');
          if (d.unavailable) {
            call.emit('error', unavailableError('pd'));
            return;
          }
          if (d.status) {
            fail(new GrpcStatusError(d.status.code, d.status.message));
            return;
          }
          try {
            validate(req.header);
            const ts = state.tso.allocate(req.count);
            call.write({ header: ok(), count: req.count, timestamp: { physical: BigInt(ts.physical), logical: BigInt(ts.logical), suffixBits: 0 } });
          } catch (e) {
            fail(e instanceof GrpcStatusError ? e : new GrpcStatusError(status.UNKNOWN, (e as Error).message));
          }
        });
      });
      call.on('end', () => {
        void chain.then(() => call.end());
      });
      call.on('error', () => undefined);
    },

    getStore: unary(faults, 'pd', 'GetStore', (req) => {
      validate(req.header);
      const s = state.store(Number(req.storeId));
      if (!s) return { header: err(ErrorType.UNKNOWN, `invalid store ID ${req.storeId}, not found`), store: undefined };
      return { header: ok(), store: toStore(s, startedSec) };
    }),

    getAllStores: unary(faults, 'pd', 'GetAllStores', (req) => {
      validate(req.header);
      const stores = state.stores().filter((s) => !(req.excludeTombstoneStores && s.state === 'Tombstone'));
      return { header: ok(), stores: stores.map((s) => toStore(s, startedSec)) };
    }),

    getRegion: unary(faults, 'pd', 'GetRegion', (req) => {
      validate(req.header);
      return regionAnswer(state.regionByKey(req.regionKey));
    }),

    getRegionById: unary(faults, 'pd', 'GetRegionByID', (req) => {
      validate(req.header);
      return regionAnswer(state.regionById(Number(req.regionId)));
    }),

    scanRegions: unary(faults, 'pd', 'ScanRegions', (req) => {
      validate(req.header);
      const rs = state.scanRegions(req.startKey, req.endKey, req.limit);
      const metas = rs.map(toRegion);
      const leaders = rs.map((r) => {
        const l = leaderPeer(r);
        return l ? toPeer(l) : { id: 0n, storeId: 0n, role: 0, isWitness: false };
      });
      return {
        header: ok(),
        regionMetas: metas,
        leaders,
        regions: metas.map((m, i) => ({ region: m, leader: leaders[i], downPeers: downPeers(rs[i]!), pendingPeers: [] })),
      };
    }),

    scatterRegion: unary(faults, 'pd', 'ScatterRegion', (req) => {
      validate(req.header);
      if (req.regionsId.length > 0) {
        const failed = req.regionsId.filter((id) => !state.scatter(Number(id)));
        const done = req.regionsId.length - failed.length;
        return { header: ok(), finishedPercentage: BigInt(Math.floor((done * 100) / req.regionsId.length)), failedRegionsId: failed };
      }
      const id = Number(req.region?.id ?? req.regionId);
      if (!state.scatter(id)) {
        return { header: err(ErrorType.REGION_NOT_FOUND, `region ${id} not found`), finishedPercentage: 0n, failedRegionsId: [] };
      }
      return { header: ok(), finishedPercentage: 100n, failedRegionsId: [] };
    }),

    getOperator: unary(faults, 'pd', 'GetOperator', (req) => {
      validate(req.header);
      const op = state.pollOperator(Number(req.regionId));
      if (!op) {
        return { header: err(ErrorType.REGION_NOT_FOUND, 'Not Found'), regionId: req.regionId, desc: Buffer.alloc(0), status: OperatorStatus.SUCCESS, kind: Buffer.alloc(0) };
      }
      return {
        header: ok(),
        regionId: req.regionId,
        desc: Buffer.from(op.desc),
        status: op.status === 'RUNNING' ? OperatorStatus.RUNNING : OperatorStatus.SUCCESS,
        kind: Buffer.from(op.kind),
      };
    }),

    updateServiceGcSafePoint: unary(faults, 'pd', 'UpdateServiceGCSafePoint', (req) => {
      validate(req.header);
      const r = state.gc.updateService(req.serviceId.toString('utf8'), Number(req.TTL), req.safePoint);
      return { header: ok(), serviceId: Buffer.from(r.min.serviceId), TTL: BigInt(r.ttlSeconds), minSafePoint: r.min.safePoint };
    }),

    getGcSafePoint: unary(faults, 'pd', 'GetGCSafePoint', (req) => {
      validate(req.header);
      return { header: ok(), safePoint: state.gc.gcSafePointValue() };
    }),

    updateGcSafePoint: unary(faults, 'pd', 'UpdateGCSafePoint', (req) => {
      validate(req.header);
      return { header: ok(), newSafePoint: state.gc.updateGcSafePoint(req.safePoint) };
    }),
  };
}
