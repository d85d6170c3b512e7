import type { RestoreRetries, RetryPolicyName, RetryTiming } from './types';

/** The named activity retry policies of a restore, each an input under `timings.retries.<name>`. */
export const RETRY_POLICY_NAMES: readonly RetryPolicyName[] = ['pdRequest', 'resetTs', 'split', 'importSst', 'download', 'checksum'];

/**
 * BR's numbers, under BR's names (pkg/restore/backoff.go, split.go, pdutil; research br-restore-internals §11).
 * Each activity attempt is one of BR's attempts; the cluster clients add their own inner retries.
 */
export const DEFAULT_RETRIES: RestoreRetries = {
  /** pdRequestRetryTime: 10 tries, 1 s apart (v5.3 PD HTTP). */
  pdRequest: { maximumAttempts: 10, initialIntervalMs: 1_000, maximumIntervalMs: 1_000 },
  /** resetTSRetryTime: 16 tries, 50 ms doubling to 500 ms. */
  resetTs: { maximumAttempts: 16, initialIntervalMs: 50, maximumIntervalMs: 500 },
  /** SplitRetryTimes: 32 tries, 50 ms doubling to 1 s. */
  split: { maximumAttempts: 32, initialIntervalMs: 50, maximumIntervalMs: 1_000 },
  /** importSSTRetryTimes: 16 tries, 10 ms doubling to 1 s (whole-batch attempts; a batch resumes after its finished files). */
  importSst: { maximumAttempts: 16, initialIntervalMs: 10, maximumIntervalMs: 1_000 },
  /** downloadSSTRetryTimes: 8 tries, 1 s doubling to 4 s; used for reading the backup. */
  download: { maximumAttempts: 8, initialIntervalMs: 1_000, maximumIntervalMs: 4_000 },
  /** checksum: 10 tries, 50 ms doubling to 2 s. */
  checksum: { maximumAttempts: 10, initialIntervalMs: 50, maximumIntervalMs: 2_000 },
};

/** BR waits a fixed interval between PD requests and doubles the others. */
export const BACKOFF_COEFFICIENTS: Record<RetryPolicyName, number> = { pdRequest: 1, resetTs: 2, split: 2, importSst: 2, download: 2, checksum: 2 };

const FIELDS: readonly (keyof RetryTiming)[] = ['maximumAttempts', 'initialIntervalMs', 'maximumIntervalMs'];
const LIMITS: Record<keyof RetryTiming, [number, number]> = {
  maximumAttempts: [1, 1_000],
  initialIntervalMs: [1, 3_600_000],
  maximumIntervalMs: [1, 3_600_000],
};

/**
 * Validates `timings.retries` (each named policy optional, each field optional over BR's default) and
 * pushes every problem, naming the field and the fix, onto `problems`.
 */
export function normalizeRetries(raw: unknown, problems: string[]): RestoreRetries {
  const out = Object.fromEntries(RETRY_POLICY_NAMES.map((n) => [n, { ...DEFAULT_RETRIES[n] }])) as RestoreRetries;
  if (raw === undefined) return out;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.push('timings.retries: expected an object like {"download": {"maximumAttempts": 3}}');
    return out;
  }
  for (const [name, v] of Object.entries(raw as Record<string, unknown>)) {
    const path = `timings.retries.${name}`;
    if (!(RETRY_POLICY_NAMES as readonly string[]).includes(name)) {
      problems.push(`${path}: unknown retry policy; known: ${RETRY_POLICY_NAMES.join(', ')}`);
      continue;
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      problems.push(`${path}: expected an object like {"maximumAttempts": 3, "initialIntervalMs": 100, "maximumIntervalMs": 1000}`);
      continue;
    }
    const policy = out[name as RetryPolicyName];
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (!(FIELDS as readonly string[]).includes(k)) {
        problems.push(`${path}.${k}: unknown field; known: ${FIELDS.join(', ')}`);
        continue;
      }
      const [min, max] = LIMITS[k as keyof RetryTiming];
      if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max) {
        problems.push(`${path}.${k}: expected an integer in [${min}, ${max}], got ${JSON.stringify(x)}`);
        continue;
      }
      policy[k as keyof RetryTiming] = x;
    }
    // Temporal refuses a policy whose cap is below its first interval.
    if (policy.maximumIntervalMs < policy.initialIntervalMs) {
      problems.push(`${path}.maximumIntervalMs: ${policy.maximumIntervalMs} is below initialIntervalMs (${policy.initialIntervalMs}); give at least ${policy.initialIntervalMs}`);
    }
  }
  return out;
}
