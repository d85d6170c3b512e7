import { GrpcChannels } from './grpc-channel';
import { connectPd, type PdClient, type PdClientOptions } from './pd';
import { PdHttp } from './pd-http';
import { StoreResolver } from './store-resolver';
import type { TlsOptions } from './tls';

/**
 * The live connections the region-level operations (split, import, checksum) share: PD (gRPC), PD HTTP, one
 * gRPC channel per TiKV store and the store-address cache. Made once per worker from the cluster config.
 */
export interface ClusterConnection {
  pd: PdClient;
  pdHttp: PdHttp;
  channels: GrpcChannels;
  stores: StoreResolver;
  close(): void;
}

export interface ClusterConnectionOptions {
  pdEndpoints: string | readonly string[];
  tls?: TlsOptions;
  /** Overrides for the PD client (timeouts, retry policy). */
  pd?: Omit<PdClientOptions, 'endpoints' | 'tls'>;
  /** Deadline of PD HTTP requests. */
  pdHttpTimeoutMs?: number;
}

export async function connectCluster(opts: ClusterConnectionOptions): Promise<ClusterConnection> {
  const tls = opts.tls ? { tls: opts.tls } : {};
  const pd = await connectPd({ ...opts.pd, endpoints: opts.pdEndpoints, ...tls });
  const pdHttp = new PdHttp({ endpoints: opts.pdEndpoints, ...tls, ...(opts.pdHttpTimeoutMs ? { timeoutMs: opts.pdHttpTimeoutMs } : {}) });
  const channels = new GrpcChannels(tls);
  return {
    pd,
    pdHttp,
    channels,
    stores: new StoreResolver(pd),
    close() {
      channels.close();
      pd.close();
    },
  };
}
