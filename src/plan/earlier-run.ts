import { planFeaturesOf, type PlanFeature } from '../workflows/plan-features';
import { formatRanges, parseRanges } from './number-ranges';

/**
 * What a restore that ended (failed, cancelled, terminated) had finished, folded from the history of its
 * chain's last run: the progress its continuation carried into that run, plus the completions that run
 * recorded after it. A later restore started with `resumeFrom` adopts it. Pure: the activity
 * (src/activities/earlier-run.ts) reads and decodes the history, this decides what it means.
 */

/** One activity execution of the run, decoded from history (all attempts of one schedule). */
export interface RunActivity {
  type: string;
  state: 'open' | 'completed' | 'failed' | 'timedOut' | 'canceled';
  /** The activity's input; undefined for a local activity (its marker does not record it). */
  input: unknown;
  result?: unknown;
  /** The attempt it started (or, local, ended) on, when the history shows one. */
  attempt?: number;
}

/** The decoded history of a run: its two workflow arguments and its activities in schedule order. */
export interface RunHistory {
  /** The restore input (first workflow argument), as given. */
  input: unknown;
  /** The continuation (second argument) of a run started by continue-as-new. */
  continuation?: unknown;
  activities: RunActivity[];
}

/** What a restore had finished, as counts, a hash and range text: never lists of files. */
export interface EarlierRunState {
  storage?: string;
  /** The input's `cluster` (absent = the worker's own cluster). */
  cluster?: unknown;
  /** The plan it restored; absent when it ended before planning finished (then nothing is adopted). */
  planHash?: string;
  /** The planning features that plan was made with (plan-features.ts): a resume plans with the same. */
  planFeatures?: PlanFeature[];
  /** Batch numbers recorded done, as range text (src/plan/number-ranges.ts). */
  doneBatches: string;
  batchesDone: number;
  filesIngested: number;
  bytesIngested: number;
  /** Table groups 0..n-1 passed their checksum. */
  groupsChecksummed: number;
  /** Groups above those that passed too (range text; own-group checksums run out of order). */
  checksummedAbove?: string;
  /** Tables whose checksum passed. */
  checksumPassed: number;
  /** The first group not passed had these tables mismatch: only they are checksummed again. */
  recheck?: { group: number; tables: string[] };
  /** Table IDs (range text) of each table group the chain created, by group number (runs that recorded them). */
  groupTableIds?: Record<string, string>;
}

/** An earlier restore as the resume reads it: which run, how it ended, what it finished. */
export interface EarlierRun extends EarlierRunState {
  workflowId: string;
  runId: string;
  /** Temporal's execution status name: FAILED, CANCELLED, TERMINATED, TIMED_OUT, RUNNING, COMPLETED, … */
  status: string;
}

interface ContinuationView {
  summary?: { planRef?: { hash?: string } & Record<string, unknown> };
  doneLow?: number;
  doneAbove?: number[];
  filesIngested?: number;
  bytesIngested?: number;
  groupsChecksummed?: number;
  checksummedAbove?: number[];
  checksumPassed?: number;
  recheck?: { group: number; tables: string[] };
}

const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {});
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/**
 * The table IDs each table group got, from every run of a chain (createTables results that recorded them, and
 * what a resumed run adopted from the restore before it). Later runs win.
 */
export function foldTableIds(runs: readonly RunHistory[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const run of runs) {
    for (const a of run.activities) {
      if (a.state !== 'completed') continue;
      const r = obj(a.result);
      if (a.type === 'readEarlierRun') Object.assign(out, obj(r.groupTableIds));
      if (a.type === 'createTables' && typeof r.ids === 'string') out[String(num(obj(a.input).group))] = r.ids;
    }
  }
  return out;
}

interface RecordedPlan {
  hash: string;
  features: PlanFeature[];
}

/**
 * A PlanRef as a run recorded it (in its continuation or its planRestore result): its hash and the planning
 * features it was made with, read together so the two always come from one ref; nothing for a ref without a hash.
 */
function recordedPlan(ref: unknown): RecordedPlan | undefined {
  const hash = obj(ref).hash;
  return typeof hash === 'string' && hash !== '' ? { hash, features: planFeaturesOf(ref) } : undefined;
}

/** Folds one run's history into what the whole chain had finished by the run's end. */
export function foldRunHistory(run: RunHistory): EarlierRunState {
  const input = obj(run.input);
  const done = new Set<number>();
  let plan: RecordedPlan | undefined;
  let filesIngested = 0;
  let bytesIngested = 0;
  let groupsChecksummed = 0;
  let checksumPassed = 0;
  let recheck: EarlierRunState['recheck'];

  const cont = run.continuation === undefined || run.continuation === null ? undefined : (run.continuation as ContinuationView);
  if (cont) {
    plan = recordedPlan(cont.summary?.planRef);
    for (let b = 0; b < num(cont.doneLow); b++) done.add(b);
    for (const b of cont.doneAbove ?? []) done.add(b);
    filesIngested = num(cont.filesIngested);
    bytesIngested = num(cont.bytesIngested);
    groupsChecksummed = num(cont.groupsChecksummed);
    checksumPassed = num(cont.checksumPassed);
    recheck = cont.recheck;
  }
  const passedGroups = new Set<number>(cont?.checksummedAbove ?? []);
  for (const a of run.activities) {
    if (a.state !== 'completed') continue;
    const r = obj(a.result);
    switch (a.type) {
      case 'planRestore':
        plan = recordedPlan(r.planRef) ?? plan;
        break;
      case 'readEarlierRun': {
        // This run resumed another: what that one had finished is this chain's starting point.
        for (const b of parseRanges(String(r.doneBatches ?? ''))) done.add(b);
        filesIngested += num(r.filesIngested);
        bytesIngested += num(r.bytesIngested);
        groupsChecksummed = Math.max(groupsChecksummed, num(r.groupsChecksummed));
        for (const g of parseRanges(typeof r.checksummedAbove === 'string' ? r.checksummedAbove : '')) passedGroups.add(g);
        checksumPassed += num(r.checksumPassed);
        recheck = r.recheck as EarlierRunState['recheck'];
        break;
      }
      case 'ingestBatch':
        done.add(num(obj(a.input).batchNo));
        filesIngested += num(r.files);
        bytesIngested += num(r.bytes);
        break;
      case 'checksumGroup': {
        const group = num(obj(a.input).group);
        checksumPassed += num(r.passed);
        const mismatches = Array.isArray(r.mismatches) ? (r.mismatches as { table?: unknown }[]) : [];
        if (mismatches.length === 0) {
          passedGroups.add(group);
          if (recheck?.group === group) recheck = undefined;
        } else {
          recheck = { group, tables: mismatches.map((m) => String(m.table)) };
        }
        break;
      }
    }
  }
  while (passedGroups.has(groupsChecksummed)) groupsChecksummed++;
  const above = [...passedGroups].filter((g) => g > groupsChecksummed);
  if (recheck && (recheck.group < groupsChecksummed || passedGroups.has(recheck.group))) recheck = undefined;
  return {
    ...(typeof input.storage === 'string' ? { storage: input.storage } : {}),
    ...(input.cluster !== undefined ? { cluster: input.cluster } : {}),
    ...(plan ? { planHash: plan.hash, planFeatures: plan.features } : {}),
    doneBatches: formatRanges(done),
    batchesDone: done.size,
    filesIngested,
    bytesIngested,
    groupsChecksummed,
    ...(above.length > 0 ? { checksummedAbove: formatRanges(above) } : {}),
    checksumPassed,
    ...(recheck ? { recheck } : {}),
  };
}

/** Statuses a restore can be resumed from: it ended without finishing. */
const RESUMABLE = new Set(['FAILED', 'CANCELLED', 'CANCELED', 'TERMINATED', 'TIMED_OUT']);

/**
 * Why `earlier` cannot be resumed by a restore of `storage` into `cluster` whose plan hashes to `planHash`
 * (empty: it can). Each reason names what differs and what to do.
 */
export function resumeProblems(earlier: EarlierRun | undefined, resumeFrom: string, want: { storage: string; cluster?: unknown; planHash: string }): string[] {
  if (!earlier) return [`resumeFrom: no restore with workflow ID ${JSON.stringify(resumeFrom)} in this namespace; give the ID of the restore to continue (brflow list)`];
  const problems: string[] = [];
  const id = JSON.stringify(earlier.workflowId);
  if (earlier.status === 'RUNNING') problems.push(`resumeFrom: restore ${id} is still running; let it end or cancel it (brflow cancel ${earlier.workflowId}), then resume`);
  else if (earlier.status === 'COMPLETED') problems.push(`resumeFrom: restore ${id} completed; there is nothing to resume`);
  else if (!RESUMABLE.has(earlier.status)) problems.push(`resumeFrom: restore ${id} ended ${earlier.status}, which cannot be resumed`);
  if (earlier.storage !== undefined && earlier.storage !== want.storage) {
    problems.push(`storage: restore ${id} restored ${earlier.storage}, not ${want.storage}; resume with the same backup or start a new restore`);
  }
  if (clusterKey(earlier.cluster) !== clusterKey(want.cluster)) {
    problems.push(`cluster: restore ${id} restored into ${describeCluster(earlier.cluster)}, not ${describeCluster(want.cluster)}; resume into the same cluster`);
  }
  if (earlier.planHash !== undefined && earlier.planHash !== want.planHash) {
    problems.push(
      `plan: restore ${id} restored plan ${earlier.planHash}, this input plans ${want.planHash}: the backup or the planning inputs (filters, caseSensitive, batchFiles, mergeRegion*, tableGroupSize, noSchema) differ; resume with the earlier input or start a new restore`,
    );
  }
  return problems;
}

/** One key per target cluster named by a restore input's `cluster` ('' = the worker's own). */
export function clusterKey(c: unknown): string {
  if (c === undefined || c === null) return '';
  const o = obj(c);
  const pd = Array.isArray(o.pd) ? (o.pd as unknown[]).map((e) => String(e).replace(/^https?:\/\//i, '').replace(/\/+$/, '').toLowerCase()).sort() : [];
  return JSON.stringify({ pd, tidb: String(o.tidb ?? '').toLowerCase() });
}

function describeCluster(c: unknown): string {
  if (c === undefined || c === null) return "the worker's own cluster";
  const o = obj(c);
  return `PD ${Array.isArray(o.pd) ? (o.pd as unknown[]).join(',') : '?'} / TiDB ${String(o.tidb ?? '?')}`;
}
