import type { IncomingMessage, ServerResponse } from 'node:http';
import { compareBytes } from '../plan/keys';
import { PD_MAX_REPLICAS, type ClusterState } from './cluster-state';
import type { Faults } from './faults';
import { ConfigError } from './pd-schedule-state';
import { HttpError, pathAndQuery, queryBytes, readJsonObject, sendJson, sendText } from './http-util';
import { KNOWN_SCHEDULERS } from './pd-schedule-state';
import { DEFAULT_PD_VERSION, parsePdVersion, versionAtLeast } from './pd-version';

/**
 * The PD HTTP API a restore uses (research §7.3, formats §4), answering with PD's JSON shapes:
 * success and error messages are JSON strings, config keys are dashed, booleans are "true"/"false".
 */
export interface PdHttpOptions {
  /** What GET /pd/api/v1/version reports; selects old vs new behaviour. @default DEFAULT_PD_VERSION */
  pdVersion?: string;
  /** Scripted HTTP failures (Faults.injectHttp), checked before a request is served. */
  faults?: Faults;
}

/**
 * PD added scheduler pause and TTL config in v4.0.8 (tikv/pd#3088, BR's pauseConfigVersion).
 * Older PDs have neither: clients must remove and re-add schedulers and change config permanently.
 */
const PAUSE_AND_TTL_MIN_VERSION: readonly number[] = [4, 0, 8];

/** PD's answer to every call that needs a TiKV while none has bootstrapped the cluster. */
const NOT_BOOTSTRAPPED = '[PD:cluster:ErrNotBootstrapped]TiKV cluster not bootstrapped, please start TiKV first';
/** reset-ts refusals (PD's ErrResetUserTimestamp). */
const RESET_TS_SMALLER = '[PD:tso:ErrResetUserTimestamp]reset user timestamp failed, the specified ts is smaller than now';
const RESET_TS_TOO_LARGE = '[PD:tso:ErrResetUserTimestamp]reset user timestamp failed, the specified ts is too larger than now';
/** PD refuses a reset-ts more than this far ahead of its clock unless "force-use-larger" is true. */
const RESET_TS_MAX_GAP_MS = 24 * 3600 * 1000;

export function createPdHttpHandler(state: ClusterState, opts: PdHttpOptions = {}): (req: IncomingMessage, res: ServerResponse) => void {
  const version = opts.pdVersion ?? DEFAULT_PD_VERSION;
  const modern = versionAtLeast(parsePdVersion(version), PAUSE_AND_TTL_MIN_VERSION);

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const { path, query } = pathAndQuery(req);
    const method = req.method ?? 'GET';
    const api = '/pd/api/v1';
    const injected = opts.faults?.decideHttp(method, req.url ?? path);
    if (injected) return sendJson(res, injected.status, injected.message);

    if (method === 'GET' && path === `${api}/version`) return sendJson(res, 200, { version, build_time: '', hash: '', branch: '' });
    // The cluster version is the TiKVs' (PD's own until one bootstraps is "0.0.0").
    if (method === 'GET' && path === `${api}/config/cluster-version`) return sendJson(res, 200, state.bootstrapped ? clusterVersion(state) : '0.0.0');
    // PD checks a POST's body before it looks for the cluster; everything else needs the cluster first.
    const needsBootstrap = /^\/pd\/api\/v1\/(schedulers|stores?|stats\/region)(\/|$)/.test(path);
    if (needsBootstrap && method !== 'POST' && !state.bootstrapped) return sendJson(res, 500, NOT_BOOTSTRAPPED);

    if (path === `${api}/schedulers`) {
      if (method === 'GET') {
        const st = query.get('status');
        const all = state.schedule.schedulers();
        if (st === 'paused') return sendJson(res, 200, all.filter((s) => s.paused).map((s) => s.name));
        if (st === 'disabled') return sendJson(res, 200, []);
        return sendJson(res, 200, all.map((s) => s.name));
      }
      if (method === 'POST') {
        const body = await readJsonObject(req);
        const name = body.name;
        if (typeof name !== 'string' || name === '') return sendJson(res, 400, 'missing scheduler name');
        if (!KNOWN_SCHEDULERS.includes(name)) return sendJson(res, 400, 'unknown scheduler');
        if (!state.bootstrapped) return sendJson(res, 500, NOT_BOOTSTRAPPED);
        if (!state.schedule.add(name)) return sendJson(res, 500, '[PD:scheduler:ErrSchedulerExisted]scheduler existed');
        return sendJson(res, 200, 'The scheduler is created.');
      }
    }
    const sched = new RegExp(`^${api}/schedulers/([^/]+)$`).exec(path);
    if (sched) {
      const name = decodeURIComponent(sched[1]!);
      if (method === 'DELETE') {
        if (!state.schedule.remove(name)) return sendJson(res, 404, '[PD:scheduler:ErrSchedulerNotFound]scheduler not found');
        return sendJson(res, 200, 'The scheduler is removed.');
      }
      if (method === 'POST' && modern) {
        const body = await readJsonObject(req);
        const delay = body.delay;
        if (delay === undefined) return sendJson(res, 400, 'missing pause time');
        // PD decodes delay into an int64: a string or fraction fails in encoding/json, -1 is taken like 0 (resume).
        if (typeof delay !== 'number' || !Number.isInteger(delay)) return sendJson(res, 400, jsonDecodeError(delay, 'int64'));
        if (!state.bootstrapped) return sendJson(res, 500, NOT_BOOTSTRAPPED);
        if (!state.schedule.pause(name, delay)) return sendJson(res, 500, '[PD:scheduler:ErrSchedulerNotFound]scheduler not found');
        return sendJson(res, 200, 'Pause or resume the scheduler successfully.');
      }
    }

    if (path === `${api}/config/schedule`) {
      // The saved values, also while TTL overrides are in force: PD keeps those apart (etcd /config/ttl).
      if (method === 'GET') return sendJson(res, 200, scheduleConfigJson(state));
      if (method === 'POST') {
        // PD ignores ?ttlSecond on this endpoint (pingcap/tidb#31733): the change is permanent. Unknown keys are
        // dropped without an error.
        state.schedule.update(await readJsonObject(req), { ignoreUnknown: true });
        return sendJson(res, 200, 'The config is updated.');
      }
    }
    if (method === 'GET' && path === `${api}/config/replicate`) return sendJson(res, 200, replicationConfig());
    if (method === 'GET' && path === `${api}/gc/safepoint`) return sendServiceSafePoints(res, state);
    if (path === `${api}/config`) {
      if (method === 'GET') return sendJson(res, 200, fullConfig(state));
      if (method === 'POST') return postConfig(req, res, query.get('ttlSecond'));
    }
    if (method === 'POST' && path === `${api}/admin/reset-ts`) {
      const body = await readJsonObject(req);
      const tso = body.tso;
      if (typeof tso !== 'string' || !/^\d+$/.test(tso)) return sendJson(res, 400, 'invalid tso value');
      const force = body['force-use-larger'] ?? false;
      if (typeof force !== 'boolean') return sendJson(res, 400, 'invalid force-use-larger value');
      const ts = BigInt(tso);
      if (!force && Number(ts >> 18n) > state.clock.now() + RESET_TS_MAX_GAP_MS) return sendJson(res, 403, RESET_TS_TOO_LARGE);
      // With force-use-larger PD ignores a smaller TS and answers success.
      if (!state.tso.reset(ts) && !force) return sendJson(res, 403, RESET_TS_SMALLER);
      return sendJson(res, 200, 'Reset ts successfully.');
    }
    if (method === 'GET' && path === `${api}/stores`) {
      const stores = state.stores().map((s) => storeJson(state, s.id));
      return sendJson(res, 200, { count: stores.length, stores });
    }
    const store = new RegExp(`^${api}/store/(\\d+)$`).exec(path);
    if (method === 'GET' && store) {
      const id = Number(store[1]);
      if (!state.store(id)) return sendJson(res, 404, `[PD:core:ErrStoreNotFound]store ${id} not found`);
      return sendJson(res, 200, storeJson(state, id));
    }
    if (method === 'GET' && path === `${api}/stats/region`) {
      return sendJson(res, 200, regionStats(state, queryBytes(req.url ?? '', 'start_key') ?? new Uint8Array(0), queryBytes(req.url ?? '', 'end_key') ?? new Uint8Array(0)));
    }
    return sendText(res, 404, '404 page not found\n');
  };

  const postConfig = async (req: IncomingMessage, res: ServerResponse, ttl: string | null): Promise<void> => {
    const body = await readJsonObject(req);
    const schedule: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(body)) {
      if (k === 'schedule' && typeof v === 'object' && v !== null) Object.assign(schedule, v);
      else if (k.startsWith('schedule.')) schedule[k.slice('schedule.'.length)] = v;
      else return sendJson(res, 400, `config item ${k} not found`);
    }
    if (ttl !== null && modern) {
      const n = Number(ttl);
      if (!Number.isInteger(n) || n < 0) return sendJson(res, 400, `invalid ttlSecond ${ttl}`);
      state.schedule.updateWithTtl(schedule, n);
      return sendJson(res, 200, n === 0 ? 'The ttl config is deleted.' : 'The ttl config is updated.');
    }
    state.schedule.update(schedule);
    return sendJson(res, 200, 'The config is updated.');
  };

  return (req, res) => {
    route(req, res).catch((e: unknown) => {
      if (e instanceof HttpError) return sendJson(res, e.code, e.message);
      if (e instanceof ConfigError) return sendJson(res, 400, e.message);
      return sendJson(res, 500, e instanceof Error ? e.message : String(e));
    });
  };
}

/** PD's default store limit (store-limit.add-peer / remove-peer per minute) for a store it did not get one for. */
const DEFAULT_STORE_LIMIT = 15;

/** GET config/schedule: the saved values, with the store-limit entry PD keeps for every store it knows. */
function scheduleConfigJson(state: ClusterState): Record<string, unknown> {
  const cfg: Record<string, unknown> = state.schedule.persistedConfig();
  if (state.bootstrapped) {
    const limits: Record<string, unknown> = { ...(cfg['store-limit'] as Record<string, unknown>) };
    for (const s of state.stores()) limits[String(s.id)] ??= { 'add-peer': DEFAULT_STORE_LIMIT, 'remove-peer': DEFAULT_STORE_LIMIT };
    cfg['store-limit'] = limits;
  }
  return cfg;
}

/** The version of the oldest store, as PD keeps the cluster version at what every TiKV runs. */
function clusterVersion(state: ClusterState): string {
  const parse = (v: string): number[] => (/^v?\d+\.\d+\.\d+/.test(v) ? parsePdVersion(v) : [0, 0, 0]);
  const versions = state.stores().map((s) => s.version).sort((a, b) => (versionAtLeast(parse(a), parse(b)) ? 1 : -1));
  return versions[0] ?? '0.0.0';
}

/** The body PD's JSON decoding answers for a field of the wrong type (its apiutil error shape). */
function jsonDecodeError(value: unknown, goType: string): Record<string, unknown> {
  const what = typeof value === 'number' ? `number ${value}` : typeof value;
  return { code: 'input', msg: `json: cannot unmarshal ${what} into Go value of type ${goType}`, data: { Value: what, Type: {}, Offset: 0, Struct: '', Field: '' } };
}

/**
 * GET gc/safepoint as PD answers it (pd-ctl service-gc-safepoint): each live service safepoint with its expiry
 * in unix seconds (int64 max when it never expires) and the safepoint as a plain JSON number (uint64).
 */
function sendServiceSafePoints(res: ServerResponse, state: ClusterState): void {
  const sps = state.gc.list().map((s) => `{"service_id":${JSON.stringify(s.serviceId)},"expired_at":${s.expireAt === Infinity ? '9223372036854775807' : Math.floor(s.expireAt / 1000)},"safe_point":${s.safePoint}}`);
  const text = `{"service_gc_safe_points":[${sps.join(',')}],"gc_safe_point":${state.gc.gcSafePointValue()}}`;
  res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** PD v8.5.4's replication config (GET config/replicate), with its default of three replicas. */
function replicationConfig(): Record<string, unknown> {
  return {
    'max-replicas': PD_MAX_REPLICAS,
    'location-labels': '',
    'strictly-match-label': 'false',
    'enable-placement-rules': 'true',
    'enable-placement-rules-cache': 'false',
    'isolation-level': '',
  };
}

function fullConfig(state: ClusterState): Record<string, unknown> {
  return {
    'cluster-version': state.bootstrapped ? clusterVersion(state) : '0.0.0',
    schedule: scheduleConfigJson(state),
    replication: replicationConfig(),
  };
}

function storeJson(state: ClusterState, id: number): Record<string, unknown> {
  const s = state.store(id)!;
  const regions = state.regions();
  const leaders = regions.filter((r) => r.leaderStoreId === id).length;
  const peers = regions.filter((r) => r.peers.some((p) => p.storeId === id)).length;
  return {
    store: {
      id: s.id,
      address: s.address,
      labels: s.labels,
      version: s.version,
      status_address: s.statusAddress,
      state_name: s.state === 'Up' ? 'Up' : s.state,
      ...(s.state === 'Up' ? {} : { state: s.state === 'Offline' ? 1 : 2 }),
    },
    status: {
      capacity: '100GiB',
      available: '90GiB',
      used_size: '1GiB',
      leader_count: leaders,
      leader_weight: 1,
      region_count: peers,
      region_weight: 1,
    },
  };
}

/** PD's region statistics over [start, end) of encoded keys. */
function regionStats(state: ClusterState, start: Uint8Array, end: Uint8Array): Record<string, unknown> {
  const rs = state.scanRegions(start, end, 0).filter((r) => end.length === 0 || compareBytes(r.startKey, end) < 0);
  const leaderCount: Record<string, number> = {};
  const peerCount: Record<string, number> = {};
  for (const r of rs) {
    leaderCount[r.leaderStoreId] = (leaderCount[r.leaderStoreId] ?? 0) + 1;
    for (const p of r.peers) peerCount[p.storeId] = (peerCount[p.storeId] ?? 0) + 1;
  }
  return {
    count: rs.length,
    empty_count: rs.length,
    storage_size: 0,
    storage_keys: 0,
    store_leader_count: leaderCount,
    store_peer_count: peerCount,
    store_leader_size: {},
    store_leader_keys: {},
    store_peer_size: {},
    store_peer_keys: {},
  };
}
