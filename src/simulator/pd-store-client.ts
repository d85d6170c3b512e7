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
 */
export class PdStoreClient {
  private constructor(
    private readonly client: PDClient,
    /** host:port of the PD leader. */
    readonly address: string,
    readonly clusterId: bigint,
  ) {}

  /** Asks `endpoint` (host:port or URL) for the members and connects to the leader. */
  static async connect(endpoint: string): Promise<PdStoreClient> {
    const first = new PdStoreClient(newClient(hostPort(endpoint)), hostPort(endpoint), 0n);
    let leaderUrl: string | undefined;
    let clusterId = 0n;
    try {
      const res = await first.unary('GetMembers', first.client.getMembers.bind(first.client), { header: first.header() }, false);
      clusterId = res.header?.clusterId ?? 0n;
      leaderUrl = res.leader?.clientUrls[0];
    } finally {
      first.close();
    }
    if (clusterId === 0n) throw new Error(`PD at ${endpoint} reported no cluster id`);
    const address = hostPort(leaderUrl ?? endpoint);
    return new PdStoreClient(newClient(address), address, clusterId);
  }

  async allocId(): Promise<number> {
    const res = await this.unary('AllocID', this.client.allocId.bind(this.client), { header: this.header() });
    return Number(res.id);
  }

  async isBootstrapped(): Promise<boolean> {
    const res = await this.unary('IsBootstrapped', this.client.isBootstrapped.bind(this.client), { header: this.header() });
    return res.bootstrapped;
  }

  async bootstrap(store: Store, region: Region): Promise<void> {
    await this.unary('Bootstrap', this.client.bootstrap.bind(this.client), { header: this.header(), store, region });
  }

  async putStore(store: Store): Promise<void> {
    await this.unary('PutStore', this.client.putStore.bind(this.client), { header: this.header(), store });
  }

  async storeHeartbeat(stats: StoreStats): Promise<void> {
    await this.unary('StoreHeartbeat', this.client.storeHeartbeat.bind(this.client), { header: this.header(), stats });
  }

  /** New region and peer IDs for splitting `region` into `count` + 1 regions. */
  async askBatchSplit(region: Region, count: number): Promise<SplitIds[]> {
    const res = await this.unary('AskBatchSplit', this.client.askBatchSplit.bind(this.client), { header: this.header(), region, splitCount: count });
    return res.ids.map((x) => ({ regionId: Number(x.newRegionId), peerIds: x.newPeerIds.map(Number) }));
  }

  async reportBatchSplit(regions: Region[]): Promise<void> {
    await this.unary('ReportBatchSplit', this.client.reportBatchSplit.bind(this.client), { header: this.header(), regions });
  }

  /** A RegionHeartbeat stream; the caller owns it (end/cancel on stop). */
  openRegionHeartbeat(): ClientDuplexStream<RegionHeartbeatRequest, RegionHeartbeatResponse> {
    return this.client.regionHeartbeat();
  }

  header(): RequestHeader {
    return { clusterId: this.clusterId, senderId: 0n, callerId: 'brflow-simulator', callerComponent: 'tikv' };
  }

  close(): void {
    this.client.close();
  }

  private unary<Req, Res extends { header?: ResponseHeader | undefined }>(name: string, method: Unary<Req, Res>, req: Req, checkHeader = true): Promise<Res> {
    return new Promise((resolve, reject) => {
      method(req, new Metadata(), { deadline: Date.now() + PD_CALL_TIMEOUT_MS }, (err, res) => {
        if (err) return reject(new Error(`PD ${name} at ${this.address}: ${err.message}`, { cause: err }));
        const e = res.header?.error;
        if (checkHeader && e && e.type !== ErrorType.OK) return reject(new PdHeaderError(name, e.type, e.message));
        resolve(res);
      });
    });
  }
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
