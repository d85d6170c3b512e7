import type { RegionErrorKind } from './region-error';

/**
 * Scripted failures, consumed by the gRPC handlers before they touch the model. Each fault names
 * the RPC (method name as on the wire, e.g. "Download", "MultiIngest", "SplitRegion", "Tso"; "*" for
 * any) and optionally a target (a store id, or "pd"); counted faults fire that many times.
 */
export type FaultTarget = number | 'pd';

/** Region errors a test can script; the service fills in the details from the real region. */
export type ScriptedRegionErrorKind = Exclude<RegionErrorKind, 'Other' | 'StaleCommand'>;

export interface RegionErrorFault {
  rpc: string;
  kind: ScriptedRegionErrorKind;
  count: number;
  target?: FaultTarget;
}

export interface UnavailableFault {
  rpc: string;
  count: number;
  target?: FaultTarget;
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
}

export interface FaultsSnapshot {
  regionErrors: RegionErrorFault[];
  unavailable: UnavailableFault[];
  latency: LatencyFault[];
  downStores: number[];
}

const matches = (f: { rpc: string; target?: FaultTarget }, rpc: string, target: FaultTarget) =>
  (f.rpc === '*' || f.rpc === rpc) && (f.target === undefined || f.target === target);

export class Faults {
  private regionErrors: RegionErrorFault[] = [];
  private unavailable: UnavailableFault[] = [];
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
    this.latency = [];
    this.down.clear();
  }

  /** Decides (and consumes counted faults) for one incoming call. */
  decide(rpc: string, target: FaultTarget): FaultDecision {
    const latencyMs = this.latency.filter((f) => matches(f, rpc, target)).reduce((a, f) => a + f.ms, 0);
    if (typeof target === 'number' && this.down.has(target)) return { latencyMs, unavailable: true };
    const u = this.unavailable.find((f) => matches(f, rpc, target));
    if (u) {
      u.count -= 1;
      this.unavailable = this.unavailable.filter((f) => f.count > 0);
      return { latencyMs, unavailable: true };
    }
    const r = this.regionErrors.find((f) => matches(f, rpc, target));
    if (r) {
      r.count -= 1;
      this.regionErrors = this.regionErrors.filter((f) => f.count > 0);
      return { latencyMs, unavailable: false, regionError: r.kind };
    }
    return { latencyMs, unavailable: false };
  }

  snapshot(): FaultsSnapshot {
    return {
      regionErrors: this.regionErrors.map((f) => ({ ...f })),
      unavailable: this.unavailable.map((f) => ({ ...f })),
      latency: this.latency.map((f) => ({ ...f })),
      downStores: [...this.down].sort((a, b) => a - b),
    };
  }
}
