import type { ActivityDeps } from '../../../src/activities/deps';
import { routeActivitiesByCluster } from '../../../src/activities/cluster-router';
import { PlanCache } from '../../../src/activities/plan-cache';
import type { ClusterDeps, ClusterTarget } from '../../../src/worker/cluster-deps';
import { ClusterPool, type PoolClock, type PoolLog } from '../../../src/worker/cluster-pool';
import type { ClusterRef } from '../../../src/workflows/types';

/**
 * ClusterPool closing the connection sets of clusters named by inputs once no activity has used them for
 * `idleCloseMs`, on a clock the test moves: what was connected, what was closed, and what a lease protects.
 */

/** A clock the test advances; the pool's timer fires as a real interval would. */
class FakeClock implements PoolClock {
  t = 1_000_000;
  timers: { ms: number; next: number; fn: () => void }[] = [];
  now(): number {
    return this.t;
  }
  every(ms: number, fn: () => void): () => void {
    const timer = { ms, next: this.t + ms, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((x) => x !== timer);
    };
  }
  /** Moves time forward by `ms`, firing every timer due on the way, in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.next <= end).sort((a, b) => a.next - b.next)[0];
      if (!due) break;
      this.t = due.next;
      due.next += due.ms;
      due.fn();
    }
    this.t = end;
  }
}

/** Every connection set the fake connect opened, by cluster, and whether it was closed. */
interface OpenedSet {
  pd: string;
  deps: ActivityDeps;
  closed: boolean;
}

function fakeCluster(opts: { closeFails?: boolean; connectFailsFor?: Set<string> } = {}) {
  const opened: OpenedSet[] = [];
  const connect = async (t: ClusterTarget): Promise<ClusterDeps> => {
    const pd = t.pdEndpoints[0]!;
    if (opts.connectFailsFor?.has(pd)) throw new Error(`connect ${pd} refused`);
    const set: OpenedSet = { pd, deps: { marker: `${pd}#${opened.length}` } as unknown as ActivityDeps, closed: false };
    opened.push(set);
    return {
      deps: set.deps,
      close: async () => {
        set.closed = true;
        if (opts.closeFails) throw new Error(`closing ${pd}: socket already destroyed`);
      },
    };
  };
  return { opened, connect };
}

const tidbDefaults = { host: '127.0.0.1', port: 4000, statusAddress: '127.0.0.1:10080', user: 'root', password: '' };
const home: ClusterTarget = { pdEndpoints: ['home:2379'], tidb: tidbDefaults };
const X: ClusterRef = { pd: ['x:2379'], tidb: 'x:4000' };
const Y: ClusterRef = { pd: ['y:2379'], tidb: 'y:4000' };
const IDLE = 600_000;

function recordingLog() {
  const lines: { level: 'info' | 'warn'; fields: object; msg: string }[] = [];
  const log: PoolLog = {
    info: (fields, msg) => lines.push({ level: 'info', fields, msg }),
    warn: (fields, msg) => lines.push({ level: 'warn', fields, msg }),
  };
  return { lines, log };
}

/** Lets the close the sweep started run to its end. */
const settle = () => new Promise((r) => setImmediate(r));

/** The (only) set, just released: still open half an idle time later, closed once the idle time is over. */
async function expectClosedOnlyAfterIdle(cluster: ReturnType<typeof fakeCluster>, clock: FakeClock): Promise<void> {
  clock.advance(IDLE / 2);
  await settle();
  expect(cluster.opened[0]!.closed).toBe(false);
  clock.advance(IDLE);
  await settle();
  expect(cluster.opened[0]!.closed).toBe(true);
}

function poolWith(cluster: ReturnType<typeof fakeCluster>, extra: { idleCloseMs?: number; log?: PoolLog } = {}) {
  const clock = new FakeClock();
  const pool = new ClusterPool({ home, tidbDefaults, connect: cluster.connect, idleCloseMs: extra.idleCloseMs ?? IDLE, clock, ...(extra.log ? { log: extra.log } : {}) });
  return { pool, clock };
}

test('a set of an input-named cluster is closed once idle for idleCloseMs after the last release, not before', async () => {
  const cluster = fakeCluster();
  const { lines, log } = recordingLog();
  const { pool, clock } = poolWith(cluster, { log });
  const lease = await pool.lease(X);
  clock.advance(5 * IDLE);
  lease.release();
  clock.advance(IDLE - 1);
  await settle();
  expect(cluster.opened.map((s) => [s.pd, s.closed])).toEqual([['x:2379', false]]);
  // The sweep runs every idleCloseMs/4: closed within 1¼ idle times of the release.
  clock.advance(IDLE / 4 + 1);
  await settle();
  expect(cluster.opened.map((s) => [s.pd, s.closed])).toEqual([['x:2379', true]]);
  expect(lines).toEqual([{ level: 'info', fields: { cluster: { pd: ['x:2379'], tidb: 'x:4000' }, idleMs: expect.any(Number) }, msg: 'closed the connections of an idle cluster' }]);
  // Nothing left that could close: the timer stopped.
  expect(clock.timers).toEqual([]);
  await pool.close();
});

test('a set with an open lease is never closed, however long the activity runs; idle time counts from the last release', async () => {
  const cluster = fakeCluster();
  const { pool, clock } = poolWith(cluster);
  const long = await pool.lease(X);
  const short = await pool.lease(X);
  short.release();
  // A second release of the same lease must not free the long one's hold.
  short.release();
  clock.advance(10 * IDLE);
  await settle();
  expect(cluster.opened).toHaveLength(1);
  expect(cluster.opened[0]!.closed).toBe(false);
  long.release();
  await expectClosedOnlyAfterIdle(cluster, clock);
  await pool.close();
});

test('the worker\'s own cluster is never closed for idleness; an idle input-named one beside it is', async () => {
  const cluster = fakeCluster();
  const { pool, clock } = poolWith(cluster);
  (await pool.lease(undefined)).release();
  (await pool.lease(Y)).release();
  clock.advance(3 * IDLE);
  await settle();
  expect(cluster.opened.map((s) => [s.pd, s.closed])).toEqual([['home:2379', false], ['y:2379', true]]);
  // Home alone arms no timer.
  expect(clock.timers).toEqual([]);
  // And it is the same set as before: no reconnect.
  const again = await pool.lease(undefined);
  expect(again.deps).toBe(cluster.opened[0]!.deps);
  again.release();
  await pool.close();
  expect(cluster.opened[0]!.closed).toBe(true);
});

test('the next activity naming a closed cluster connects again and gets a new set', async () => {
  const cluster = fakeCluster();
  const { pool, clock } = poolWith(cluster);
  const first = await pool.lease(X);
  first.release();
  clock.advance(2 * IDLE);
  await settle();
  const second = await pool.lease(X);
  expect(cluster.opened.map((s) => [s.pd, s.closed])).toEqual([['x:2379', true], ['x:2379', false]]);
  expect(second.deps).toBe(cluster.opened[1]!.deps);
  expect(second.deps).not.toBe(first.deps);
  second.release();
  await pool.close();
  expect(cluster.opened[1]!.closed).toBe(true);
});

test('a close that fails is logged and the set dropped; nothing is thrown', async () => {
  const cluster = fakeCluster({ closeFails: true });
  const { lines, log } = recordingLog();
  const { pool, clock } = poolWith(cluster, { log });
  (await pool.lease(X)).release();
  clock.advance(2 * IDLE);
  await settle();
  expect(lines).toEqual([{ level: 'warn', fields: { cluster: { pd: ['x:2379'], tidb: 'x:4000' }, err: 'Error: closing x:2379: socket already destroyed' }, msg: expect.stringContaining('failed') }]);
  const again = await pool.lease(X);
  expect(cluster.opened).toHaveLength(2);
  expect(again.deps).toBe(cluster.opened[1]!.deps);
  again.release();
});

test('a failed connect is dropped and holds no lease: the retry connects, and that set still closes when idle', async () => {
  const refused = new Set(['x:2379']);
  const cluster = fakeCluster({ connectFailsFor: refused });
  const { pool, clock } = poolWith(cluster);
  await expect(pool.lease(X)).rejects.toThrow('connect x:2379 refused');
  refused.clear();
  (await pool.lease(X)).release();
  expect(cluster.opened).toHaveLength(1);
  clock.advance(2 * IDLE);
  await settle();
  expect(cluster.opened[0]!.closed).toBe(true);
  await pool.close();
});

test('idleCloseMs 0 keeps every set for the pool\'s life (no timer); close() closes them all', async () => {
  const cluster = fakeCluster();
  const { pool, clock } = poolWith(cluster, { idleCloseMs: 0 });
  (await pool.lease(X)).release();
  (await pool.lease(Y)).release();
  expect(clock.timers).toEqual([]);
  clock.advance(100 * IDLE);
  pool.sweep();
  await settle();
  expect(cluster.opened.map((s) => s.closed)).toEqual([false, false]);
  await pool.close();
  expect(cluster.opened.map((s) => s.closed)).toEqual([true, true]);
});

test('close() closes leased sets too, stops the timer, and waits for closes a sweep started', async () => {
  const cluster = fakeCluster();
  const { pool, clock } = poolWith(cluster);
  (await pool.lease(Y)).release();
  const held = await pool.lease(X);
  clock.advance(2 * IDLE);
  // The sweep's close of Y is under way; close() still waits for it.
  await pool.close();
  expect(cluster.opened.map((s) => [s.pd, s.closed])).toEqual([['y:2379', true], ['x:2379', true]]);
  expect(clock.timers).toEqual([]);
  held.release();
});

test('the default clock sweeps on a real timer that does not keep the process alive', async () => {
  const cluster = fakeCluster();
  const pool = new ClusterPool({ tidbDefaults, connect: cluster.connect, idleCloseMs: 50 });
  (await pool.lease(X)).release();
  for (let i = 0; i < 50 && !cluster.opened[0]!.closed; i++) await new Promise((r) => setTimeout(r, 20));
  expect(cluster.opened[0]!.closed).toBe(true);
  await pool.close();
});

test('through the router: a running activity holds its cluster; it closes only once idle after the activity ended', async () => {
  const cluster = fakeCluster();
  const clock = new FakeClock();
  // Deps whose store control parks enterImportMode until the test lets it finish, like a long ingest.
  let finish: (() => void) | undefined;
  const switched: string[] = [];
  const connect = async (t: ClusterTarget): Promise<ClusterDeps> => {
    const set = await cluster.connect(t);
    const deps = { ...set.deps, stores: { switchMode: (m: string) => new Promise<void>((r) => { switched.push(`${t.pdEndpoints[0]} ${m}`); finish = r; }) } } as unknown as ActivityDeps;
    return { deps, close: set.close };
  };
  const pool = new ClusterPool({ home, tidbDefaults, connect, idleCloseMs: IDLE, clock });
  const activities = routeActivitiesByCluster((ref) => pool.lease(ref), new PlanCache({ readManifest: () => Promise.reject(new Error('no backup in this test')) }));
  const running = activities.enterImportMode({ cluster: X } as never);
  for (let i = 0; i < 10 && !finish; i++) await settle();
  expect(switched).toEqual(['x:2379 import']);
  clock.advance(10 * IDLE);
  await settle();
  expect(cluster.opened[0]!.closed).toBe(false);
  finish!();
  await running;
  await expectClosedOnlyAfterIdle(cluster, clock);
  await pool.close();
});
