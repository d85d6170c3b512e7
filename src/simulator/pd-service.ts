import { status, type ServerDuplexStream } from '@grpc/grpc-js';
import {
  ErrorType,
  GetAllStoresResponse,
  GetGCSafePointResponse,
  GetOperatorResponse,
  GetRegionResponse,
  GetStoreResponse,
  OperatorStatus,
  ScanRegionsResponse,
  ScatterRegionResponse,
  UpdateServiceGCSafePointResponse,
  type PDServer,
  type RequestHeader,
  type ResponseHeader,
  type TsoRequest,
  type TsoResponse,
} from '../proto/pdpb';
import { leaderPeer, type ClusterState, type SimRegion } from './cluster-state';
import type { Faults } from './faults';
import { applyFaults, GrpcStatusError, toServiceError, unary, unavailableError } from './grpc-call';
import { DEFAULT_PD_VERSION, parsePdVersion, versionAtLeast } from './pd-version';
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
export interface PdServiceOptions {
  /** The PD version simulated: batch scatter lists failed regions only from v8.5.5 on. @default DEFAULT_PD_VERSION */
  pdVersion?: string;
}

/** PD fills ScatterRegionResponse.failed_regions_id from v8.5.5 (tikv/pd); before, finished_percentage is all there is. */
const FAILED_REGIONS_MIN_VERSION: readonly number[] = [8, 5, 5];

/** Go's math.MaxInt64: PD keeps gc_worker's service safepoint until then and answers TTL = that − now. */
const MAX_INT64 = 9223372036854775807n;

export function createPdService(state: ClusterState, faults: Faults, membership: PdMembership, memberName: string, opts: PdServiceOptions = {}): SimulatedPdServer {
  const startedSec = Math.floor(state.clock.now() / 1000);
  const reportsFailedRegions = versionAtLeast(parsePdVersion(opts.pdVersion ?? DEFAULT_PD_VERSION), FAILED_REGIONS_MIN_VERSION);
  const ok = (): ResponseHeader => ({ clusterId: state.clusterId, error: undefined });
  const err = (type: ErrorType, message: string): ResponseHeader => ({ clusterId: state.clusterId, error: { type, message } });
  /** Header of every call that needs a bootstrapped cluster, while there is none (real PD's wording). */
  const unbootstrapped = (): { header: ResponseHeader } | undefined =>
    state.bootstrapped ? undefined : { header: err(ErrorType.NOT_BOOTSTRAPPED, 'cluster is not bootstrapped') };

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
      const nb = unbootstrapped();
      if (nb) return GetStoreResponse.fromPartial(nb);
      const s = state.store(Number(req.storeId));
      if (!s) return { header: err(ErrorType.UNKNOWN, `invalid store ID ${req.storeId}, not found`), store: undefined };
      return { header: ok(), store: toStore(s, startedSec) };
    }),

    getAllStores: unary(faults, 'pd', 'GetAllStores', (req) => {
      validate(req.header);
      const nb = unbootstrapped();
      if (nb) return GetAllStoresResponse.fromPartial(nb);
      const stores = state.stores().filter((s) => !(req.excludeTombstoneStores && s.state === 'Tombstone'));
      return { header: ok(), stores: stores.map((s) => toStore(s, startedSec)) };
    }),

    getRegion: unary(faults, 'pd', 'GetRegion', (req) => {
      validate(req.header);
      const nb = unbootstrapped();
      if (nb) return GetRegionResponse.fromPartial(nb);
      return regionAnswer(state.regionByKey(req.regionKey));
    }),

    getRegionById: unary(faults, 'pd', 'GetRegionByID', (req) => {
      validate(req.header);
      // The one call PD answers REGION_NOT_FOUND rather than NOT_BOOTSTRAPPED before bootstrap.
      if (!state.bootstrapped) return GetRegionResponse.fromPartial({ header: err(ErrorType.REGION_NOT_FOUND, 'region not found') });
      return regionAnswer(state.regionById(Number(req.regionId)));
    }),

    scanRegions: unary(faults, 'pd', 'ScanRegions', (req) => {
      validate(req.header);
      const nb = unbootstrapped();
      if (nb) return ScanRegionsResponse.fromPartial(nb);
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
      const nb = unbootstrapped();
      if (nb) return ScatterRegionResponse.fromPartial(nb);
      if (req.regionsId.length > 0) {
        // As PD v8.5.4: a region it cannot scatter (unknown, under-replicated, past the operator limit) lowers
        // finished_percentage; only from v8.5.5 is it also listed in failed_regions_id.
        if (!req.regionsId.some((id) => state.regionById(Number(id)))) throw new GrpcStatusError(status.UNKNOWN, 'region not found');
        let started = 0;
        const failed: bigint[] = [];
        for (const id of req.regionsId) {
          if (started < state.batchScatterLimit && state.isFullyReplicated(Number(id)) && state.scatter(Number(id))) started++;
          else failed.push(id);
        }
        return {
          header: ok(),
          finishedPercentage: BigInt(Math.floor((started * 100) / req.regionsId.length)),
          failedRegionsId: reportsFailedRegions ? failed : [],
        };
      }
      const id = Number(req.region?.id ?? req.regionId);
      // PD's message really has the unformatted "%d" (v8.5.4).
      if (!state.regionById(id)) return ScatterRegionResponse.fromPartial({ header: err(ErrorType.REGION_NOT_FOUND, 'region %d not found') });
      if (!state.isFullyReplicated(id)) throw new GrpcStatusError(status.UNKNOWN, `region ${id} is not fully replicated`);
      state.scatter(id);
      return { header: ok(), finishedPercentage: 100n, failedRegionsId: [] };
    }),

    getOperator: unary(faults, 'pd', 'GetOperator', (req) => {
      validate(req.header);
      const nb = unbootstrapped();
      if (nb) return GetOperatorResponse.fromPartial(nb);
      const op = state.pollOperator(Number(req.regionId));
      if (!op) {
        return { header: err(ErrorType.REGION_NOT_FOUND, 'Not Found'), regionId: 0n, desc: Buffer.alloc(0), status: OperatorStatus.SUCCESS, kind: Buffer.alloc(0) };
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
      const nb = unbootstrapped();
      if (nb) return UpdateServiceGCSafePointResponse.fromPartial(nb);
      const r = state.gc.updateService(req.serviceId.toString('utf8'), Number(req.TTL), req.safePoint);
      const ttl = r.min.expireAt === Infinity ? MAX_INT64 - BigInt(Math.floor(state.clock.now() / 1000)) : BigInt(r.ttlSeconds);
      return { header: ok(), serviceId: Buffer.from(r.min.serviceId), TTL: ttl, minSafePoint: r.min.safePoint };
    }),

    getGcSafePoint: unary(faults, 'pd', 'GetGCSafePoint', (req) => {
      validate(req.header);
      const nb = unbootstrapped();
      if (nb) return GetGCSafePointResponse.fromPartial(nb);
      return { header: ok(), safePoint: state.gc.gcSafePointValue() };
    }),

    updateGcSafePoint: unary(faults, 'pd', 'UpdateGCSafePoint', (req) => {
      validate(req.header);
      return { header: ok(), newSafePoint: state.gc.updateGcSafePoint(req.safePoint) };
    }),
  };
}
