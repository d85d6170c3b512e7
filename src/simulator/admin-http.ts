import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Faults, FaultTarget, ScriptedRegionErrorKind } from './faults';
import { HttpError, pathAndQuery, readJsonObject, sendJson } from './http-util';
import type { Inspector } from './inspector';
import type { PdMembership } from './pd-membership';

/**
 * The simulator's own admin API (not part of any TiDB component): scripted faults and inspection,
 * for tests in other processes and for operators poking at the demo.
 *
 *   GET  /state                  cluster snapshot (modes, regions, schedulers, config, safepoints, counters, faults)
 *   GET  /checksums              per physical table checksum of the data held
 *   POST /faults/region-error    {"rpc","kind","count","target"?,"detail"?}
 *   POST /faults/unavailable     {"rpc","count","target"?,"detail"?}
 *   POST /faults/status          {"rpc","code","message"?,"count"?,"target"?,"detail"?}: answer a gRPC status
 *   POST /faults/http            {"url","status","method"?,"message"?,"count"?}: fail PD HTTP requests
 *   POST /faults/latency         {"rpc","ms","target"?}
 *   DELETE /faults               clear all faults (stores come back up)
 *   POST /stores/{id}/down|up    a store stops / resumes answering
 *   POST /pd/leader-change       the next PD member becomes leader
 *   POST /gc                     {"safePoint":"<u64>"}: a GC worker round (held back by service safepoints)
 */
export function createAdminHandler(faults: Faults, inspector: Inspector, membership: PdMembership): (req: IncomingMessage, res: ServerResponse) => void {
  const KINDS: readonly ScriptedRegionErrorKind[] = ['NotLeader', 'EpochNotMatch', 'ServerIsBusy', 'RegionNotFound', 'KeyNotInRegion'];

  const target = (v: unknown): FaultTarget | undefined => {
    if (v === undefined || v === null) return undefined;
    if (v === 'pd') return 'pd';
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    throw new HttpError(400, `target must be a store id or "pd", got ${JSON.stringify(v)}`);
  };
  const str = (b: Record<string, unknown>, k: string): string => {
    const v = b[k];
    if (typeof v !== 'string' || v === '') throw new HttpError(400, `field "${k}" must be a non-empty string`);
    return v;
  };
  const optStr = (b: Record<string, unknown>, k: string): Record<string, string> => (b[k] === undefined ? {} : { [k]: str(b, k) });
  const optInt = (b: Record<string, unknown>, k: string): Record<string, number> => (b[k] === undefined ? {} : { [k]: int(b, k) });
  /** Faults.inject* refuse bad values with a plain Error: the caller's mistake, so a 400. */
  const inject = (fn: () => void): void => {
    try {
      fn();
    } catch (e) {
      throw new HttpError(400, e instanceof Error ? e.message : String(e));
    }
  };
  const int = (b: Record<string, unknown>, k: string): number => {
    const v = b[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new HttpError(400, `field "${k}" must be a positive integer`);
    return v;
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const { path } = pathAndQuery(req);
    const m = req.method ?? 'GET';
    if (m === 'GET' && path === '/state') return sendJson(res, 200, inspector.snapshot());
    if (m === 'GET' && path === '/checksums') return sendJson(res, 200, inspector.tableChecksums());
    if (m === 'POST' && path === '/faults/region-error') {
      const b = await readJsonObject(req);
      const kind = str(b, 'kind') as ScriptedRegionErrorKind;
      if (!KINDS.includes(kind)) throw new HttpError(400, `kind must be one of ${KINDS.join(', ')}`);
      const t = target(b.target);
      faults.injectRegionError({ rpc: str(b, 'rpc'), kind, count: int(b, 'count'), ...(t === undefined ? {} : { target: t }), ...optStr(b, 'detail') });
      return sendJson(res, 200, faults.snapshot());
    }
    if (m === 'POST' && path === '/faults/unavailable') {
      const b = await readJsonObject(req);
      const t = target(b.target);
      faults.injectUnavailable({ rpc: str(b, 'rpc'), count: int(b, 'count'), ...(t === undefined ? {} : { target: t }), ...optStr(b, 'detail') });
      return sendJson(res, 200, faults.snapshot());
    }
    if (m === 'POST' && path === '/faults/status') {
      const b = await readJsonObject(req);
      const t = target(b.target);
      const f = { rpc: str(b, 'rpc'), code: int(b, 'code'), ...optStr(b, 'message'), ...optInt(b, 'count'), ...(t === undefined ? {} : { target: t }), ...optStr(b, 'detail') };
      inject(() => faults.injectStatus(f));
      return sendJson(res, 200, faults.snapshot());
    }
    if (m === 'POST' && path === '/faults/http') {
      const b = await readJsonObject(req);
      const f = { url: str(b, 'url'), status: int(b, 'status'), ...optStr(b, 'method'), ...optStr(b, 'message'), ...optInt(b, 'count') };
      inject(() => faults.injectHttp(f));
      return sendJson(res, 200, faults.snapshot());
    }
    if (m === 'POST' && path === '/faults/latency') {
      const b = await readJsonObject(req);
      const t = target(b.target);
      faults.addLatency({ rpc: str(b, 'rpc'), ms: int(b, 'ms'), ...(t === undefined ? {} : { target: t }) });
      return sendJson(res, 200, faults.snapshot());
    }
    if (m === 'DELETE' && path === '/faults') {
      faults.clear();
      return sendJson(res, 200, faults.snapshot());
    }
    const st = /^\/stores\/(\d+)\/(down|up)$/.exec(path);
    if (m === 'POST' && st) {
      const id = Number(st[1]);
      if (st[2] === 'down') faults.storeDown(id);
      else faults.storeUp(id);
      return sendJson(res, 200, faults.snapshot());
    }
    if (m === 'POST' && path === '/pd/leader-change') return sendJson(res, 200, { leader: membership.changeLeader().name });
    if (m === 'POST' && path === '/gc') {
      const sp = (await readJsonObject(req)).safePoint;
      if (typeof sp !== 'string' || !/^\d+$/.test(sp)) throw new HttpError(400, 'field "safePoint" must be a decimal string');
      return sendJson(res, 200, { gcSafePoint: inspector.runGcWorker(BigInt(sp)).toString() });
    }
    throw new HttpError(404, `no admin route ${m} ${path}`);
  };

  return (req, res) => {
    route(req, res).catch((e: unknown) => {
      if (e instanceof HttpError) return sendJson(res, e.code, { error: e.message });
      return sendJson(res, 500, { error: e instanceof Error ? e.message : String(e) });
    });
  };
}
