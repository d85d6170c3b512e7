import {
  Channel,
  credentials,
  type CallOptions,
  type ChannelCredentials,
  type ChannelOptions,
  type ClientOptions,
  type ClientUnaryCall,
  Metadata,
  type ServiceError,
} from '@grpc/grpc-js';
import { toClusterError } from './errors';
import type { TlsOptions } from './tls';

/** PD answers ScanRegions with many regions at once: BR raises the gRPC message limit to 128 MiB for PD. */
export const PD_MAX_MESSAGE_BYTES = 128 * 1024 * 1024;
/** TiKV import/coprocessor replies are small, but a SplitRegion reply lists every new region; 32 MiB is ample. */
export const TIKV_MAX_MESSAGE_BYTES = 32 * 1024 * 1024;

export interface GrpcChannelOptions {
  tls?: TlsOptions;
  /** @default 10_000 (BR: keepalive time 10 s) */
  keepaliveTimeMs?: number;
  /** @default 3_000 (BR: keepalive timeout 3 s) */
  keepaliveTimeoutMs?: number;
  /** @default TIKV_MAX_MESSAGE_BYTES */
  maxMessageBytes?: number;
  /** Upper bound of the reconnect backoff. @default 3_000 (BR: connect backoff max delay 3 s) */
  maxReconnectBackoffMs?: number;
}

type ClientCtor<C> = {
  new (address: string, creds: ChannelCredentials, options?: Partial<ClientOptions>): C;
  serviceName: string;
};

/**
 * One gRPC channel per address, shared by every service client on it (ImportSST and Tikv on one TiKV port;
 * PD gRPC on the PD port), with BR's keepalive and message limits and the cluster's TLS.
 */
export class GrpcChannels {
  private readonly channels = new Map<string, Channel>();
  private readonly clients = new Map<string, unknown>();
  private readonly creds: ChannelCredentials;
  private readonly channelOptions: ChannelOptions;

  constructor(opts: GrpcChannelOptions = {}) {
    this.creds = opts.tls
      ? credentials.createSsl(opts.tls.ca, opts.tls.key ?? null, opts.tls.cert ?? null)
      : credentials.createInsecure();
    const max = opts.maxMessageBytes ?? TIKV_MAX_MESSAGE_BYTES;
    this.channelOptions = {
      'grpc.keepalive_time_ms': opts.keepaliveTimeMs ?? 10_000,
      'grpc.keepalive_timeout_ms': opts.keepaliveTimeoutMs ?? 3_000,
      // Pings only while calls are in flight: servers reject idle pings more often than every 5 min (too_many_pings).
      'grpc.keepalive_permit_without_calls': 0,
      'grpc.max_receive_message_length': max,
      'grpc.max_send_message_length': max,
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': opts.maxReconnectBackoffMs ?? 3_000,
    };
  }

  /** Whether TLS is on: PD HTTP and member URLs follow the same choice. */
  get secure(): boolean {
    return this.creds._isSecure();
  }

  /** The client of `ctor`'s service at `address` (host:port), created once. */
  client<C>(ctor: ClientCtor<C>, address: string): C {
    const key = `${ctor.serviceName}@${address}`;
    const found = this.clients.get(key);
    if (found) return found as C;
    let channel = this.channels.get(address);
    if (!channel) {
      channel = new Channel(address, this.creds, this.channelOptions);
      this.channels.set(address, channel);
    }
    const c = new ctor(address, this.creds, { ...this.channelOptions, channelOverride: channel });
    this.clients.set(key, c);
    return c;
  }

  /** Drops the channel of an address (its server moved or died) so the next call dials afresh. */
  forget(address: string): void {
    this.channels.get(address)?.close();
    this.channels.delete(address);
    for (const k of [...this.clients.keys()]) if (k.endsWith(`@${address}`)) this.clients.delete(k);
  }

  close(): void {
    for (const ch of this.channels.values()) ch.close();
    this.channels.clear();
    this.clients.clear();
  }
}

/** The last overload ts-proto generates for a unary method: (request, metadata, options, callback). */
export type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Res) => void,
) => ClientUnaryCall;

export interface CallContext {
  /** host:port of the server, for messages. */
  address: string;
  /** "PD GetRegion", "TiKV Download", …: for messages. */
  call: string;
  /** The call's deadline, relative to now. Every call has one. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * One unary call with a deadline; failures leave as ClusterError naming the call and the address.
 * `method` must be bound to its client (`c.getRegion.bind(c)`).
 */
export function callUnary<Req, Res>(method: UnaryMethod<Req, Res>, request: Req, ctx: CallContext): Promise<Res> {
  return new Promise<Res>((resolve, reject) => {
    if (ctx.signal?.aborted) {
      reject(toClusterError(ctx.signal.reason, ctx.address, ctx.call));
      return;
    }
    const call = method(request, new Metadata(), { deadline: Date.now() + ctx.timeoutMs }, (err, res) => {
      ctx.signal?.removeEventListener('abort', onAbort);
      if (err) {
        const e = toClusterError(err, ctx.address, ctx.call);
        reject(e);
      } else resolve(res);
    });
    const onAbort = (): void => call.cancel();
    ctx.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
