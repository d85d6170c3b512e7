import type { RegionErrorKind } from './region-error';

/**
 * Scripted failures, consumed by the gRPC handlers before they touch the model. Each fault names
 * the RPC (method name as on the wire, e.g. "Download", "MultiIngest", "SplitRegion", "Tso"; "*" for
 * any) and optionally a target (a store id, or "pd") and a request detail (see FaultDetail); counted
 * faults fire that many times. PD HTTP faults match the method and the request URL instead.
 */
export type FaultTarget = number | 'pd';

/** Region errors a test can script; the service fills in the details from the real region. */
export type ScriptedRegionErrorKind = Exclude<RegionErrorKind, 'StaleCommand'>;

/**
 * A request detail a fault can be limited to, so it hits one use of an RPC and not another: SwitchMode's
 * target mode ("Import" / "Normal"). Handlers that report no detail match only faults without one.
 */
export type FaultDetail = string;

export interface RegionErrorFault {
  rpc: string;
  kind: ScriptedRegionErrorKind;
  count: number;
  target?: FaultTarget;
  detail?: FaultDetail;
}

export interface UnavailableFault {
  rpc: string;
  count: number;
  target?: FaultTarget;
  detail?: FaultDetail;
}

/**
 * Answers a chosen gRPC status code (e.g. 9 FAILED_PRECONDITION, 7 PERMISSION_DENIED) instead of serving,
 * for a step that must fail at once with a permanent error. `count` calls, or every call when omitted.
 */
export interface StatusFault {
  rpc: string;
  /** gRPC status code (@grpc/grpc-js `status`). */
  code: number;
  message?: string;
  count?: number;
  target?: FaultTarget;
  detail?: FaultDetail;
}

/** A PD HTTP request answered with `status` instead of being served, `count` times (every time when omitted). */
export interface HttpFault {
  /** HTTP method to match; any when omitted. */
  method?: string;
  /** Regular expression (source text, so it travels as JSON) tested against the request URL: path and query. */
  url: string;
  status: number;
  /** PD-style error text; JSON-encoded in the answer as PD does. */
  message?: string;
  count?: number;
}

export interface LatencyFault {
  rpc: string;
  ms: number;
  target?: FaultTarget;
}

/** What a handler must do for one call. */
export interface FaultDecision {
  latencyMs: number;
  /** Answer gRPC UNAVAILABLE instead of serving. */
  unavailable: boolean;
  regionError?: ScriptedRegionErrorKind;
  /** Answer this gRPC status instead of serving. */
  status?: { code: number; message: string };
}

export interface FaultsSnapshot {
  regionErrors: RegionErrorFault[];
  unavailable: UnavailableFault[];
  status: StatusFault[];
  http: HttpFault[];
  latency: LatencyFault[];
  downStores: number[];
  /** How many calls each RPC name (or "HTTP <method> <path>") was answered with an injected failure. */
  fired: Record<string, number>;
}

/**
 * A fault scripted for "Download" is one for the download step, whichever form the worker uses: TiKV's
 * BatchDownload (several SSTs per request, where every store serves it) downloads the same files, so it
 * fails, refuses or waits the same way. A fault for "BatchDownload" hits that form only.
 */
const rpcMatches = (faultRpc: string, rpc: string): boolean => faultRpc === '*' || faultRpc === rpc || (faultRpc === 'Download' && rpc === 'BatchDownload');

/** Fired faults are counted under the name they were scripted for (a "Download" fault that hit a BatchDownload counts as Download). */
const firedAs = (faultRpc: string, rpc: string): string => (faultRpc === '*' ? rpc : faultRpc);

const matches = (f: { rpc: string; target?: FaultTarget; detail?: FaultDetail }, rpc: string, target: FaultTarget, detail: FaultDetail | undefined) =>
  rpcMatches(f.rpc, rpc) && (f.target === undefined || f.target === target) && (f.detail === undefined || f.detail === detail);

/** Counted faults lose one use per hit; uncounted (count undefined) ones stay until cleared. */
const used = <T extends { count?: number }>(list: T[], f: T): T[] => {
  if (f.count === undefined) return list;
  f.count -= 1;
  return list.filter((x) => x.count === undefined || x.count > 0);
};

export class Faults {
  private regionErrors: RegionErrorFault[] = [];
  private unavailable: UnavailableFault[] = [];
  private status: StatusFault[] = [];
  private http: (HttpFault & { re: RegExp })[] = [];
  private fired: Record<string, number> = {};
  /** Every call received, by RPC name: every gRPC handler passes through `decide`, so it counts them all. */
  private readonly received: Record<string, number> = {};
  private latency: LatencyFault[] = [];
  private readonly down = new Set<number>();
  private readonly downListeners: ((storeId: number) => void)[] = [];

  /** Called whenever a store goes down (the server uses it for leader failover). */
  onStoreDown(listener: (storeId: number) => void): void {
    this.downListeners.push(listener);
  }

  injectRegionError(f: RegionErrorFault): void {
    if (!(f.count > 0)) throw new Error('fault count must be positive');
    this.regionErrors.push({ ...f });
  }

  injectUnavailable(f: UnavailableFault): void {
    if (!(f.count > 0)) throw new Error('fault count must be positive');
    this.unavailable.push({ ...f });
  }

  injectStatus(f: StatusFault): void {
    if (f.count !== undefined && !(f.count > 0)) throw new Error('fault count must be positive');
    if (!Number.isInteger(f.code) || f.code < 1 || f.code > 16) throw new Error(`gRPC status code must be in [1, 16], got ${f.code}`);
    this.status.push({ ...f });
  }

  /** Fails matching PD HTTP requests; `url` must be a valid regular expression. */
  injectHttp(f: HttpFault): void {
    if (f.count !== undefined && !(f.count > 0)) throw new Error('fault count must be positive');
    if (!Number.isInteger(f.status) || f.status < 400 || f.status > 599) throw new Error(`HTTP fault status must be in [400, 599], got ${f.status}`);
    this.http.push({ ...f, re: new RegExp(f.url) });
  }

  /** Adds latency to every matching call until cleared. */
  addLatency(f: LatencyFault): void {
    this.latency.push({ ...f });
  }

  /** A down store answers every call with UNAVAILABLE, like a crashed TiKV behind a live address. */
  storeDown(storeId: number): void {
    this.down.add(storeId);
    for (const l of this.downListeners) l(storeId);
  }

  storeUp(storeId: number): void {
    this.down.delete(storeId);
  }

  isStoreDown(storeId: number): boolean {
    return this.down.has(storeId);
  }

  clear(): void {
    this.regionErrors = [];
    this.unavailable = [];
    this.status = [];
    this.http = [];
    this.latency = [];
    this.down.clear();
  }

  /** Decides (and consumes a counted fault) for one PD HTTP request; undefined = serve it. */
  decideHttp(method: string, url: string): { status: number; message: string } | undefined {
    const f = this.http.find((h) => (h.method === undefined || h.method.toUpperCase() === method.toUpperCase()) && h.re.test(url));
    if (!f) return undefined;
    this.http = used(this.http, f);
    this.count(`HTTP ${method.toUpperCase()} ${url.split('?')[0]}`);
    return { status: f.status, message: f.message ?? `injected HTTP ${f.status} for ${method} ${url}` };
  }

  private count(key: string): void {
    this.fired[key] = (this.fired[key] ?? 0) + 1;
  }

  /** Decides (and consumes counted faults) for one incoming call. */
  decide(rpc: string, target: FaultTarget, detail?: FaultDetail): FaultDecision {
    this.received[rpc] = (this.received[rpc] ?? 0) + 1;
    const latencyMs = this.latency.filter((f) => matches(f, rpc, target, undefined)).reduce((a, f) => a + f.ms, 0);
    if (typeof target === 'number' && this.down.has(target)) return { latencyMs, unavailable: true };
    const st = this.status.find((f) => matches(f, rpc, target, detail));
    if (st) {
      this.status = used(this.status, st);
      this.count(firedAs(st.rpc, rpc));
      return { latencyMs, unavailable: false, status: { code: st.code, message: st.message ?? `injected status ${st.code} for ${rpc}` } };
    }
    const u = this.unavailable.find((f) => matches(f, rpc, target, detail));
    if (u) {
      this.unavailable = used(this.unavailable, u);
      this.count(firedAs(u.rpc, rpc));
      return { latencyMs, unavailable: true };
    }
    const r = this.regionErrors.find((f) => matches(f, rpc, target, detail));
    if (r) {
      this.regionErrors = used(this.regionErrors, r);
      this.count(firedAs(r.rpc, rpc));
      return { latencyMs, unavailable: false, regionError: r.kind };
    }
    return { latencyMs, unavailable: false };
  }

  /** How many calls of each RPC (PD and every store together) the simulator received, faulted or not. */
  calls(): Record<string, number> {
    return { ...this.received };
  }

  snapshot(): FaultsSnapshot {
    return {
      regionErrors: this.regionErrors.map((f) => ({ ...f })),
      unavailable: this.unavailable.map((f) => ({ ...f })),
      status: this.status.map((f) => ({ ...f })),
      http: this.http.map(({ re: _re, ...f }) => ({ ...f })),
      latency: this.latency.map((f) => ({ ...f })),
      downStores: [...this.down].sort((a, b) => a - b),
      fired: { ...this.fired },
    };
  }
}
