import { callUnary, type GrpcChannels } from './grpc-channel';
import { Request as CopRequest, type DeepPartial as CopPartial, type Response as CopResponse } from '../proto/coprocessor';
import { type DeepPartial as KvPartial, SplitRegionRequest, type SplitRegionResponse } from '../proto/kvrpcpb';
import { TikvClient as TikvGrpcClient } from '../proto/tikvpb';

/** SplitRegion proposes through raft and waits for apply. */
export const SPLIT_REGION_TIMEOUT_MS = 60_000;
/** A checksum scans one region (≤ 96–144 MiB). */
export const COPROCESSOR_TIMEOUT_MS = 60_000;

/** The Tikv service calls a restore makes on ONE store, each with a deadline; region errors stay in the response. */
export interface TikvRpc {
  readonly address: string;
  splitRegion(req: KvPartial<SplitRegionRequest>): Promise<SplitRegionResponse>;
  coprocessor(req: CopPartial<CopRequest>): Promise<CopResponse>;
}

export function tikvRpc(channels: GrpcChannels, address: string): TikvRpc {
  const c = channels.client(TikvGrpcClient, address);
  return {
    address,
    splitRegion(req) {
      return callUnary(c.splitRegion.bind(c), SplitRegionRequest.fromPartial(req), { address, call: 'TiKV SplitRegion', timeoutMs: SPLIT_REGION_TIMEOUT_MS });
    },
    coprocessor(req) {
      return callUnary(c.coprocessor.bind(c), CopRequest.fromPartial(req), { address, call: 'TiKV Coprocessor', timeoutMs: COPROCESSOR_TIMEOUT_MS });
    },
  };
}
