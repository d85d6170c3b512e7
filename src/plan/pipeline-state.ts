/**
 * The restore pipeline's decisions — which table group to create next, which batch to split and ingest next,
 * when a group may be checksummed, when the run is done or should continue as new — as plain deterministic
 * code. The workflow (src/workflows/restore-pipeline.ts) carries them out; it owns the activities, this owns
 * the bookkeeping, so the scheduling rules can be unit-tested without Temporal (test/unit/plan/pipeline-state.test.ts).
 */

/** The plan's counts the scheduler needs (PlanSummary's pipeline part). */
export interface PipelineShape {
  tableGroups: number;
  batches: number;
  /** readyBatches[g]: batches 0..n-1 can run once table groups 0..g exist (monotone). */
  readyBatches: readonly number[];
  /** groupBatchEnd[g]: group g is fully ingested once batches 0..n-1 are done (monotone). */
  groupBatchEnd: readonly number[];
}

/**
 * What a restore has finished, carried across continue-as-new: a gap-free prefix of created and of checksummed
 * groups, and the done batches as a prefix (`doneLow`) plus those done above it.
 */
export interface PipelineProgress {
  groupsCreated: number;
  groupsChecksummed: number;
  /** Groups checksummed above the `groupsChecksummed` prefix (`own-group` checksums; absent in runs from before). */
  checksummedAbove?: Set<number>;
  doneLow: number;
  doneAbove: Set<number>;
}

/** Records batch `b` done and moves the done prefix past every batch now contiguous with it. */
export function markBatchDone(p: PipelineProgress, b: number): void {
  p.doneAbove.add(b);
  while (p.doneAbove.delete(p.doneLow)) p.doneLow++;
}

/** Batches done so far. */
export function batchesDone(p: PipelineProgress): number {
  return p.doneLow + p.doneAbove.size;
}

/**
 * Which created groups let a batch run.
 * - `prefix`: a batch runs once every group up to its own exists (every history recorded before `own-group`).
 * - `own-group`: a batch runs once its own group exists: a batch only resolves (and its ranges only rewrite
 *   into) its own tables, and groups are contiguous slices of the table order, so a batch never reaches into a
 *   lower group. With several groups created at once, a group finishing first starts its batches at once.
 */
export type BatchReadiness = 'prefix' | 'own-group';

export interface SchedulerOptions {
  /** Whether each group is checksummed once ingested. */
  checksum: boolean;
  /** Groups created at once (BR's DDL sessions; 1 in runs recorded before the fan-out). */
  ddlFanOut: number;
  /** Batches this run dispatches before it continues as new. */
  maxBatchesPerRun: number;
  /** Temporal's suggestion to continue as new (history size); read at each decision. */
  continueSuggested: () => boolean;
  /** @default 'prefix' */
  readiness?: BatchReadiness;
  /**
   * Which ingested groups may be checksummed: `prefix` (every history recorded before `own-group`), the next group
   * in order once every batch up to its end is done, one at a time; `own-group`, any created group whose own
   * batches are done, up to `checksumFanOut` at once, so a group that finished early is checked while others
   * still ingest (as BR checksums each table once its files are restored, research §9.3).
   * @default 'prefix'
   */
  checksumOrder?: BatchReadiness;
  /** Group checksums at once (`own-group` only). @default 1 */
  checksumFanOut?: number;
}

/**
 * Table groups checksummed at once (`own-group` checksums). Each group checks up to 64 tables at once
 * (checksumGroup), so two groups keep BR's 64-table checksum pool busy across a group's tail while ingest goes on.
 */
export const CHECKSUM_GROUPS_AT_ONCE = 2;

/** The run-local state of one pipeline run over the carried `progress` (which it updates in place). */
export class PipelineScheduler {
  /** Batches being split/ingested. */
  readonly inflight = new Set<number>();
  /** Groups whose tables are being created. */
  readonly creating = new Set<number>();
  private readonly createdAbove = new Set<number>();
  private nextGroup: number;
  /** Groups being checksummed. */
  readonly checksumming = new Set<number>();
  private readonly checksummedAbove: Set<number>;
  private dispatched = 0;
  /** Every batch below it is done, in flight or done-above: where the search for the next batch starts. */
  private cursor: number;
  private readonly readiness: BatchReadiness;

  constructor(
    private readonly shape: PipelineShape,
    readonly progress: PipelineProgress,
    private readonly opts: SchedulerOptions,
  ) {
    this.nextGroup = progress.groupsCreated;
    this.cursor = progress.doneLow;
    this.readiness = opts.readiness ?? 'prefix';
    this.checksummedAbove = progress.checksummedAbove ??= new Set<number>();
  }

  /** This run has dispatched its share of batches, or Temporal suggests a new run. */
  wantContinue(): boolean {
    return this.dispatched >= this.opts.maxBatchesPerRun || this.opts.continueSuggested();
  }

  /** Nothing is running: no creation, no checksum, no batch. */
  idle(): boolean {
    return this.creating.size === 0 && this.checksumming.size === 0 && this.inflight.size === 0;
  }

  canCreate(): boolean {
    return this.creating.size < this.opts.ddlFanOut && this.nextGroup < this.shape.tableGroups && !this.wantContinue();
  }

  /** Takes the next group to create (call only when canCreate()). */
  startCreate(): number {
    const group = this.nextGroup++;
    this.creating.add(group);
    return group;
  }

  /** Group `group`'s tables exist; only a gap-free prefix counts in `groupsCreated`. */
  created(group: number): void {
    this.createdAbove.add(group);
    while (this.createdAbove.delete(this.progress.groupsCreated)) this.progress.groupsCreated++;
  }

  /** The creation of `group` ended, whether it succeeded or not. */
  createEnded(group: number): void {
    this.creating.delete(group);
  }

  /** `paused`: paused or pausing; batches hold, creation and checksums go on. */
  canIngest(paused: boolean, concurrency: number): boolean {
    return !(paused || this.wantContinue()) && this.inflight.size < concurrency && this.nextBatch() < this.shape.batches;
  }

  /**
   * The lowest batch neither done nor in flight whose tables exist (per `readiness`), or `shape.batches`
   * when there is none.
   */
  nextBatch(): number {
    const p = this.progress;
    const skip = (b: number): boolean => b < p.doneLow || this.inflight.has(b) || p.doneAbove.has(b);
    while (this.cursor < this.shape.batches && skip(this.cursor)) this.cursor++;
    if (this.readiness === 'prefix') return this.cursor < this.readyUpTo() ? this.cursor : this.shape.batches;
    let b = this.cursor;
    while (b < this.shape.batches) {
      if (skip(b)) {
        b++;
        continue;
      }
      const g = this.groupOf(b);
      if (this.isCreated(g)) return b;
      // Skip the rest of a group not created yet (a plan whose groups end short of `batches` stops here).
      const end = this.shape.groupBatchEnd[g]!;
      b = end > b ? end : this.shape.batches;
    }
    return this.shape.batches;
  }

  /** Takes batch `b` (from nextBatch()) into flight. */
  startBatch(b: number): void {
    this.inflight.add(b);
    this.dispatched++;
  }

  /** Batch `b` was ingested. */
  batchDone(b: number): void {
    markBatchDone(this.progress, b);
  }

  /** Batch `b` left flight, done or not. */
  batchEnded(b: number): void {
    this.inflight.delete(b);
  }

  canChecksum(): boolean {
    return this.opts.checksum && !this.wantContinue() && this.nextChecksum() !== undefined;
  }

  /** Takes the next group to checksum (call only when canChecksum()). */
  startChecksum(): number {
    const g = this.nextChecksum()!;
    this.checksumming.add(g);
    return g;
  }

  /** Group `group`'s checksum passed; only a gap-free prefix counts in `groupsChecksummed`. */
  checksummed(group: number): void {
    const p = this.progress;
    this.checksummedAbove.add(group);
    while (this.checksummedAbove.delete(p.groupsChecksummed)) p.groupsChecksummed++;
  }

  /** The checksum of `group` ended, whether it passed or not. */
  checksumEnded(group: number): void {
    this.checksumming.delete(group);
  }

  /** The group to checksum next under `checksumOrder`, if one may start now. */
  private nextChecksum(): number | undefined {
    const p = this.progress;
    if ((this.opts.checksumOrder ?? 'prefix') === 'prefix') {
      const g = p.groupsChecksummed;
      return this.checksumming.size === 0 && g < p.groupsCreated && p.doneLow >= this.shape.groupBatchEnd[g]! ? g : undefined;
    }
    if (this.checksumming.size >= Math.max(1, this.opts.checksumFanOut ?? 1)) return undefined;
    for (let g = p.groupsChecksummed; g < this.nextGroup; g++) {
      if (this.checksummedAbove.has(g) || this.checksumming.has(g)) continue;
      if (this.isCreated(g) && this.groupIngested(g)) return g;
    }
    return undefined;
  }

  private isCreated(g: number): boolean {
    return g < this.progress.groupsCreated || this.createdAbove.has(g);
  }

  /** Every batch of group `g`'s own (batches never span groups: src/plan/batches.ts) is done. */
  private groupIngested(g: number): boolean {
    const p = this.progress;
    const end = this.shape.groupBatchEnd[g]!;
    for (let b = Math.max(p.doneLow, g > 0 ? this.shape.groupBatchEnd[g - 1]! : 0); b < end; b++) {
      if (!p.doneAbove.has(b)) return false;
    }
    return true;
  }

  /** Every group created and checksummed (when checksums are on), every batch done, nothing running. */
  allDone(): boolean {
    const p = this.progress;
    return this.idle() && p.groupsCreated === this.shape.tableGroups && p.doneLow === this.shape.batches && (!this.opts.checksum || p.groupsChecksummed === this.shape.tableGroups);
  }

  /** The run has reached its share and drained: continue as new. */
  readyToContinue(): boolean {
    return this.wantContinue() && this.idle();
  }

  private readyUpTo(): number {
    const n = this.progress.groupsCreated;
    return n > 0 ? this.shape.readyBatches[n - 1]! : 0;
  }

  /** The group whose batches include `b` (groupBatchEnd is monotone). */
  private groupOf(b: number): number {
    let lo = 0;
    let hi = this.shape.tableGroups - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.shape.groupBatchEnd[mid]! > b) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
