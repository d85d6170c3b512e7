import { Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { BinaryReader, BinaryWriter } from '@bufbuild/protobuf/wire';
import { Peer, PeerRole, Region, Store, StoreState, NodeState } from '../../src/proto/metapb';
import { ErrorType, GetMembersRequest, GetMembersResponse, ResponseHeader } from '../../src/proto/pdpb';

/**
 * TEST ONLY. Makes a real, empty PD "bootstrapped" the way a first TiKV does, so the calls that answer
 * ErrNotBootstrapped before that (stores, regions, schedulers, GC safepoints) can be compared with the
 * simulator: AllocID ×3 (store, region, peer), Bootstrap (one store, one region over the whole key space with one
 * peer), PutStore, one StoreHeartbeat and one RegionHeartbeat naming the peer as leader.
 *
 * brflow's generated pdpb (src/proto/pdpb.ts) holds only the calls brflow makes; these five belong to TiKV, so their
 * requests are written here field by field (kvproto pdpb field numbers) over metapb's generated encoders, rather
 * than widening the shipped proto for a test.
 */
export interface BootstrappedPd {
  clusterId: bigint;
  storeId: bigint;
  regionId: bigint;
  peerId: bigint;
  /** The address the store registered (nothing listens there: PD only records it). */
  storeAddress: string;
}

const DEADLINE_MS = 10_000;

type Encode = (w: BinaryWriter) => void;

function header(w: BinaryWriter, clusterId: bigint): void {
  // RequestHeader { cluster_id = 1 } as field 1 of every request.
  w.uint32(10).fork().uint32(8).uint64(clusterId).join();
}

function message(fields: Encode): Buffer {
  const w = new BinaryWriter();
  fields(w);
  return Buffer.from(w.finish());
}

/** Response header (field 1) and the uint64 fields the caller asks for. */
interface Decoded {
  header?: ResponseHeader;
  u64: Map<number, bigint>;
}

function decode(buf: Buffer): Decoded {
  const r = new BinaryReader(buf);
  const out: Decoded = { u64: new Map() };
  while (r.pos < r.len) {
    const tag = r.uint32();
    const field = tag >>> 3;
    if (field === 1 && (tag & 7) === 2) out.header = ResponseHeader.decode(r, r.uint32());
    else if ((tag & 7) === 0) out.u64.set(field, BigInt(r.uint64().toString()));
    else r.skip(tag & 7);
  }
  return out;
}

function check(call: string, d: Decoded): Decoded {
  const e = d.header?.error;
  if (e && e.type !== ErrorType.OK) throw new Error(`PD ${call}: ${ErrorType[e.type] ?? e.type}: ${e.message}`);
  return d;
}

function unary(client: Client, method: string, body: Buffer): Promise<Decoded> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      `/pdpb.PD/${method}`,
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      new Metadata(),
      { deadline: Date.now() + DEADLINE_MS },
      (err: ServiceError | null, res?: Buffer) => (err ? reject(err) : resolve(check(method, decode(res ?? Buffer.alloc(0))))),
    );
  });
}

/** Bootstraps the real PD at `address` (host:port) with one store and one region; returns their ids. */
export async function bootstrapRealPd(address: string, storeAddress = '127.0.0.1:1'): Promise<BootstrappedPd> {
  const client = new Client(address, credentials.createInsecure());
  try {
    const members = await new Promise<GetMembersResponse>((resolve, reject) => {
      client.makeUnaryRequest(
        '/pdpb.PD/GetMembers',
        (m: GetMembersRequest) => Buffer.from(GetMembersRequest.encode(m).finish()),
        (b: Buffer) => GetMembersResponse.decode(b),
        GetMembersRequest.fromPartial({}),
        new Metadata(),
        { deadline: Date.now() + DEADLINE_MS },
        (err: ServiceError | null, res?: GetMembersResponse) => (err || !res ? reject(err ?? new Error('no answer')) : resolve(res)),
      );
    });
    const clusterId = members.header?.clusterId ?? 0n;
    const alloc = async (): Promise<bigint> => (await unary(client, 'AllocID', message((w) => header(w, clusterId)))).u64.get(2) ?? 0n;
    const storeId = await alloc();
    const regionId = await alloc();
    const peerId = await alloc();
    const store = Store.fromPartial({
      id: storeId,
      address: storeAddress,
      state: StoreState.Up,
      nodeState: NodeState.Serving,
      version: '8.5.4',
      peerAddress: storeAddress,
      statusAddress: '127.0.0.1:2',
      startTimestamp: BigInt(Math.floor(Date.now() / 1000)),
    });
    const peer = Peer.fromPartial({ id: peerId, storeId, role: PeerRole.Voter });
    const region = Region.fromPartial({ id: regionId, regionEpoch: { confVer: 1n, version: 1n }, peers: [peer] });
    // BootstrapRequest { header 1, store 2, region 3 }
    await unary(client, 'Bootstrap', message((w) => {
      header(w, clusterId);
      Store.encode(store, w.uint32(18).fork()).join();
      Region.encode(region, w.uint32(26).fork()).join();
    }));
    // PutStoreRequest { header 1, store 2 }
    await unary(client, 'PutStore', message((w) => {
      header(w, clusterId);
      Store.encode(store, w.uint32(18).fork()).join();
    }));
    // StoreHeartbeatRequest { header 1, stats 2: StoreStats { store_id 1, capacity 2, available 3, region_count 4, start_time 7, used_size 10 } }
    const gib = 1024n ** 3n;
    await unary(client, 'StoreHeartbeat', message((w) => {
      header(w, clusterId);
      w.uint32(18).fork().uint32(8).uint64(storeId).uint32(16).uint64(100n * gib).uint32(24).uint64(90n * gib)
        .uint32(32).uint32(1).uint32(56).uint32(Math.floor(Date.now() / 1000)).uint32(80).uint64(gib).join();
    }));
    await regionHeartbeat(client, message((w) => {
      // RegionHeartbeatRequest { header 1, region 2, leader 3, approximate_size 10, term 14 }
      header(w, clusterId);
      Region.encode(region, w.uint32(18).fork()).join();
      Peer.encode(peer, w.uint32(26).fork()).join();
      w.uint32(80).uint64(1n).uint32(112).uint64(1n);
    }));
    await waitRegionKnown(address, regionId);
    await waitSchedulersStarted(address);
    return { clusterId, storeId, regionId, peerId, storeAddress };
  } finally {
    client.close();
  }
}

/** One message on the RegionHeartbeat stream; PD answers only when it has an operator, so no reply is awaited. */
function regionHeartbeat(client: Client, body: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = client.makeBidiStreamRequest(`/pdpb.PD/RegionHeartbeat`, (b: Buffer) => b, (b: Buffer) => b, new Metadata(), {
      deadline: Date.now() + DEADLINE_MS,
    });
    stream.on('error', (e: ServiceError) => (e.code === 1 ? resolve() : reject(e)));
    stream.on('data', () => undefined);
    stream.write(body, () => {
      // Give PD a moment to take the heartbeat in before the stream closes.
      setTimeout(() => {
        stream.end();
        stream.cancel();
      }, 200);
    });
  });
}

async function waitFor(what: string, probe: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + DEADLINE_MS;
  while (!(await probe())) {
    if (Date.now() > until) throw new Error(`bootstrap of a real PD: ${what} within ${DEADLINE_MS} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** PD handles region heartbeats asynchronously: wait until GET region/id/N shows the region. */
async function waitRegionKnown(address: string, regionId: bigint): Promise<void> {
  await waitFor(`region ${regionId} not shown`, async () => {
    const res = await fetch(`http://${address}/pd/api/v1/region/id/${regionId}`);
    const body = (await res.json()) as { id?: number } | null;
    return res.ok && body?.id === Number(regionId);
  });
}

/** The scheduling coordinator starts a moment after bootstrap; until then the scheduler list is empty. */
async function waitSchedulersStarted(address: string): Promise<void> {
  await waitFor('schedulers not started', async () => {
    const res = await fetch(`http://${address}/pd/api/v1/schedulers`);
    return res.ok && ((await res.json()) as string[]).includes('balance-leader-scheduler');
  });
}
