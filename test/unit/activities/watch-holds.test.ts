import { MockActivityEnvironment } from '@temporalio/testing';
import type { ScheduleControl, StoreControl, TsoAndGc } from '../../../src/activities/deps';
import { firstLosses, keeperActivities, LOSS_GRACE_MS } from '../../../src/activities/keeper';
import type { HoldWatch } from '../../../src/plan/hold-watch';

/** A cluster whose holds a test drops by hand; every check is timed, to see when the watch looks. */
function cluster() {
  const state = { running: [] as string[], normalStores: [] as string[], failing: false, hangModes: false, hangSchedulers: false, checks: [] as number[] };
  const schedules = {
    running: async (names: readonly string[]) => {
      state.checks.push(Date.now());
      if (state.hangSchedulers) return new Promise<string[]>(() => undefined);
      if (state.failing) throw new Error('PD has no leader yet');
      return names.filter((n) => state.running.includes(n));
    },
  } as unknown as ScheduleControl;
  const stores = {
    modes: async () => {
      // A PD leader whose host hangs: the store list behind the modes waits out its call deadline.
      if (state.hangModes) return new Promise<never>(() => undefined);
      if (state.failing) throw new Error('store 2 unreachable');
      return ['1', '2', '3'].map((id) => ({ storeId: id, mode: state.normalStores.includes(id) ? ('normal' as const) : ('import' as const) }));
    },
  } as unknown as StoreControl;
  return { state, acts: keeperActivities({} as TsoAndGc, schedules, stores) };
}

const watch = (fromInMs: number, untilInMs: number): HoldWatch => ({
  schedulers: ['balance-region-scheduler', 'balance-leader-scheduler'],
  importMode: true,
  fromMs: Date.now() + fromInMs,
  untilMs: Date.now() + untilInMs,
});

describe('watchHolds', () => {
  test('everything held: looks from fromMs on, beats while waiting, and returns nothing lost when the renewal is due', async () => {
    const { state, acts } = cluster();
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 3000 });
    let beats = 0;
    env.on('heartbeat', () => beats++);
    const w = watch(300, 2600);
    const result = await env.run(() => acts.watchHolds(w));
    expect(result).toEqual({ lost: [] });
    expect(Date.now()).toBeGreaterThanOrEqual(w.untilMs);
    // Not before fromMs; then once, and again after a poll interval (2 s).
    expect(state.checks.length).toBe(2);
    expect(state.checks[0]!).toBeGreaterThanOrEqual(w.fromMs);
    expect(state.checks[1]! - state.checks[0]!).toBeGreaterThanOrEqual(1990);
    expect(beats).toBeGreaterThanOrEqual(2);
  });

  test('returns at the first look that finds a pause or import mode gone, naming each', async () => {
    const { state, acts } = cluster();
    state.running = ['balance-leader-scheduler'];
    state.normalStores = ['2'];
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 3000 });
    const w = watch(200, 60_000);
    const result = await env.run(() => acts.watchHolds(w));
    expect(result).toEqual({ lost: ['scheduler balance-leader-scheduler is not paused', 'store 2 is in normal mode'] });
    expect(state.checks).toHaveLength(1);
    expect(Date.now()).toBeLessThan(w.fromMs + 1000);
  });

  test('a check that fails (PD electing a leader) counts as nothing lost; the next look finds the loss', async () => {
    const { state, acts } = cluster();
    state.failing = true;
    state.running = ['balance-region-scheduler'];
    setTimeout(() => (state.failing = false), 1000);
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 3000 });
    const result = await env.run(() => acts.watchHolds(watch(0, 60_000)));
    expect(result).toEqual({ lost: ['scheduler balance-region-scheduler is not paused'] });
    expect(state.checks).toHaveLength(2);
  });

  test('a stop (cancellation) ends the wait at once', async () => {
    const { acts } = cluster();
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 3000 });
    const started = Date.now();
    const run = env.run(() => acts.watchHolds(watch(0, 60_000)));
    setTimeout(() => env.cancel(), 300);
    await expect(run).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1500);
  });

  test('a check that hangs (a PD member whose host hangs) neither hides what the other found nor silences the beats', async () => {
    const { state, acts } = cluster();
    state.hangModes = true;
    state.running = ['balance-region-scheduler'];
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 3000 });
    const w = watch(0, 60_000);
    const result = await env.run(() => acts.watchHolds(w));
    expect(result).toEqual({ lost: ['scheduler balance-region-scheduler is not paused'] });
    // Found at the first look, after the short grace for the other check, not at a deadline.
    expect(state.checks).toHaveLength(1);
    expect(Date.now() - state.checks[0]!).toBeGreaterThanOrEqual(LOSS_GRACE_MS - 5);
    expect(Date.now() - state.checks[0]!).toBeLessThan(LOSS_GRACE_MS + 500);
  });

  test('checks that hang past the renewal due end the watch then, with nothing lost, beating all along', async () => {
    const { state, acts } = cluster();
    state.hangModes = true;
    state.hangSchedulers = true;
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 3000 });
    let beats = 0;
    env.on('heartbeat', () => beats++);
    const w = watch(0, 2500);
    const result = await env.run(() => acts.watchHolds(w));
    expect(result).toEqual({ lost: [] });
    expect(state.checks).toHaveLength(1);
    expect(Date.now()).toBeGreaterThanOrEqual(w.untilMs);
    expect(Date.now()).toBeLessThan(w.untilMs + 500);
    // A beat at least every second while the look waited (heartbeat timeout 3 s).
    expect(beats).toBeGreaterThanOrEqual(2);
  });
});

describe('firstLosses', () => {
  test('collects every check that answers within the grace, in check order', async () => {
    let later!: (l: string[]) => void;
    const slow = new Promise<string[]>((r) => (later = r));
    setTimeout(() => later(['store 2 is in normal mode']), 50);
    await expect(firstLosses([slow, Promise.resolve(['scheduler a is not paused'])], Date.now() + 10_000)).resolves.toEqual(['store 2 is in normal mode', 'scheduler a is not paused']);
  });

  test('no checks, or none finding anything: nothing lost, at once', async () => {
    await expect(firstLosses([], Date.now() + 10_000)).resolves.toEqual([]);
    const t0 = Date.now();
    await expect(firstLosses([Promise.resolve([]), Promise.resolve([])], Date.now() + 10_000)).resolves.toEqual([]);
    expect(Date.now() - t0).toBeLessThan(100);
  });
});
