import { ClusterError, classifyError } from './errors';
import type { PdHttp, ScheduleConfig } from './pd-http';

/** Schedulers that move regions/leaders around and slow an import down (BR pdutil.Schedulers + evict-slow-store). */
export const SCHEDULERS_TO_PAUSE: readonly string[] = [
  'balance-leader-scheduler',
  'balance-hot-region-scheduler',
  'balance-region-scheduler',
  'shuffle-leader-scheduler',
  'shuffle-region-scheduler',
  'shuffle-hot-region-scheduler',
  'evict-slow-store-scheduler',
];

/** Pause TTL (BR pauseTimeout = 5 min): a crashed restore's pause ends by itself after this. */
export const PAUSE_TTL_SECONDS = 300;
/** Renew the pause every TTL/3 (BR's keeper ticks every 100 s). */
export const PAUSE_RENEW_INTERVAL_SECONDS = PAUSE_TTL_SECONDS / 3;
/** PD learned TTL schedule config in 4.0.8 (tikv/pd#3088, BR pauseConfigVersion). */
export const MIN_PD_VERSION_TTL_CONFIG = '4.0.8';
/** Scheduler pause (`{"delay": N}`) came with PD 4.0; older PDs only have remove/add. */
export const MIN_PD_VERSION_PAUSE_SCHEDULER = '4.0.0';
/** Upper bound BR puts on the multiplied schedule limits: larger values destabilise the cluster. */
const MAX_SCHEDULE_LIMIT = 40;
/** BR's maxPendingPeerUnlimited (math.MaxInt32): scatter must not fail on pending peers. */
const MAX_PENDING_PEER_UNLIMITED = 2147483647;

export type SchedulerMode = 'pause-with-ttl' | 'remove-and-add';
export type ConfigMode = 'ttl' | 'plain';

/**
 * Everything needed to undo the scheduling changes, as plain JSON (it goes into workflow state): which
 * schedulers were paused or removed and how, the config keys changed with their original and restore values,
 * and which PD API path was used.
 */
export interface PdSchedulingSnapshot {
  pdVersion: string;
  schedulerMode: SchedulerMode;
  /** The schedulers this restore paused (or removed), in order. */
  schedulers: string[];
  configMode: ConfigMode;
  /** Values of the changed keys before the restore (PD's JSON types kept). */
  originalConfig: ScheduleConfig;
  /** Values set for the restore. */
  restoreConfig: ScheduleConfig;
  /** TTL of the pause and of the config overrides, seconds (TTL modes only). */
  ttlSeconds: number;
}

export interface PlanSchedulingOptions {
  /** Number of stores PD knows (BR counts all of them, TiFlash included): limits are multiplied by it. */
  storeCount: number;
  /** @default PAUSE_TTL_SECONDS */
  ttlSeconds?: number;
  /** Forces a mode instead of detecting it from PD's version (tests, or a PD that misreports). */
  schedulerMode?: SchedulerMode;
  configMode?: ConfigMode;
}

/** Compares dotted versions numerically, ignoring pre-release/build suffixes ("5.3.0-alpha" = 5.3.0). */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string): number[] =>
    v.replace(/^v/, '').split(/[-+]/)[0]!.split('.').map((x) => Number.parseInt(x, 10) || 0);
  const pa = parse(a);
  const pb = parse(b);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/**
 * The restore values for the keys present in `current` (BR expectPDCfgGenerators, after tidb#47576:
 * merge-schedule-limit 0 rather than max-merge-region-* 0, which kept TiKV from splitting — tikv/pd#7148).
 */
export function restoreScheduleValues(current: ScheduleConfig, storeCount: number): { original: ScheduleConfig; restore: ScheduleConfig } {
  const original: ScheduleConfig = {};
  const restore: ScheduleConfig = {};
  const set = (k: string, v: unknown): void => {
    if (!(k in current)) return;
    original[k] = current[k];
    restore[k] = v;
  };
  if ('merge-schedule-limit' in current) set('merge-schedule-limit', 0);
  else {
    set('max-merge-region-keys', 0);
    set('max-merge-region-size', 0);
  }
  for (const k of ['leader-schedule-limit', 'region-schedule-limit', 'max-snapshot-count']) {
    const cur = Number(current[k]);
    if (Number.isFinite(cur)) set(k, Math.min(MAX_SCHEDULE_LIMIT, cur * Math.max(1, storeCount)));
  }
  // PD keeps this one as a string ("true"/"false"); write the same type back.
  set('enable-location-replacement', typeof current['enable-location-replacement'] === 'boolean' ? false : 'false');
  set('max-pending-peer-count', MAX_PENDING_PEER_UNLIMITED);
  return { original, restore };
}

/**
 * Reads PD and decides what to change, changing nothing: persist the snapshot first, then `applyPdScheduling`,
 * so a crash between the two still leaves the undo data behind.
 */
export async function planPdScheduling(pd: PdHttp, opts: PlanSchedulingOptions): Promise<PdSchedulingSnapshot> {
  const [pdVersion, present, current, pausedAlready] = await Promise.all([
    pd.version(),
    pd.listSchedulers(),
    pd.getScheduleConfig(),
    pd.listSchedulers('paused').catch(() => [] as string[]),
  ]);
  // A scheduler someone else paused stays theirs: not in our snapshot, so our restore will not resume it.
  // PDs without the status filter answer the full list; then nobody's pause can be told apart, pause all.
  const othersPaused = pausedAlready.length < present.length ? new Set(pausedAlready) : new Set<string>();
  const { original, restore } = restoreScheduleValues(current, opts.storeCount);
  return {
    pdVersion,
    schedulerMode: opts.schedulerMode ?? (compareVersions(pdVersion, MIN_PD_VERSION_PAUSE_SCHEDULER) >= 0 ? 'pause-with-ttl' : 'remove-and-add'),
    schedulers: SCHEDULERS_TO_PAUSE.filter((s) => present.includes(s) && !othersPaused.has(s)),
    configMode: opts.configMode ?? (compareVersions(pdVersion, MIN_PD_VERSION_TTL_CONFIG) >= 0 ? 'ttl' : 'plain'),
    originalConfig: original,
    restoreConfig: restore,
    ttlSeconds: opts.ttlSeconds ?? PAUSE_TTL_SECONDS,
  };
}

/**
 * Pauses the snapshot's schedulers and sets its config. If PD rejects the pause API as unknown, falls back to
 * remove/add and returns the snapshot with the mode it really used. Also the keeper's renewal: calling it again
 * with the same snapshot extends the TTLs (remove/add and plain config need no renewal and are re-applied
 * harmlessly).
 */
export async function applyPdScheduling(pd: PdHttp, snap: PdSchedulingSnapshot): Promise<PdSchedulingSnapshot> {
  let mode = snap.schedulerMode;
  for (const name of snap.schedulers) {
    if (mode === 'pause-with-ttl') {
      try {
        await pd.pauseScheduler(name, snap.ttlSeconds);
        continue;
      } catch (e) {
        const kind = classifyError(e).kind;
        // Only the first scheduler can discover that the API is missing; later ones were paused already.
        if (name === snap.schedulers[0] && (kind === 'unimplemented' || kind === 'not-found')) {
          mode = 'remove-and-add';
        } else if (!(await pd.listSchedulers()).includes(name)) {
          // Removed by someone since the plan: nothing left to pause (and restore will add it back).
          continue;
        } else {
          throw e;
        }
      }
    }
    if ((await pd.listSchedulers()).includes(name)) await pd.removeScheduler(name);
  }
  if (Object.keys(snap.restoreConfig).length > 0) {
    if (snap.configMode === 'ttl') await pd.setConfigWithTtl(snap.restoreConfig, snap.ttlSeconds);
    else await pd.setScheduleConfig(snap.restoreConfig);
  }
  return { ...snap, schedulerMode: mode };
}

/** plan + apply in one go, for callers that keep the snapshot only in memory (CLI, tests). */
export async function pausePdScheduling(pd: PdHttp, opts: PlanSchedulingOptions): Promise<PdSchedulingSnapshot> {
  return applyPdScheduling(pd, await planPdScheduling(pd, opts));
}

/**
 * Those of `names` that PD's leader runs unpaused now: present in its scheduler list and missing from its paused
 * list. A restore's pauses are lost this way when PD changes leader (the pauses live in the leader's memory) or
 * someone resumes a scheduler by hand; a scheduler someone removed is left out, since pausing it again would fail.
 */
export async function runningSchedulers(pd: PdHttp, names: readonly string[]): Promise<string[]> {
  const [present, paused] = await Promise.all([pd.listSchedulers(), pd.listSchedulers('paused')]);
  return names.filter((n) => present.includes(n) && !paused.includes(n));
}

/**
 * Puts scheduling back as the snapshot says it was: resumes (delay 0) or re-adds the schedulers and restores
 * the original config (TTL mode: the same keys with ttlSecond=0, which drops the overrides). Idempotent — it
 * sets the desired state, so running it twice, or after a crash half-way, is safe. Tries every step and
 * reports all failures together.
 */
export async function restorePdScheduling(pd: PdHttp, snap: PdSchedulingSnapshot): Promise<void> {
  const failures: string[] = [];
  const attempt = async (what: string, fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
    } catch (e) {
      failures.push(`${what}: ${(e as Error).message}`);
    }
  };
  let present: string[] = [];
  await attempt('list schedulers', async () => {
    present = await pd.listSchedulers();
  });
  for (const name of snap.schedulers) {
    // The desired state is "exists and runs". A missing one was removed by us (remove/add mode, or a pause
    // that fell back to removal after the snapshot was stored), so it is added back in either mode.
    if (!present.includes(name)) await attempt(`re-add ${name}`, () => pd.addScheduler(name));
    else if (snap.schedulerMode === 'pause-with-ttl') await attempt(`resume ${name}`, () => pd.pauseScheduler(name, 0));
  }
  if (Object.keys(snap.originalConfig).length > 0) {
    if (snap.configMode === 'ttl') await attempt('drop TTL schedule config', () => pd.setConfigWithTtl(snap.originalConfig, 0));
    else await attempt('restore schedule config', () => pd.setScheduleConfig(snap.originalConfig));
  }
  if (failures.length > 0) {
    throw new ClusterError('PD', 'restore PD scheduling', {
      kind: 'unavailable',
      retryable: true,
      detail: `${failures.join('; ')} — retry, or resume the schedulers (POST /pd/api/v1/schedulers/<name> {"delay":0}) and restore the config by hand`,
    });
  }
}

/** One line for logs and the CLI: which modes the target cluster got. */
export function describeScheduling(snap: PdSchedulingSnapshot): string {
  const sched = snap.schedulerMode === 'pause-with-ttl' ? `paused for ${snap.ttlSeconds}s (renewed)` : 'removed, re-added at the end';
  const cfg = snap.configMode === 'ttl' ? `set with a ${snap.ttlSeconds}s TTL` : 'set permanently, originals restored at the end';
  return `PD ${snap.pdVersion}: ${snap.schedulers.length} schedulers ${sched}; ${Object.keys(snap.restoreConfig).length} schedule config keys ${cfg}`;
}
