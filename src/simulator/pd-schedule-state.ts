import type { Clock } from './clock';

/**
 * PD's scheduling knobs that a restore touches (research §7.3): the scheduler list with
 * pause-until-time, and the schedule config with TTL overrides that lapse on their own.
 */

/** Schedulers a fresh PD runs; BR pauses the balance/shuffle/evict ones it finds. */
export const DEFAULT_SCHEDULERS: readonly string[] = [
  'balance-region-scheduler',
  'balance-leader-scheduler',
  'balance-hot-region-scheduler',
  'evict-slow-store-scheduler',
];

/**
 * Schedulers `POST /schedulers {"name": …}` can create without arguments; any other name gets 400 "unknown
 * scheduler" from PD v8.5.4.
 */
export const KNOWN_SCHEDULERS: readonly string[] = [
  ...DEFAULT_SCHEDULERS,
  'shuffle-leader-scheduler',
  'shuffle-region-scheduler',
  'shuffle-hot-region-scheduler',
  'random-merge-scheduler',
  'balance-witness-scheduler',
  'transfer-witness-leader-scheduler',
];

/** A schedule config value as PD's JSON has it: most are numbers or strings; a few are lists/objects. */
export type ScheduleValue = number | string | readonly unknown[] | Readonly<Record<string, unknown>>;

/**
 * PD v8.5.4's schedule config defaults, key for key as its `GET /pd/api/v1/config/schedule` prints them (measured
 * on the real binary). Booleans are strings because PD tags them `json:",string"`; BR therefore sends "false".
 */
export const DEFAULT_SCHEDULE_CONFIG: Readonly<Record<string, ScheduleValue>> = {
  'max-snapshot-count': 64,
  'max-pending-peer-count': 64,
  'max-merge-region-size': 54,
  'max-merge-region-keys': 540000,
  'split-merge-interval': '1h0m0s',
  'switch-witness-interval': '1h0m0s',
  'enable-one-way-merge': 'false',
  'enable-cross-table-merge': 'true',
  'patrol-region-interval': '10ms',
  'max-store-down-time': '30m0s',
  'max-store-preparing-time': '48h0m0s',
  'leader-schedule-limit': 4,
  'leader-schedule-policy': 'count',
  'region-schedule-limit': 2048,
  'witness-schedule-limit': 4,
  'replica-schedule-limit': 64,
  'merge-schedule-limit': 8,
  'hot-region-schedule-limit': 4,
  'hot-region-cache-hits-threshold': 3,
  'store-limit': {},
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
  'enable-heartbeat-breakdown-metrics': 'true',
  'enable-heartbeat-concurrent-runner': 'true',
  'schedulers-v2': [
    { type: 'balance-region', args: null, disable: false, 'args-payload': '' },
    { type: 'balance-leader', args: null, disable: false, 'args-payload': '' },
    { type: 'hot-region', args: null, disable: false, 'args-payload': '' },
    { type: 'evict-slow-store', args: null, disable: false, 'args-payload': '' },
  ],
  'hot-regions-write-interval': '10m0s',
  'hot-regions-reserved-days': 7,
  'max-movable-hot-peer-size': 512,
  'enable-diagnostic': 'true',
  'enable-witness': 'false',
  'slow-store-evicting-affected-store-ratio-threshold': 0.3,
  'store-limit-version': 'v1',
  'patrol-region-worker-count': 1,
};

/**
 * Keys PD v8.5.4 accepts with ?ttlSecond (its `supportedTTLConfigs`, without the `schedule.` prefix). Newer PDs
 * added `split-scatter-schedule-limit`; v8.5.4 answers 400 "unsupported ttl config schedule.<key>" for it and for
 * every other key.
 */
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
  value: ScheduleValue;
  expireAt: number;
}

export class ConfigError extends Error {}

export class PdScheduleState {
  private readonly schedulerPause = new Map<string, number>();
  private readonly config: Record<string, ScheduleValue> = { ...DEFAULT_SCHEDULE_CONFIG };
  private readonly overrides = new Map<string, TtlOverride>();

  constructor(private readonly clock: Clock, schedulers: readonly string[] = DEFAULT_SCHEDULERS) {
    for (const s of schedulers) this.schedulerPause.set(s, 0);
  }

  schedulers(): SchedulerStatus[] {
    const now = this.clock.now();
    return [...this.schedulerPause].map(([name, until]) => ({ name, paused: until > now, pausedUntil: until > now ? until : 0 }));
  }

  /** PD's pause: paused until now + delay seconds; a delay ≤ 0 resumes (PD takes -1 like 0). False when no such scheduler. */
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

  /**
   * The schedule config in effect: persisted values with live TTL overrides on top. PD's HTTP API never shows this
   * (GET config/schedule answers the persisted values during an override); the inspector and tests do.
   */
  effectiveConfig(): Record<string, ScheduleValue> {
    const out = { ...this.config };
    for (const o of this.liveOverrides()) out[o.key] = o.value;
    return out;
  }

  /** Persisted values only (what a permanent POST changed): what GET config/schedule answers. */
  persistedConfig(): Record<string, ScheduleValue> {
    return { ...this.config };
  }

  liveOverrides(): TtlOverride[] {
    const now = this.clock.now();
    for (const [k, o] of this.overrides) if (o.expireAt <= now) this.overrides.delete(k);
    return [...this.overrides.values()].map((o) => ({ ...o }));
  }

  /**
   * Permanent update (POST /config/schedule, or /config without ttlSecond). All-or-nothing. `ignoreUnknown`: PD's
   * POST /config/schedule decodes the body over its config struct, so a key it does not know is dropped without a
   * word (200), while POST /config checks every `schedule.<key>` (400 "config item <key> not found").
   */
  update(changes: Record<string, unknown>, opts: { ignoreUnknown?: boolean } = {}): void {
    const known = Object.entries(changes).filter(([k]) => !opts.ignoreUnknown || k in DEFAULT_SCHEDULE_CONFIG);
    const normalized = known.map(([k, v]) => [k, this.normalize(k, v)] as const);
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

  private normalize(key: string, value: unknown): ScheduleValue {
    const current = DEFAULT_SCHEDULE_CONFIG[key];
    if (current === undefined) throw new ConfigError(`config item ${key} not found`);
    if (typeof current === 'object') {
      if (typeof value !== 'object' || value === null || Array.isArray(value) !== Array.isArray(current)) {
        throw new ConfigError(`config item ${key} must be ${Array.isArray(current) ? 'a list' : 'an object'}, got ${JSON.stringify(value)}`);
      }
      return value as ScheduleValue;
    }
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
