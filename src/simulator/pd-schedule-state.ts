import type { Clock } from './clock';

/**
 * PD's scheduling knobs that a restore touches (research §7.3): the scheduler list with
 * pause-until-time, and the schedule config with TTL overrides that lapse on their own.
 */

/** Schedulers a fresh PD runs; BR pauses the balance/shuffle/evict ones it finds. */
export const DEFAULT_SCHEDULERS: readonly string[] = [
  'balance-hot-region-scheduler',
  'balance-leader-scheduler',
  'balance-region-scheduler',
  'evict-slow-store-scheduler',
];

/**
 * PD's schedule config defaults (v5.x – v8.x `config.ScheduleConfig`), JSON keys as PD prints them.
 * Booleans are strings because PD tags them `json:",string"`; BR therefore sends "false".
 */
export const DEFAULT_SCHEDULE_CONFIG: Readonly<Record<string, number | string>> = {
  'max-snapshot-count': 64,
  'max-pending-peer-count': 64,
  'max-merge-region-size': 20,
  'max-merge-region-keys': 200000,
  'split-merge-interval': '1h0m0s',
  'enable-one-way-merge': 'false',
  'enable-cross-table-merge': 'true',
  'patrol-region-interval': '10ms',
  'max-store-down-time': '30m0s',
  'leader-schedule-limit': 4,
  'leader-schedule-policy': 'count',
  'region-schedule-limit': 2048,
  'replica-schedule-limit': 64,
  'merge-schedule-limit': 8,
  'hot-region-schedule-limit': 4,
  'hot-region-cache-hits-threshold': 3,
  'tolerant-size-ratio': 0,
  'low-space-ratio': 0.8,
  'high-space-ratio': 0.7,
  'region-score-formula-version': 'v2',
  'scheduler-max-waiting-operator': 5,
  'enable-remove-down-replica': 'true',
  'enable-replace-offline-replica': 'true',
  'enable-make-up-replica': 'true',
  'enable-remove-extra-replica': 'true',
  'enable-location-replacement': 'true',
  'enable-debug-metrics': 'false',
  'enable-joint-consensus': 'true',
  'enable-tikv-split-region': 'true',
  'split-scatter-schedule-limit': 0,
  'store-limit-mode': 'manual',
};

/** Keys PD accepts with ?ttlSecond (PD `supportedTTLConfigs`, without the `schedule.` prefix). */
export const TTL_CONFIG_KEYS: readonly string[] = [
  'max-snapshot-count',
  'max-merge-region-size',
  'max-pending-peer-count',
  'max-merge-region-keys',
  'leader-schedule-limit',
  'region-schedule-limit',
  'replica-schedule-limit',
  'merge-schedule-limit',
  'hot-region-schedule-limit',
  'split-scatter-schedule-limit',
  'scheduler-max-waiting-operator',
  'enable-location-replacement',
  'enable-tikv-split-region',
];

export interface SchedulerStatus {
  name: string;
  paused: boolean;
  /** Clock ms the pause lasts until (0 when not paused). */
  pausedUntil: number;
}

export interface TtlOverride {
  key: string;
  value: number | string;
  expireAt: number;
}

export class ConfigError extends Error {}

export class PdScheduleState {
  private readonly schedulerPause = new Map<string, number>();
  private readonly config: Record<string, number | string> = { ...DEFAULT_SCHEDULE_CONFIG };
  private readonly overrides = new Map<string, TtlOverride>();

  constructor(private readonly clock: Clock, schedulers: readonly string[] = DEFAULT_SCHEDULERS) {
    for (const s of schedulers) this.schedulerPause.set(s, 0);
  }

  schedulers(): SchedulerStatus[] {
    const now = this.clock.now();
    return [...this.schedulerPause].map(([name, until]) => ({ name, paused: until > now, pausedUntil: until > now ? until : 0 }));
  }

  /** PD's pause: paused until now + delay seconds; delay 0 resumes. False when no such scheduler. */
  pause(name: string, delaySeconds: number): boolean {
    if (!this.schedulerPause.has(name)) return false;
    this.schedulerPause.set(name, delaySeconds > 0 ? this.clock.now() + delaySeconds * 1000 : 0);
    return true;
  }

  add(name: string): boolean {
    if (this.schedulerPause.has(name)) return false;
    this.schedulerPause.set(name, 0);
    return true;
  }

  remove(name: string): boolean {
    return this.schedulerPause.delete(name);
  }

  /** The schedule config in effect: persisted values with live TTL overrides on top. */
  effectiveConfig(): Record<string, number | string> {
    const out = { ...this.config };
    for (const o of this.liveOverrides()) out[o.key] = o.value;
    return out;
  }

  /** Persisted values only (what a permanent POST changed). */
  persistedConfig(): Record<string, number | string> {
    return { ...this.config };
  }

  liveOverrides(): TtlOverride[] {
    const now = this.clock.now();
    for (const [k, o] of this.overrides) if (o.expireAt <= now) this.overrides.delete(k);
    return [...this.overrides.values()].map((o) => ({ ...o }));
  }

  /** Permanent update (POST /config/schedule, or /config without ttlSecond). All-or-nothing. */
  update(changes: Record<string, unknown>): void {
    const normalized = Object.entries(changes).map(([k, v]) => [k, this.normalize(k, v)] as const);
    for (const [k, v] of normalized) this.config[k] = v;
  }

  /**
   * TTL update (POST /config?ttlSecond=N): the values apply for N seconds, then the persisted ones
   * return. N = 0 removes the overrides of the given keys (how BR undoes its changes).
   */
  updateWithTtl(changes: Record<string, unknown>, ttlSeconds: number): void {
    const normalized = Object.entries(changes).map(([k, v]) => {
      if (!TTL_CONFIG_KEYS.includes(k)) throw new ConfigError(`unsupported ttl config schedule.${k}`);
      return [k, this.normalize(k, v)] as const;
    });
    const expireAt = this.clock.now() + ttlSeconds * 1000;
    for (const [k, v] of normalized) {
      if (ttlSeconds > 0) this.overrides.set(k, { key: k, value: v, expireAt });
      else this.overrides.delete(k);
    }
  }

  private normalize(key: string, value: unknown): number | string {
    const current = DEFAULT_SCHEDULE_CONFIG[key];
    if (current === undefined) throw new ConfigError(`config item ${key} not found`);
    if (typeof current === 'number') {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isFinite(n)) throw new ConfigError(`config item ${key} must be a number, got ${JSON.stringify(value)}`);
      return n;
    }
    if (current === 'true' || current === 'false') {
      const s = typeof value === 'boolean' ? String(value) : value;
      if (s !== 'true' && s !== 'false') throw new ConfigError(`config item ${key} must be "true" or "false", got ${JSON.stringify(value)}`);
      return s;
    }
    if (typeof value !== 'string') throw new ConfigError(`config item ${key} must be a string, got ${JSON.stringify(value)}`);
    return value;
  }
}
