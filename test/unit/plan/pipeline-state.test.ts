import { batchesDone, markBatchDone, PipelineScheduler, type PipelineProgress, type PipelineShape, type SchedulerOptions } from '../../../src/plan/pipeline-state';

/** Three groups: group 0 → batches 0–1, group 1 → batches 2–4, group 2 → batch 5. */
const SHAPE: PipelineShape = { tableGroups: 3, batches: 6, readyBatches: [2, 5, 6], groupBatchEnd: [2, 5, 6] };

const fresh = (over: Partial<PipelineProgress> = {}): PipelineProgress => ({ groupsCreated: 0, groupsChecksummed: 0, doneLow: 0, doneAbove: new Set(), ...over });
const opts = (over: Partial<SchedulerOptions> = {}): SchedulerOptions => ({ checksum: true, ddlFanOut: 1, maxBatchesPerRun: 100, continueSuggested: () => false, ...over });

/** Dispatches every batch canIngest allows, as the workflow does, and returns them. */
/** A batch's ingest completing: done, then its slot freed (as the workflow reports it). */
function finishBatch(p: PipelineScheduler, b: number): void {
  p.batchDone(b);
  p.batchEnded(b);
}

/** A group's checksum passing, then its slot freed. */
function finishChecksum(p: PipelineScheduler, g: number): void {
  p.checksummed(g);
  p.checksumEnded(g);
}

function dispatch(p: PipelineScheduler, concurrency = 10): number[] {
  const out: number[] = [];
  while (p.canIngest(false, concurrency)) {
    const b = p.nextBatch();
    p.startBatch(b);
    out.push(b);
  }
  return out;
}

describe('markBatchDone', () => {
  it('keeps a gap-free prefix and the batches done above it', () => {
    const p = fresh();
    markBatchDone(p, 1);
    markBatchDone(p, 3);
    expect([p.doneLow, [...p.doneAbove]]).toEqual([0, [1, 3]]);
    markBatchDone(p, 0);
    expect([p.doneLow, [...p.doneAbove]]).toEqual([2, [3]]);
    expect(batchesDone(p)).toBe(3);
  });
});

describe('PipelineScheduler, prefix readiness (every recorded history)', () => {
  it('creates up to ddlFanOut groups at once; a batch waits for every group up to its own', () => {
    const p = new PipelineScheduler(SHAPE, fresh(), opts({ ddlFanOut: 2 }));
    expect(dispatch(p)).toEqual([]);
    expect([p.startCreate(), p.startCreate()]).toEqual([0, 1]);
    expect(p.canCreate()).toBe(false);
    // Group 1 finishes first: not a prefix, so no batch of it may start.
    p.created(1);
    p.createEnded(1);
    expect(p.progress.groupsCreated).toBe(0);
    expect(dispatch(p)).toEqual([]);
    p.created(0);
    p.createEnded(0);
    expect(p.progress.groupsCreated).toBe(2);
    expect(dispatch(p)).toEqual([0, 1, 2, 3, 4]);
  });

  it('respects concurrency and skips batches in flight or done above the prefix', () => {
    const p = new PipelineScheduler(SHAPE, fresh({ groupsCreated: 3, doneAbove: new Set([1]) }), opts());
    expect(dispatch(p, 2)).toEqual([0, 2]);
    expect(p.canIngest(false, 2)).toBe(false);
    finishBatch(p, 0);
    expect(p.progress.doneLow).toBe(2);
    expect(dispatch(p, 2)).toEqual([3]);
    expect(p.canIngest(true, 10)).toBe(false);
  });

  it('checksums a group once its batches are done, in group order', () => {
    const p = new PipelineScheduler(SHAPE, fresh({ groupsCreated: 2 }), opts());
    expect(p.canChecksum()).toBe(false);
    markBatchDone(p.progress, 0);
    expect(p.canChecksum()).toBe(false);
    markBatchDone(p.progress, 1);
    expect(p.canChecksum()).toBe(true);
    expect(p.startChecksum()).toBe(0);
    expect(p.canChecksum()).toBe(false);
    finishChecksum(p, 0);
    expect(p.progress.groupsChecksummed).toBe(1);
    expect(p.canChecksum()).toBe(false);
  });

  it('is done when every group is created and checksummed and every batch done; without checksums, no checksum needed', () => {
    const all = (): PipelineProgress => fresh({ groupsCreated: 3, doneLow: 6 });
    expect(new PipelineScheduler(SHAPE, all(), opts()).allDone()).toBe(false);
    expect(new PipelineScheduler(SHAPE, { ...all(), groupsChecksummed: 3 }, opts()).allDone()).toBe(true);
    expect(new PipelineScheduler(SHAPE, all(), opts({ checksum: false })).allDone()).toBe(true);
    expect(new PipelineScheduler(SHAPE, all(), opts({ checksum: false })).canChecksum()).toBe(false);
  });

  it('continues as new after maxBatchesPerRun dispatches (or when Temporal suggests), once drained', () => {
    const p = new PipelineScheduler(SHAPE, fresh({ groupsCreated: 3 }), opts({ maxBatchesPerRun: 2 }));
    expect(dispatch(p)).toEqual([0, 1]);
    expect(p.wantContinue()).toBe(true);
    expect(p.canCreate()).toBe(false);
    expect(p.readyToContinue()).toBe(false);
    finishBatch(p, 0);
    finishBatch(p, 1);
    // Checksums hold too: the next run starts them.
    expect(p.canChecksum()).toBe(false);
    expect(p.readyToContinue()).toBe(true);
    let suggested = false;
    const q = new PipelineScheduler(SHAPE, fresh(), opts({ continueSuggested: () => suggested }));
    expect(q.readyToContinue()).toBe(false);
    suggested = true;
    expect(q.readyToContinue()).toBe(true);
  });

  it('a continued run starts from the carried cursor', () => {
    const p = new PipelineScheduler(SHAPE, fresh({ groupsCreated: 2, groupsChecksummed: 1, doneLow: 3 }), opts());
    expect(p.startCreate()).toBe(2);
    expect(dispatch(p)).toEqual([3, 4]);
  });
});

describe('PipelineScheduler, own-group readiness', () => {
  it("starts a group's batches as soon as its own tables exist", () => {
    const p = new PipelineScheduler(SHAPE, fresh(), opts({ ddlFanOut: 3, readiness: 'own-group' }));
    expect([p.startCreate(), p.startCreate(), p.startCreate()]).toEqual([0, 1, 2]);
    p.created(2);
    p.createEnded(2);
    expect(dispatch(p)).toEqual([5]);
    p.created(1);
    p.createEnded(1);
    expect(dispatch(p)).toEqual([2, 3, 4]);
    expect(p.progress.groupsCreated).toBe(0);
    p.created(0);
    p.createEnded(0);
    expect(p.progress.groupsCreated).toBe(3);
    expect(dispatch(p)).toEqual([0, 1]);
    // Group 1 cannot be checksummed before group 0: checksums stay in group order.
    for (const b of [2, 3, 4, 5]) p.batchDone(b);
    expect(p.canChecksum()).toBe(false);
    p.batchDone(0);
    p.batchDone(1);
    expect(p.progress.doneLow).toBe(6);
    expect(p.canChecksum()).toBe(true);
  });

  it('skips groups with no batches and finds nothing when no created group has work', () => {
    const shape: PipelineShape = { tableGroups: 3, batches: 2, readyBatches: [1, 1, 2], groupBatchEnd: [1, 1, 2] };
    const p = new PipelineScheduler(shape, fresh(), opts({ ddlFanOut: 3, readiness: 'own-group' }));
    p.startCreate();
    p.startCreate();
    p.created(1);
    expect(p.nextBatch()).toBe(2);
    expect(p.canIngest(false, 4)).toBe(false);
    p.startCreate();
    p.created(2);
    expect(dispatch(p)).toEqual([1]);
  });
});

describe('PipelineScheduler, own-group checksums', () => {
  const own = (over: Partial<SchedulerOptions> = {}): SchedulerOptions => opts({ readiness: 'own-group', checksumOrder: 'own-group', checksumFanOut: 2, ddlFanOut: 3, ...over });
  /** Creates every group (in order) and returns the scheduler. */
  const created = (progress = fresh(), o = own()): PipelineScheduler => {
    const p = new PipelineScheduler(SHAPE, progress, o);
    while (p.canCreate()) {
      const g = p.startCreate();
      p.created(g);
      p.createEnded(g);
    }
    return p;
  };

  it('checksums a group as soon as its own batches are done, before a lower group is ingested', () => {
    const p = created();
    // Group 1's batches (2–4) done; group 0's (0–1) not.
    for (const b of [2, 3, 4]) markBatchDone(p.progress, b);
    expect(p.canChecksum()).toBe(true);
    expect(p.startChecksum()).toBe(1);
    finishChecksum(p, 1);
    // The prefix stays at 0 until group 0 passes; group 1 is carried above it.
    expect([p.progress.groupsChecksummed, [...p.progress.checksummedAbove!]]).toEqual([0, [1]]);
    expect(p.canChecksum()).toBe(false);
    for (const b of [0, 1]) markBatchDone(p.progress, b);
    expect(p.startChecksum()).toBe(0);
    finishChecksum(p, 0);
    expect([p.progress.groupsChecksummed, [...p.progress.checksummedAbove!]]).toEqual([2, []]);
  });

  it('runs at most checksumFanOut group checksums at once, and none of a group not created', () => {
    const p = new PipelineScheduler(SHAPE, fresh(), own());
    // Groups 0 and 2 created; every batch done (as a resumed run may find them).
    for (const g of [p.startCreate(), p.startCreate(), p.startCreate()]) p.createEnded(g);
    p.created(0);
    p.created(2);
    for (let b = 0; b < 6; b++) markBatchDone(p.progress, b);
    const started: number[] = [];
    while (p.canChecksum()) started.push(p.startChecksum());
    expect(started).toEqual([0, 2]);
    p.created(1);
    // Two in flight already.
    expect(p.canChecksum()).toBe(false);
    finishChecksum(p, 2);
    expect(p.startChecksum()).toBe(1);
    expect(p.allDone()).toBe(false);
    finishChecksum(p, 0);
    finishChecksum(p, 1);
    expect(p.allDone()).toBe(true);
  });

  it('a group with no batches of its own is checksummed once created', () => {
    const shape: PipelineShape = { tableGroups: 2, batches: 2, readyBatches: [2, 2], groupBatchEnd: [2, 2] };
    const p = new PipelineScheduler(shape, fresh(), own());
    for (const g of [p.startCreate(), p.startCreate()]) {
      p.created(g);
      p.createEnded(g);
    }
    expect(p.startChecksum()).toBe(1);
    expect(p.canChecksum()).toBe(false);
  });

  it('a continued run starts from the carried groups: none is checksummed twice', () => {
    const p = created(fresh({ doneLow: 6, groupsChecksummed: 0, checksummedAbove: new Set([2]) }));
    const started: number[] = [];
    while (p.canChecksum()) started.push(p.startChecksum());
    expect(started).toEqual([0, 1]);
  });

  it('prefix order (every recorded history) still takes one group at a time, in order', () => {
    const p = created(fresh(), own({ checksumOrder: 'prefix' }));
    for (const b of [2, 3, 4]) markBatchDone(p.progress, b);
    expect(p.canChecksum()).toBe(false);
    for (const b of [0, 1]) markBatchDone(p.progress, b);
    expect(p.startChecksum()).toBe(0);
    expect(p.canChecksum()).toBe(false);
  });
});
