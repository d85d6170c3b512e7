import type { ClientDuplexStream } from '@grpc/grpc-js';
import { PD_GRPC_RETRY, retry, type RetryPolicy } from './backoff';
import { ClusterError, classifyError, classifyPdHeaderError, classifyPdMessage } from './errors';
import { callUnary, GrpcChannels, PD_MAX_MESSAGE_BYTES } from './grpc-channel';
import { parsePdEndpoints, pdHostPort } from './pd-address';
import type { TlsOptions } from './tls';
import {
  ErrorType as PdErrorType,
  GetAllStoresRequest,
  GetGCSafePointRequest,
  GetMembersRequest,
  type GetMembersResponse,
  GetOperatorRequest,
  GetRegionByIDRequest,
  GetRegionRequest,
  type GetRegionResponse,
  GetStoreRequest,
  OperatorStatus,
  PDClient as PdGrpcClient,
  RequestHeader,
  type ResponseHeader,
  ScanRegionsRequest,
  ScatterRegionRequest,
  TsoRequest,
  type TsoResponse,
  UpdateServiceGCSafePointRequest,
} from '../proto/pdpb';
import { type Peer, type Region, type Store, StoreState } from '../proto/metapb';

/** PD client timeout per call (BR v5.3 pd.WithCustomTimeoutOption(10 s)). */
export const PD_CALL_TIMEOUT_MS = 10_000;

/** A region and the peer PD believes leads it (absent when PD does not know yet). */
export interface RegionInfo {
  region: Region;
  leader?: Peer;
}

export interface OperatorInfo {
  regionId: bigint;
  /** e.g. "scatter-region". */
  desc: string;
  status: OperatorStatus;
}

/** PD's answer to a batch scatter. */
export interface BatchScatterResult {
  /** Share of the regions PD placed scatter operators for, 0–100. */
  finishedPercentage: number;
  /** The regions it could not scatter: filled only by PD ≥ v8.5.5; older PDs leave it empty whatever happened. */
  failedRegionIds: bigint[];
}

export interface PdClientOptions {
  /** PD endpoints, host:port or URLs; any member will do, calls follow the leader. */
  endpoints: string | readonly string[];
  tls?: TlsOptions;
  /** Deadline of every call. @default PD_CALL_TIMEOUT_MS */
  timeoutMs?: number;
  /** Retry across members on unavailable / not-leader. @default PD_GRPC_RETRY */
  retry?: RetryPolicy;
  /** How long connectPd keeps trying before it gives up. @default 10_000 */
  connectTimeoutMs?: number;
}

/**
 * The PD calls a restore needs. Keys are memcomparable-encoded (as PD stores them); 64-bit values are bigint.
 * Every call has a deadline and follows the PD leader.
 */
export interface PdClient {
  readonly clusterId: bigint;
  /** The leader's host:port as last seen. */
  readonly leaderAddress: string;
  /** One TSO (physical ms << 18 | logical); concurrent callers share one request on the Tso stream. */
  getTs(): Promise<bigint>;
  /** Serving TiKV stores: tombstones always skipped, TiFlash (label engine=tiflash) skipped unless asked for. */
  getAllStores(opts?: { includeTiFlash?: boolean }): Promise<Store[]>;
  /** Stores labelled engine=tiflash, tombstones left out (BR GetAllTiKVStores(TiFlashOnly)): how many TiFlash replicas a table can have. */
  countTiFlashStores(): Promise<number>;
  getStore(storeId: bigint): Promise<Store>;
  /** The region containing an encoded key; undefined if PD knows none. */
  getRegion(encodedKey: Uint8Array): Promise<RegionInfo | undefined>;
  getRegionById(regionId: bigint): Promise<RegionInfo | undefined>;
  /** One page of regions overlapping [start, end) (encoded keys, empty end = +∞). */
  scanRegions(start: Uint8Array, end: Uint8Array, limit: number): Promise<RegionInfo[]>;
  /** Asks PD to scatter one region; throws ClusterError on a PD error. */
  scatterRegion(regionId: bigint): Promise<void>;
  /**
   * Newer PD's batch scatter (regions_id, retry_limit, skip_store_limit, as BR ≥ v6 sends it). gRPC UNIMPLEMENTED
   * from an old PD surfaces as ClusterError 'unimplemented'.
   */
  scatterRegions(regionIds: readonly bigint[]): Promise<BatchScatterResult>;
  /** The running/finished operator of a region; undefined when PD has none (REGION_NOT_FOUND). */
  getOperator(regionId: bigint): Promise<OperatorInfo | undefined>;
  /** Sets (ttl > 0) or removes (ttl ≤ 0) a service GC safepoint; returns PD's min service safepoint after it. */
  updateServiceGcSafePoint(serviceId: string, ttlSeconds: number, safePoint: bigint): Promise<bigint>;
  getGcSafePoint(): Promise<bigint>;
  close(): void;
}

/** Connects to PD: finds the cluster id and leader through GetMembers on any endpoint. */
export async function connectPd(opts: PdClientOptions): Promise<PdClient> {
  const endpoints = parsePdEndpoints(opts.endpoints);
  if (endpoints.length === 0) throw new ClusterError('(none)', 'PD connect', { kind: 'rejected', retryable: false, detail: 'no PD endpoint given; pass --pd host:port' });
  const c = new PdClientImpl(endpoints, opts);
  try {
    await retry(() => c.refreshMembers(), { ...(opts.retry ?? PD_GRPC_RETRY), totalMs: opts.connectTimeoutMs ?? 10_000 }, (e) => classifyError(e).retryable);
  } catch (e) {
    c.close();
    throw e;
  }
  return c;
}

function headerOf(r: { header?: ResponseHeader | undefined }): ResponseHeader | undefined {
  return r.header;
}

class PdClientImpl implements PdClient {
  clusterId = 0n;
  leaderAddress: string;
  private members: string[];
  private readonly channels: GrpcChannels;
  private readonly timeoutMs: number;
  private readonly policy: RetryPolicy;
  private tso?: TsoStream;

  constructor(endpoints: string[], opts: PdClientOptions) {
    this.members = endpoints;
    this.leaderAddress = endpoints[0] as string;
    this.channels = new GrpcChannels({ ...(opts.tls ? { tls: opts.tls } : {}), maxMessageBytes: PD_MAX_MESSAGE_BYTES });
    this.timeoutMs = opts.timeoutMs ?? PD_CALL_TIMEOUT_MS;
    this.policy = opts.retry ?? PD_GRPC_RETRY;
  }

  /**
   * Asks each known member for the member list; the first answer sets cluster id and leader. The leader as last
   * known is asked first, unless it is `suspect` (a call to it just failed on the wire): a member whose host hangs
   * would cost this lookup a whole call deadline before another member is asked.
   */
  async refreshMembers(suspect?: string): Promise<void> {
    let last: unknown;
    const others = this.members.filter((m) => m !== this.leaderAddress);
    const order = suspect !== undefined && suspect === this.leaderAddress ? [...others, this.leaderAddress] : [this.leaderAddress, ...others];
    for (const addr of order) {
      try {
        const c = this.channels.client(PdGrpcClient, addr);
        const res: GetMembersResponse = await callUnary(c.getMembers.bind(c), GetMembersRequest.fromPartial({}), {
          address: addr,
          call: 'PD GetMembers',
          timeoutMs: this.timeoutMs,
        });
        this.checkHeader(headerOf(res), addr, 'PD GetMembers');
        const leaderUrl = res.leader?.clientUrls[0];
        if (!leaderUrl) throw new ClusterError(addr, 'PD GetMembers', { kind: 'unavailable', retryable: true, detail: 'PD has no leader yet' });
        this.clusterId = res.header?.clusterId ?? 0n;
        const leader = pdHostPort(leaderUrl);
        // Callers waiting on the old leader's stream retry on the new one (retryable, unlike close()).
        if (leader !== this.leaderAddress) this.tso?.abandon(`PD leader moved to ${leader}`);
        this.leaderAddress = leader;
        const known = res.members.flatMap((m) => m.clientUrls.slice(0, 1).map(pdHostPort));
        this.members = [...new Set([leader, ...known, ...this.members])];
        return;
      } catch (e) {
        last = e;
      }
    }
    throw last;
  }

  private header(): RequestHeader {
    return RequestHeader.fromPartial({ clusterId: this.clusterId, callerId: 'brflow', callerComponent: 'restore' });
  }

  private checkHeader(h: ResponseHeader | undefined, addr: string, call: string): void {
    const err = h?.error;
    if (!err || err.type === PdErrorType.OK) return;
    const msg = err.message || PdErrorType[err.type] || String(err.type);
    throw new ClusterError(addr, call, classifyPdHeaderError(PdErrorType[err.type] ?? String(err.type), msg));
  }

  /**
   * `retry` over a call to the leader as last known. Before each later try the leader is looked up again, asking the
   * other members first when the try before got no answer from the leader (failed on the wire, not by what PD
   * said). `answered` checks what PD said (header errors), after that point.
   */
  private retryOnLeader<T>(wire: (addr: string) => Promise<T>, shouldRetry: (e: unknown) => boolean, answered?: (res: T, addr: string) => void): Promise<T> {
    let failedOn: string | undefined;
    return retry(
      async (attempt) => {
        if (attempt > 1) await this.refreshMembers(failedOn).catch(() => undefined);
        const addr = this.leaderAddress;
        failedOn = addr;
        const res = await wire(addr);
        failedOn = undefined;
        answered?.(res, addr);
        return res;
      },
      this.policy,
      shouldRetry,
    );
  }

  /** Runs a call on the leader; on unavailable/not-leader it re-learns the leader and tries again. */
  private async onLeader<Res extends { header?: ResponseHeader | undefined }>(
    call: string,
    fn: (c: PdGrpcClient, addr: string) => Promise<Res>,
    acceptHeaderError?: (h: ResponseHeader) => boolean,
  ): Promise<Res> {
    return this.retryOnLeader(
      (addr) => fn(this.channels.client(PdGrpcClient, addr), addr).catch((e: unknown) => {
        // PD also reports some region states as a bare gRPC UNKNOWN status (v8.5.4 ScatterRegion does).
        const c = classifyError(e);
        const known = c.kind === 'unknown' ? classifyPdMessage(c.detail) : undefined;
        throw known ? new ClusterError(addr, call, { ...known, ...(c.grpcCode !== undefined ? { grpcCode: c.grpcCode } : {}) }) : e;
      }),
      (e) => {
        const k = classifyError(e);
        return k.retryable && (k.kind === 'unavailable' || k.kind === 'deadline' || k.kind === 'not-leader');
      },
      (res, addr) => {
        const h = headerOf(res);
        if (!(h && acceptHeaderError?.(h))) this.checkHeader(h, addr, call);
      },
    );
  }

  private ctx(addr: string, call: string): { address: string; call: string; timeoutMs: number } {
    return { address: addr, call, timeoutMs: this.timeoutMs };
  }

  getTs(): Promise<bigint> {
    return this.retryOnLeader((addr) => {
      if (!this.tso || this.tso.closed || this.tso.address !== addr) {
        this.tso?.close();
        this.tso = new TsoStream(this.channels.client(PdGrpcClient, addr), addr, () => this.header(), this.timeoutMs, (h) =>
          this.checkHeader(h, addr, 'PD Tso'),
        );
      }
      return this.tso.next();
    }, (e) => classifyError(e).retryable);
  }

  async getAllStores(opts: { includeTiFlash?: boolean } = {}): Promise<Store[]> {
    const res = await this.onLeader('PD GetAllStores', (c, a) =>
      callUnary(c.getAllStores.bind(c), GetAllStoresRequest.fromPartial({ header: this.header(), excludeTombstoneStores: true }), this.ctx(a, 'PD GetAllStores')),
    );
    return res.stores.filter((s) => s.state !== StoreState.Tombstone && (opts.includeTiFlash || !isTiFlash(s)));
  }

  async countTiFlashStores(): Promise<number> {
    return (await this.getAllStores({ includeTiFlash: true })).filter(isTiFlash).length;
  }

  async getStore(storeId: bigint): Promise<Store> {
    const res = await this.onLeader('PD GetStore', (c, a) =>
      callUnary(c.getStore.bind(c), GetStoreRequest.fromPartial({ header: this.header(), storeId }), this.ctx(a, 'PD GetStore')),
    );
    if (!res.store) throw new ClusterError(this.leaderAddress, 'PD GetStore', { kind: 'not-found', retryable: false, detail: `PD knows no store ${storeId}` });
    return res.store;
  }

  async getRegion(encodedKey: Uint8Array): Promise<RegionInfo | undefined> {
    const res = await this.onLeader('PD GetRegion', (c, a) =>
      callUnary(c.getRegion.bind(c), GetRegionRequest.fromPartial({ header: this.header(), regionKey: Buffer.from(encodedKey) }), this.ctx(a, 'PD GetRegion')),
      isRegionNotFound,
    );
    return regionInfo(res);
  }

  async getRegionById(regionId: bigint): Promise<RegionInfo | undefined> {
    const res = await this.onLeader('PD GetRegionByID', (c, a) =>
      callUnary(c.getRegionById.bind(c), GetRegionByIDRequest.fromPartial({ header: this.header(), regionId }), this.ctx(a, 'PD GetRegionByID')),
      isRegionNotFound,
    );
    return regionInfo(res);
  }

  async scanRegions(start: Uint8Array, end: Uint8Array, limit: number): Promise<RegionInfo[]> {
    const res = await this.onLeader('PD ScanRegions', (c, a) =>
      callUnary(
        c.scanRegions.bind(c),
        ScanRegionsRequest.fromPartial({ header: this.header(), startKey: Buffer.from(start), endKey: Buffer.from(end), limit }),
        this.ctx(a, 'PD ScanRegions'),
      ),
    );
    // Newer PDs fill `regions`; older ones only region_metas + leaders (same index).
    if (res.regions.length > 0) {
      return res.regions.filter((r) => r.region).map((r) => withLeader(r.region as Region, r.leader));
    }
    return res.regionMetas.map((r, i) => withLeader(r, res.leaders[i]));
  }

  async scatterRegion(regionId: bigint): Promise<void> {
    await this.onLeader('PD ScatterRegion', (c, a) =>
      callUnary(c.scatterRegion.bind(c), ScatterRegionRequest.fromPartial({ header: this.header(), regionId }), this.ctx(a, 'PD ScatterRegion')),
    );
  }

  async scatterRegions(regionIds: readonly bigint[]): Promise<BatchScatterResult> {
    const res = await this.onLeader('PD ScatterRegion(batch)', (c, a) =>
      callUnary(
        c.scatterRegion.bind(c),
        ScatterRegionRequest.fromPartial({ header: this.header(), regionsId: [...regionIds], retryLimit: 3n, skipStoreLimit: true }),
        this.ctx(a, 'PD ScatterRegion(batch)'),
      ),
    );
    return { finishedPercentage: Number(res.finishedPercentage), failedRegionIds: res.failedRegionsId };
  }

  async getOperator(regionId: bigint): Promise<OperatorInfo | undefined> {
    const res = await this.onLeader(
      'PD GetOperator',
      (c, a) => callUnary(c.getOperator.bind(c), GetOperatorRequest.fromPartial({ header: this.header(), regionId }), this.ctx(a, 'PD GetOperator')),
      isRegionNotFound,
    );
    if (isRegionNotFound(res.header)) return undefined;
    return { regionId: res.regionId, desc: Buffer.from(res.desc).toString('utf8'), status: res.status };
  }

  async updateServiceGcSafePoint(serviceId: string, ttlSeconds: number, safePoint: bigint): Promise<bigint> {
    const res = await this.onLeader('PD UpdateServiceGCSafePoint', (c, a) =>
      callUnary(
        c.updateServiceGcSafePoint.bind(c),
        UpdateServiceGCSafePointRequest.fromPartial({ header: this.header(), serviceId: Buffer.from(serviceId, 'utf8'), TTL: BigInt(Math.trunc(ttlSeconds)), safePoint }),
        this.ctx(a, 'PD UpdateServiceGCSafePoint'),
      ),
    );
    return res.minSafePoint;
  }

  async getGcSafePoint(): Promise<bigint> {
    const res = await this.onLeader('PD GetGCSafePoint', (c, a) =>
      callUnary(c.getGcSafePoint.bind(c), GetGCSafePointRequest.fromPartial({ header: this.header() }), this.ctx(a, 'PD GetGCSafePoint')),
    );
    return res.safePoint;
  }

  close(): void {
    this.tso?.close();
    this.channels.close();
  }
}

function isRegionNotFound(h: ResponseHeader | undefined): boolean {
  return h?.error?.type === PdErrorType.REGION_NOT_FOUND;
}

function withLeader(region: Region, leader: Peer | undefined): RegionInfo {
  return leader && leader.id !== 0n ? { region, leader } : { region };
}

function regionInfo(res: GetRegionResponse): RegionInfo | undefined {
  if (isRegionNotFound(res.header) || !res.region) return undefined;
  return withLeader(res.region, res.leader);
}

/** TiFlash registers with PD as a store labelled engine=tiflash; BR never sends it import or split RPCs. */
export function isTiFlash(s: Store): boolean {
  return s.labels.some((l) => l.key === 'engine' && l.value === 'tiflash');
}

interface TsoWaiter {
  resolve: (ts: bigint) => void;
  reject: (e: unknown) => void;
}

/**
 * PD's TSO bidi stream with batching: callers arriving while a request is in flight are collected and served by
 * the next request (count = n). PD answers with the largest timestamp of the batch, so the batch is the n
 * logicals ending at it. Responses come back in request order.
 */
class TsoStream {
  closed = false;
  private readonly stream: ClientDuplexStream<TsoRequest, TsoResponse>;
  private waiting: TsoWaiter[] = [];
  private readonly inflight: { batch: TsoWaiter[]; timer: NodeJS.Timeout }[] = [];

  constructor(
    client: PdGrpcClient,
    readonly address: string,
    private readonly header: () => RequestHeader,
    private readonly timeoutMs: number,
    private readonly checkHeader: (h: ResponseHeader | undefined) => void,
  ) {
    this.stream = client.tso();
    this.stream.on('data', (r: TsoResponse) => this.onData(r));
    this.stream.on('error', (e) => this.fail(new ClusterError(address, 'PD Tso', classifyError(e))));
    this.stream.on('end', () => this.fail(new ClusterError(address, 'PD Tso', { kind: 'unavailable', retryable: true, detail: 'TSO stream ended' })));
  }

  next(): Promise<bigint> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      // One request per turn of the event loop carries everyone who asked in the meantime.
      if (this.waiting.length === 1 && this.inflight.length === 0) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    if (this.closed || this.waiting.length === 0) return;
    const batch = this.waiting;
    this.waiting = [];
    const timer = setTimeout(() => {
      this.fail(new ClusterError(this.address, 'PD Tso', { kind: 'deadline', retryable: true, detail: `no TSO within ${this.timeoutMs} ms` }));
    }, this.timeoutMs);
    this.inflight.push({ batch, timer });
    this.stream.write(TsoRequest.fromPartial({ header: this.header(), count: batch.length }));
  }

  private onData(r: TsoResponse): void {
    const head = this.inflight.shift();
    if (!head) return;
    clearTimeout(head.timer);
    try {
      this.checkHeader(r.header);
      const ts = r.timestamp;
      if (!ts || r.count !== head.batch.length) {
        throw new ClusterError(this.address, 'PD Tso', { kind: 'pd-error', retryable: true, detail: `asked for ${head.batch.length} timestamps, got ${r.count}` });
      }
      const first = ts.logical - BigInt(r.count) + 1n;
      head.batch.forEach((w, i) => w.resolve((ts.physical << 18n) | (first + BigInt(i))));
    } catch (e) {
      head.batch.forEach((w) => w.reject(e));
    }
    if (this.inflight.length === 0) this.flush();
  }

  private fail(e: unknown): void {
    if (this.closed) return;
    this.closed = true;
    for (const f of this.inflight.splice(0)) {
      clearTimeout(f.timer);
      f.batch.forEach((w) => w.reject(e));
    }
    this.waiting.splice(0).forEach((w) => w.reject(e));
    this.stream.cancel();
  }

  close(): void {
    this.fail(new ClusterError(this.address, 'PD Tso', { kind: 'cancelled', retryable: false, detail: 'client closed' }));
  }

  /** Ends the stream with a retryable error, so waiting callers retry elsewhere. */
  abandon(why: string): void {
    this.fail(new ClusterError(this.address, 'PD Tso', { kind: 'unavailable', retryable: true, detail: why }));
  }
}
