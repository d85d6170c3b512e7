import { credentials, Metadata, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import type { Region, Store } from '../proto/metapb';
import {
  ErrorType,
  PDClient,
  type RegionHeartbeatRequest,
  type RegionHeartbeatResponse,
  type RequestHeader,
  type ResponseHeader,
  type StoreStats,
} from '../proto/pdpb';
import type { SplitIds } from './cluster-state';

/** Deadline of each call a store makes to PD (TiKV's pd client uses a few seconds too). */
const PD_CALL_TIMEOUT_MS = 5000;
const MAX_MESSAGE_BYTES = 128 * 1024 * 1024;

/** A PD answered with an error in its response header (e.g. ALREADY_BOOTSTRAPPED). */
export class PdHeaderError extends Error {
  constructor(
    readonly call: string,
    readonly type: ErrorType,
    message: string,
  ) {
    super(`PD ${call}: ${ErrorType[type] ?? type}: ${message}`);
  }
}

type Unary<Req, Res> = (req: Req, md: Metadata, opts: { deadline: number }, cb: (err: ServiceError | null, res: Res) => void) => unknown;

/**
 * The PD calls a TiKV store makes (pdpb over gRPC): what the simulator's stores need to join a real PD.
 * Connects to the member GetMembers names as leader and stamps every request with the cluster ID it reports.
 * Like TiKV's pd client, it follows the leader: a call that fails on the wire (the leader died, or stepped down
 * and answers "not leader") asks the members who leads now, moves there and is sent once more; a broken
 * RegionHeartbeat stream asks too, so the stream the store reopens goes to the new leader.
 */
export class PdStoreClient {
  /** The members' host:port as last learned from GetMembers (the endpoint first given among them). */
  private members: string[];
  /** The leader lookup in flight: concurrent failures share one. */
  private following: Promise<void> | undefined;
  /** RegionHeartbeat streams open on the current leader's connection. */
  private readonly streams = new Set<ClientDuplexStream<RegionHeartbeatRequest, RegionHeartbeatResponse>>();
  private closed = false;

  private constructor(
    private client: PDClient,
    /** host:port of the PD leader as last learned. */
    private current: string,
    readonly clusterId: bigint,
    members: string[],
  ) {
    this.members = members;
  }

  /** Asks `endpoint` (host:port or URL) for the members and connects to the leader. */
  static async connect(endpoint: string): Promise<PdStoreClient> {
    const found = await askMembers([hostPort(endpoint)]);
    if (found.clusterId === 0n) throw new Error(`PD at ${endpoint} reported no cluster id`);
    const address = found.leader ?? hostPort(endpoint);
    return new PdStoreClient(newClient(address), address, found.clusterId, found.members);
  }

  /** host:port of the PD leader as last learned. */
  get address(): string {
    return this.current;
  }

  /** host:port of every PD member as last learned, the leader first: what a client of this cluster is given. */
  get endpoints(): string[] {
    return [this.current, ...this.members.filter((m) => m !== this.current)];
  }

  async allocId(): Promise<number> {
    const res = await this.unary('AllocID', (c) => c.allocId.bind(c), { header: this.header() });
    return Number(res.id);
  }

  async isBootstrapped(): Promise<boolean> {
    const res = await this.unary('IsBootstrapped', (c) => c.isBootstrapped.bind(c), { header: this.header() });
    return res.bootstrapped;
  }

  async bootstrap(store: Store, region: Region): Promise<void> {
    await this.unary('Bootstrap', (c) => c.bootstrap.bind(c), { header: this.header(), store, region });
  }

  async putStore(store: Store): Promise<void> {
    await this.unary('PutStore', (c) => c.putStore.bind(c), { header: this.header(), store });
  }

  async storeHeartbeat(stats: StoreStats): Promise<void> {
    await this.unary('StoreHeartbeat', (c) => c.storeHeartbeat.bind(c), { header: this.header(), stats });
  }

  /** New region and peer IDs for splitting `region` into `count` + 1 regions. */
  async askBatchSplit(region: Region, count: number): Promise<SplitIds[]> {
    const res = await this.unary('AskBatchSplit', (c) => c.askBatchSplit.bind(c), { header: this.header(), region, splitCount: count });
    return res.ids.map((x) => ({ regionId: Number(x.newRegionId), peerIds: x.newPeerIds.map(Number) }));
  }

  async reportBatchSplit(regions: Region[]): Promise<void> {
    await this.unary('ReportBatchSplit', (c) => c.reportBatchSplit.bind(c), { header: this.header(), regions });
  }

  /** A RegionHeartbeat stream to the leader; the caller owns it (end/cancel on stop). */
  openRegionHeartbeat(): ClientDuplexStream<RegionHeartbeatRequest, RegionHeartbeatResponse> {
    const stream = this.client.regionHeartbeat();
    this.streams.add(stream);
    const gone = () => this.streams.delete(stream);
    // A stream breaks when its PD dies or stops leading: find out who leads before the store reopens it.
    stream.on('error', () => {
      gone();
      void this.followLeader().catch(() => undefined);
    });
    stream.on('end', gone);
    stream.on('close', gone);
    return stream;
  }

  header(): RequestHeader {
    return storeHeader(this.clusterId);
  }

  close(): void {
    this.closed = true;
    this.client.close();
  }

  /**
   * Asks the members who leads and moves there when it is another member. No leader yet (an election under way)
   * keeps the current one: the next call fails and asks again, as the store's next heartbeat does.
   */
  private followLeader(): Promise<void> {
    // Closing cancels the streams, which reach here as errors: nothing to follow any more.
    if (this.closed) return Promise.resolve();
    this.following ??= (async () => {
      try {
        const found = await askMembers(this.endpoints);
        if (found.clusterId !== this.clusterId) throw new Error(`PD members now report cluster ${found.clusterId}, not ${this.clusterId}`);
        if (found.members.length > 0) this.members = found.members;
        if (this.closed || !found.leader || found.leader === this.current) return;
        const old = this.client;
        this.client = newClient(found.leader);
        this.current = found.leader;
        // A leader that hangs (its host gone silent) never breaks the streams open on it: region heartbeats sent
        // there reach nobody, and the new leader would keep the regions as they were at the change. TiKV's pd
        // client rebuilds its heartbeat stream on every reconnect; cancelling ours makes the stores reopen them
        // here (the cancel reaches their owners as an error).
        for (const st of [...this.streams]) st.cancel();
        this.streams.clear();
        old.close();
      } finally {
        this.following = undefined;
      }
    })();
    return this.following;
  }

  /** One call to the leader; a failure on the wire follows the leader and sends it once more. */
  private async unary<Req, Res extends { header?: ResponseHeader | undefined }>(name: string, pick: (c: PDClient) => Unary<Req, Res>, req: Req): Promise<Res> {
    const sentTo = this.current;
    try {
      return await callPd(name, sentTo, pick(this.client), req);
    } catch (e) {
      // A header error is PD's answer (NOT_BOOTSTRAPPED, …): another member would answer the same.
      if (e instanceof PdHeaderError || this.closed) throw e;
      await this.followLeader().catch(() => undefined);
      if (this.current === sentTo) throw e;
      return callPd(name, this.current, pick(this.client), req);
    }
  }
}

/** The header a store stamps on its PD requests (cluster id 0 before GetMembers told it). */
function storeHeader(clusterId: bigint): RequestHeader {
  return { clusterId, senderId: 0n, callerId: 'brflow-simulator', callerComponent: 'tikv' };
}

/** One unary PD call with its deadline; the response header's error (when `checkHeader`) is a PdHeaderError. */
function callPd<Req, Res extends { header?: ResponseHeader | undefined }>(name: string, address: string, method: Unary<Req, Res>, req: Req, checkHeader = true): Promise<Res> {
  return new Promise((resolve, reject) => {
    method(req, new Metadata(), { deadline: Date.now() + PD_CALL_TIMEOUT_MS }, (err, res) => {
      if (err) return reject(new Error(`PD ${name} at ${address}: ${err.message}`, { cause: err }));
      const e = res.header?.error;
      if (checkHeader && e && e.type !== ErrorType.OK) return reject(new PdHeaderError(name, e.type, e.message));
      resolve(res);
    });
  });
}

/**
 * GetMembers on each endpoint in turn until one answers: the cluster id, the leader's host:port (none during an
 * election) and every member's.
 */
async function askMembers(endpoints: readonly string[]): Promise<{ clusterId: bigint; leader?: string; members: string[] }> {
  let lastError: unknown = new Error('no PD endpoint given');
  for (const address of endpoints) {
    const client = newClient(address);
    try {
      const res = await callPd('GetMembers', address, client.getMembers.bind(client), { header: storeHeader(0n) }, false);
      const leaderUrl = res.leader?.clientUrls[0];
      return {
        clusterId: res.header?.clusterId ?? 0n,
        ...(leaderUrl ? { leader: hostPort(leaderUrl) } : {}),
        members: res.members.flatMap((m) => (m.clientUrls[0] ? [hostPort(m.clientUrls[0])] : [])),
      };
    } catch (e) {
      lastError = e;
    } finally {
      client.close();
    }
  }
  throw lastError;
}

function newClient(address: string): PDClient {
  return new PDClient(address, credentials.createInsecure(), {
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  });
}

/** host:port of a PD endpoint given as host:port or http(s)://host:port[/]. */
export function hostPort(endpoint: string): string {
  return endpoint.replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, '');
}
