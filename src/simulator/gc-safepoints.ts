import type { Clock } from './clock';

export interface ServiceSafePoint {
  serviceId: string;
  safePoint: bigint;
  /** Clock ms after which the entry no longer counts; Infinity for gc_worker's. */
  expireAt: number;
}

/** TiDB's GC worker keeps a service safepoint that never expires; PD creates it when none exists. */
export const GC_WORKER_SERVICE_ID = 'gc_worker';

/**
 * PD's GC safepoint bookkeeping: one cluster GC safepoint that only moves forward, and service
 * safepoints with a TTL (BR registers `br-<uuid>` at restoreTS−1). Expired entries are dropped when
 * read, as PD's LoadMinServiceGCSafePoint does.
 */
export class GcSafePoints {
  private gcSafePoint = 0n;
  private readonly services = new Map<string, ServiceSafePoint>();

  constructor(private readonly clock: Clock) {}

  /** UpdateGCSafePoint: moves the GC safepoint forward; returns the resulting safepoint (never smaller). */
  updateGcSafePoint(sp: bigint): bigint {
    if (sp > this.gcSafePoint) this.gcSafePoint = sp;
    return this.gcSafePoint;
  }

  gcSafePointValue(): bigint {
    return this.gcSafePoint;
  }

  /**
   * UpdateServiceGCSafePoint as PD implements it: TTL ≤ 0 removes the service; otherwise the entry is
   * saved only if its safepoint is not below the current minimum (a service cannot pull GC back).
   * Answers the minimum after the update.
   */
  updateService(serviceId: string, ttlSeconds: number, safePoint: bigint): { min: ServiceSafePoint; ttlSeconds: number } {
    if (ttlSeconds <= 0) this.services.delete(serviceId);
    let min = this.min();
    if (ttlSeconds > 0 && safePoint >= min.safePoint) {
      this.services.set(serviceId, { serviceId, safePoint, expireAt: this.clock.now() + ttlSeconds * 1000 });
      if (serviceId === min.serviceId) min = this.min();
    }
    const left = min.expireAt === Infinity ? Number.MAX_SAFE_INTEGER : Math.round((min.expireAt - this.clock.now()) / 1000);
    return { min: { ...min }, ttlSeconds: left };
  }

  /**
   * One round of TiDB's GC worker wanting to collect up to `target`: it moves its own service
   * safepoint there, then advances the GC safepoint only as far as the smallest live service
   * safepoint allows — so a registered `br-…` entry holds GC back until it expires.
   * Returns the resulting GC safepoint.
   */
  runGcWorker(target: bigint): bigint {
    this.expire();
    this.services.set(GC_WORKER_SERVICE_ID, { serviceId: GC_WORKER_SERVICE_ID, safePoint: target, expireAt: Infinity });
    return this.updateGcSafePoint(this.min().safePoint);
  }

  /** Live service safepoints (expired ones removed). */
  list(): ServiceSafePoint[] {
    this.expire();
    return [...this.services.values()].map((s) => ({ ...s }));
  }

  private min(): ServiceSafePoint {
    this.expire();
    if (this.services.size === 0) {
      this.services.set(GC_WORKER_SERVICE_ID, { serviceId: GC_WORKER_SERVICE_ID, safePoint: 0n, expireAt: Infinity });
    }
    let min: ServiceSafePoint | undefined;
    for (const s of this.services.values()) if (!min || s.safePoint < min.safePoint) min = s;
    return min!;
  }

  private expire(): void {
    const now = this.clock.now();
    for (const [id, s] of this.services) if (s.expireAt <= now) this.services.delete(id);
  }
}
