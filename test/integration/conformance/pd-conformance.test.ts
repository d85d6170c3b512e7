import { credentials, type ServiceError } from '@grpc/grpc-js';
import {
  GetAllStoresRequest,
  GetGCSafePointRequest,
  GetMembersRequest,
  GetOperatorRequest,
  GetRegionByIDRequest,
  GetRegionRequest,
  GetStoreRequest,
  PDClient,
  RequestHeader,
  ScanRegionsRequest,
  ScatterRegionRequest,
  TsoRequest,
  type TsoResponse,
  UpdateServiceGCSafePointRequest,
} from '../../../src/proto/pdpb';
import type { RealPd } from '../../../src/local-stack/real-pd';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/server';
import { bootstrapRealPd } from '../../support/bootstrap-real-pd';
import { startRealPdForTest } from '../../support/real-parts';

/**
 * The simulator's PD against the real PD v8.5.4, call for call. Each case is a request brflow makes (src/cluster/
 * pd.ts over gRPC; pd-http.ts / pd-config.ts over HTTP), sent as brflow sends it to both, in the same order, and
 * the answers must be equal once the few things that legitimately differ are normalised (ids PD allocates,
 * addresses, clocks, the cluster id). Cases run against an unbootstrapped pair (a PD no TiKV has joined yet) and
 * a bootstrapped pair (real: test/support/bootstrap-real-pd.ts, one store and one one-peer region; simulator: one
 * store). When they differ, the simulator is what gets fixed.
 */

/** What each side's ids are, so the normalisers can name them instead of comparing numbers PD allocated. */
interface Ids {
  store: bigint;
  region: bigint;
  peer: bigint;
}

interface Side {
  address: string;
  client: PDClient;
  header: RequestHeader;
  ids: Ids;
}

type HttpCase = { name: string; http: { method: 'GET' | 'POST' | 'DELETE'; path: string; body?: unknown }; wait?: number; normalise?: (body: unknown) => unknown };
type GrpcCase = { name: string; grpc: (s: Side) => Promise<unknown>; normalise?: (res: unknown, ids: Ids) => unknown };
type Case = HttpCase | GrpcCase;

// ---- normalisers: small and explicit ----

/** PD lists schedulers in no fixed order. */
const sorted = (v: unknown): unknown => (Array.isArray(v) ? [...(v as string[])].sort() : v);

/** The cluster id differs per PD (and appears in cluster-id mismatch messages). */
const noClusterId = (s: string): string => s.replace(/\d{6,}/g, '<cluster-id>');

/** Names PD-allocated ids, drops clocks and addresses, turns bytes into text: what stays is what brflow reads. */
function plain(v: unknown, ids: Ids): unknown {
  if (typeof v === 'bigint') {
    if (v === ids.store) return '<store>';
    if (v === ids.region) return '<region>';
    if (v === ids.peer) return '<peer>';
    return v.toString();
  }
  // PD's messages name the region ("region 2 is not fully replicated").
  if (typeof v === 'string') return v.replace(new RegExp(`\\bregion ${ids.region}\\b`, 'g'), 'region <region>');
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (Array.isArray(v)) return v.map((x) => plain(x, ids));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === 'clusterId') continue;
      if (k === 'startTimestamp' || k === 'lastHeartbeat') out[k] = '<time>';
      else if (k === 'address' || k === 'peerAddress' || k === 'statusAddress') out[k] = x === '' ? '' : '<address>';
      else out[k] = plain(x, ids);
    }
    return out;
  }
  return v;
}

/** A gRPC failure as the code and PD's message. */
function grpcFailure(e: unknown): unknown {
  const se = e as ServiceError;
  return { grpcError: se.code, details: noClusterId(se.details ?? '') };
}

function unary<Req, Res>(fn: (req: Req, cb: (e: ServiceError | null, r: Res) => void) => unknown, req: Req): Promise<unknown> {
  return new Promise((resolve) => {
    fn(req, (e, r) => resolve(e ? grpcFailure(e) : r));
  });
}

function bind<F extends (...a: never[]) => unknown>(client: PDClient, f: F): F {
  return f.bind(client) as F;
}

async function httpCall(address: string, c: HttpCase['http']): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://${address}${c.path}`, {
    method: c.method,
    ...(c.body !== undefined ? { body: JSON.stringify(c.body), headers: { 'content-type': 'application/json' } } : {}),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* plain text, compared as it is */
  }
  return { status: res.status, body };
}

/** One TSO request on the stream, as brflow's TsoStream sends it (count = callers waiting). */
function tso(s: Side, count: number): Promise<unknown> {
  return new Promise((resolve) => {
    const stream = s.client.tso();
    stream.on('data', (r: TsoResponse) => {
      resolve({ count: r.count, physicalNearNow: Math.abs(Number(r.timestamp?.physical ?? 0n) - Date.now()) < 60_000, suffixBits: r.timestamp?.suffixBits });
      stream.cancel();
    });
    stream.on('error', (e: ServiceError) => resolve(grpcFailure(e)));
    stream.write(TsoRequest.fromPartial({ header: s.header, count }));
  });
}

const api = '/pd/api/v1';
const UNKNOWN_ID = 99_999n;
const SERVICE = 'brflow-restore-conformance';

// ---- the requests brflow makes ----

/** HTTP calls that answer the same before and after bootstrap, and must. */
const configCases = (when: string): Case[] => [
  { name: `${when}: GET version`, http: { method: 'GET', path: `${api}/version` } },
  { name: `${when}: GET config/schedule`, http: { method: 'GET', path: `${api}/config/schedule` } },
  { name: `${when}: GET config/replicate`, http: { method: 'GET', path: `${api}/config/replicate` } },
  // BR's TTL override: accepted, and GET config/schedule still answers the saved values.
  { name: `${when}: POST config?ttlSecond=300`, http: { method: 'POST', path: `${api}/config?ttlSecond=300`, body: { 'schedule.leader-schedule-limit': 12, 'schedule.enable-location-replacement': 'false', 'schedule.max-pending-peer-count': 2147483647, 'schedule.merge-schedule-limit': 0 } } },
  { name: `${when}: GET config/schedule during a TTL override`, http: { method: 'GET', path: `${api}/config/schedule` } },
  { name: `${when}: POST config?ttlSecond=0 (drop the override)`, http: { method: 'POST', path: `${api}/config?ttlSecond=0`, body: { 'schedule.leader-schedule-limit': 4, 'schedule.merge-schedule-limit': 8 } } },
  { name: `${when}: TTL refused for split-scatter-schedule-limit`, http: { method: 'POST', path: `${api}/config?ttlSecond=300`, body: { 'schedule.split-scatter-schedule-limit': 5 } } },
  { name: `${when}: TTL on an unknown key`, http: { method: 'POST', path: `${api}/config?ttlSecond=300`, body: { 'schedule.no-such-key': 5 } } },
  { name: `${when}: config without TTL on an unknown key`, http: { method: 'POST', path: `${api}/config`, body: { 'schedule.no-such-key': 5 } } },
  { name: `${when}: POST config/schedule with an unknown key is ignored`, http: { method: 'POST', path: `${api}/config/schedule`, body: { 'no-such-key': 5 } } },
  { name: `${when}: POST config/schedule (permanent, the pre-4.0.8 path)`, http: { method: 'POST', path: `${api}/config/schedule`, body: { 'leader-schedule-limit': 4 } } },
  { name: `${when}: GET config/schedule after all that`, http: { method: 'GET', path: `${api}/config/schedule` } },
  { name: `${when}: reset-ts with a bad value`, http: { method: 'POST', path: `${api}/admin/reset-ts`, body: { tso: 'abc' } } },
  { name: `${when}: reset-ts below PD's TSO`, http: { method: 'POST', path: `${api}/admin/reset-ts`, body: { tso: String(BigInt(Date.now() - 86_400_000) << 18n) } } },
  { name: `${when}: reset-ts more than 24 h ahead`, http: { method: 'POST', path: `${api}/admin/reset-ts`, body: { tso: String(BigInt(Date.now() + 3 * 86_400_000) << 18n) } } },
  { name: `${when}: reset-ts below PD's TSO with force-use-larger`, http: { method: 'POST', path: `${api}/admin/reset-ts`, body: { tso: '1', 'force-use-larger': true } } },
  { name: `${when}: reset-ts with a force-use-larger that is not a boolean`, http: { method: 'POST', path: `${api}/admin/reset-ts`, body: { tso: '1', 'force-use-larger': 'true' } } },
];

const grpcCases = (when: string): Case[] => [
  {
    name: `${when}: GetMembers`,
    grpc: (s) => unary(bind(s.client, s.client.getMembers), GetMembersRequest.fromPartial({})),
    normalise: (r: unknown) => {
      const m = r as { header?: { error?: unknown }; members: unknown[]; leader?: { clientUrls: string[] } };
      return { error: m.header?.error, members: m.members.length, leaderUrls: m.leader?.clientUrls.length };
    },
  },
  { name: `${when}: Tso count 3`, grpc: (s) => tso(s, 3) },
  { name: `${when}: Tso with another cluster's id`, grpc: (s) => tso({ ...s, header: { ...s.header, clusterId: 1n } }, 1) },
  { name: `${when}: GetAllStores`, grpc: (s) => unary(bind(s.client, s.client.getAllStores), GetAllStoresRequest.fromPartial({ header: s.header, excludeTombstoneStores: true })) },
  { name: `${when}: GetAllStores with another cluster's id`, grpc: (s) => unary(bind(s.client, s.client.getAllStores), GetAllStoresRequest.fromPartial({ header: { ...s.header, clusterId: 1n } })) },
  { name: `${when}: GetStore`, grpc: (s) => unary(bind(s.client, s.client.getStore), GetStoreRequest.fromPartial({ header: s.header, storeId: s.ids.store })) },
  { name: `${when}: GetStore unknown`, grpc: (s) => unary(bind(s.client, s.client.getStore), GetStoreRequest.fromPartial({ header: s.header, storeId: UNKNOWN_ID })) },
  { name: `${when}: GetRegion at the first key`, grpc: (s) => unary(bind(s.client, s.client.getRegion), GetRegionRequest.fromPartial({ header: s.header, regionKey: Buffer.alloc(0) })) },
  { name: `${when}: GetRegionByID`, grpc: (s) => unary(bind(s.client, s.client.getRegionById), GetRegionByIDRequest.fromPartial({ header: s.header, regionId: s.ids.region })) },
  { name: `${when}: GetRegionByID unknown`, grpc: (s) => unary(bind(s.client, s.client.getRegionById), GetRegionByIDRequest.fromPartial({ header: s.header, regionId: UNKNOWN_ID })) },
  { name: `${when}: ScanRegions`, grpc: (s) => unary(bind(s.client, s.client.scanRegions), ScanRegionsRequest.fromPartial({ header: s.header, startKey: Buffer.alloc(0), endKey: Buffer.alloc(0), limit: 128 })) },
  // One store, one peer: PD will not scatter a region with fewer peers than max-replicas (3).
  { name: `${when}: ScatterRegion`, grpc: (s) => unary(bind(s.client, s.client.scatterRegion), ScatterRegionRequest.fromPartial({ header: s.header, regionId: s.ids.region })) },
  { name: `${when}: ScatterRegion unknown`, grpc: (s) => unary(bind(s.client, s.client.scatterRegion), ScatterRegionRequest.fromPartial({ header: s.header, regionId: UNKNOWN_ID })) },
  { name: `${when}: ScatterRegion batch`, grpc: (s) => unary(bind(s.client, s.client.scatterRegion), ScatterRegionRequest.fromPartial({ header: s.header, regionsId: [s.ids.region, UNKNOWN_ID], retryLimit: 3n, skipStoreLimit: true })) },
  { name: `${when}: ScatterRegion batch of unknown regions`, grpc: (s) => unary(bind(s.client, s.client.scatterRegion), ScatterRegionRequest.fromPartial({ header: s.header, regionsId: [UNKNOWN_ID], retryLimit: 3n, skipStoreLimit: true })) },
  { name: `${when}: GetOperator unknown`, grpc: (s) => unary(bind(s.client, s.client.getOperator), GetOperatorRequest.fromPartial({ header: s.header, regionId: UNKNOWN_ID })) },
  { name: `${when}: GetGCSafePoint`, grpc: (s) => unary(bind(s.client, s.client.getGcSafePoint), GetGCSafePointRequest.fromPartial({ header: s.header })) },
  {
    name: `${when}: UpdateServiceGCSafePoint set`,
    grpc: (s) => unary(bind(s.client, s.client.updateServiceGcSafePoint), UpdateServiceGCSafePointRequest.fromPartial({ header: s.header, serviceId: Buffer.from(SERVICE), TTL: 300n, safePoint: 5n })),
    normalise: gcSafePointAnswer,
  },
  {
    name: `${when}: UpdateServiceGCSafePoint remove (TTL 0)`,
    grpc: (s) => unary(bind(s.client, s.client.updateServiceGcSafePoint), UpdateServiceGCSafePointRequest.fromPartial({ header: s.header, serviceId: Buffer.from(SERVICE), TTL: 0n, safePoint: 0n })),
    normalise: gcSafePointAnswer,
  },
];

/** gc_worker's entry never expires: PD answers its TTL as MaxInt64 − now, which moves with the clock. */
function gcSafePointAnswer(r: unknown, ids: Ids): unknown {
  const o = plain(r, ids) as Record<string, unknown>;
  if (typeof o.TTL === 'string' && BigInt(o.TTL) > 1n << 62n) o.TTL = '<forever>';
  return o;
}

/** Scheduler calls brflow makes (pd-config.ts), in the order a restore makes them. */
const schedulerCases = (when: string): Case[] => [
  { name: `${when}: GET schedulers`, http: { method: 'GET', path: `${api}/schedulers` }, normalise: sorted },
  { name: `${when}: GET schedulers?status=paused`, http: { method: 'GET', path: `${api}/schedulers?status=paused` }, normalise: sorted },
  { name: `${when}: pause balance-leader for 1 s`, http: { method: 'POST', path: `${api}/schedulers/balance-leader-scheduler`, body: { delay: 1 } } },
  { name: `${when}: pause balance-region for 300 s`, http: { method: 'POST', path: `${api}/schedulers/balance-region-scheduler`, body: { delay: 300 } } },
  { name: `${when}: paused right after`, http: { method: 'GET', path: `${api}/schedulers?status=paused` }, normalise: sorted },
  { name: `${when}: paused 1.5 s later (the 1 s pause lapsed)`, wait: 1500, http: { method: 'GET', path: `${api}/schedulers?status=paused` }, normalise: sorted },
  { name: `${when}: resume with delay 0`, http: { method: 'POST', path: `${api}/schedulers/balance-region-scheduler`, body: { delay: 0 } } },
  { name: `${when}: paused after resume`, http: { method: 'GET', path: `${api}/schedulers?status=paused` }, normalise: sorted },
  { name: `${when}: pause with delay -1`, http: { method: 'POST', path: `${api}/schedulers/balance-region-scheduler`, body: { delay: -1 } } },
  { name: `${when}: pause without delay`, http: { method: 'POST', path: `${api}/schedulers/balance-region-scheduler`, body: {} } },
  { name: `${when}: pause an unknown scheduler`, http: { method: 'POST', path: `${api}/schedulers/no-such-scheduler`, body: { delay: 5 } } },
  { name: `${when}: remove balance-hot-region`, http: { method: 'DELETE', path: `${api}/schedulers/balance-hot-region-scheduler` } },
  { name: `${when}: remove it again`, http: { method: 'DELETE', path: `${api}/schedulers/balance-hot-region-scheduler` } },
  // A removed scheduler is gone from the list (runningSchedulers leaves it out: pausing it again would fail).
  { name: `${when}: GET schedulers after the remove`, http: { method: 'GET', path: `${api}/schedulers` }, normalise: sorted },
  { name: `${when}: add it back`, http: { method: 'POST', path: `${api}/schedulers`, body: { name: 'balance-hot-region-scheduler' } } },
  { name: `${when}: add it twice`, http: { method: 'POST', path: `${api}/schedulers`, body: { name: 'balance-hot-region-scheduler' } } },
  { name: `${when}: add an unknown scheduler`, http: { method: 'POST', path: `${api}/schedulers`, body: { name: 'no-such-scheduler' } } },
  { name: `${when}: GET schedulers at the end`, http: { method: 'GET', path: `${api}/schedulers` }, normalise: sorted },
  { name: `${when}: GET cluster-version`, http: { method: 'GET', path: `${api}/config/cluster-version` } },
];

const UNBOOTSTRAPPED: Case[] = [...configCases('fresh PD'), ...grpcCases('fresh PD'), ...schedulerCases('fresh PD')];
const BOOTSTRAPPED: Case[] = [...configCases('bootstrapped'), ...grpcCases('bootstrapped'), ...schedulerCases('bootstrapped')];

async function run(c: Case, s: Side): Promise<unknown> {
  if ('http' in c) {
    const res = await httpCall(s.address, c.http);
    return { status: res.status, body: (c.normalise ?? ((b) => b))(res.body) };
  }
  const res = await c.grpc(s);
  return (c.normalise ?? plain)(res, s.ids);
}

/** Runs every case on both sides in order (cases change state: pauses, overrides) and collects the answers. */
async function answers(cases: Case[], real: Side, sim: Side): Promise<{ real: Record<string, unknown>; sim: Record<string, unknown> }> {
  const out = { real: {} as Record<string, unknown>, sim: {} as Record<string, unknown> };
  for (const c of cases) {
    if ('http' in c && c.wait) await new Promise((r) => setTimeout(r, c.wait));
    out.real[c.name] = await run(c, real);
    out.sim[c.name] = await run(c, sim);
  }
  return out;
}

async function side(address: string, ids: Ids): Promise<Side> {
  const client = new PDClient(address, credentials.createInsecure());
  const members = await new Promise<{ header?: { clusterId: bigint } }>((resolve, reject) =>
    client.getMembers(GetMembersRequest.fromPartial({}), (e: ServiceError | null, r: { header?: { clusterId: bigint } }) => (e ? reject(e) : resolve(r))),
  );
  // The header brflow's PdClient sends (src/cluster/pd.ts).
  const header = RequestHeader.fromPartial({ clusterId: members.header?.clusterId ?? 0n, callerId: 'brflow', callerComponent: 'restore' });
  return { address, client, header, ids };
}

function simIds(sim: SimulatorHandle): Ids {
  const r = sim.state.regions()[0]!;
  return { store: BigInt(sim.stores[0]!.id), region: BigInt(r.id), peer: BigInt(r.peers[0]!.id) };
}

describe('PD conformance: the simulator answers brflow\'s PD calls as the real PD v8.5.4 does', () => {
  const stops: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const s of stops.reverse()) await s();
  });

  async function pair(bootstrapped: boolean): Promise<{ real: Side; sim: Side }> {
    const [realPd, sim]: [RealPd, SimulatorHandle] = await Promise.all([
      startRealPdForTest(),
      startSimulator({ stores: 1, pdMembers: 1, tidb: false, tikvVersion: '8.5.4', bootstrapped }),
    ]);
    stops.push(() => realPd.stop(), () => sim.stop());
    const realIds = bootstrapped ? await bootstrapRealPd(realPd.address).then((b) => ({ store: b.storeId, region: b.regionId, peer: b.peerId })) : { store: 1n, region: 2n, peer: 3n };
    const [real, simSide] = await Promise.all([side(realPd.address, realIds), side(sim.pdAddress, bootstrapped ? simIds(sim) : { store: 1n, region: 2n, peer: 3n })]);
    stops.push(() => real.client.close(), () => simSide.client.close());
    return { real, sim: simSide };
  }

  it('before any TiKV bootstrapped the cluster', async () => {
    const { real, sim } = await pair(false);
    const got = await answers(UNBOOTSTRAPPED, real, sim);
    expect(got.sim).toEqual(got.real);
  });

  it('with one store and one region', async () => {
    const { real, sim } = await pair(true);
    const got = await answers(BOOTSTRAPPED, real, sim);
    expect(got.sim).toEqual(got.real);
  });
});
