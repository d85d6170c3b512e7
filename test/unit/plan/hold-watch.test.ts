import { HOLD_WATCH_POLL_MS, MIN_RENEWAL_GAP_MS, holdWatch } from '../../../src/plan/hold-watch';
import type { KeeperSpec, ScheduleSnapshot } from '../../../src/workflows/types';

const snapshot = (mode: ScheduleSnapshot['schedulerMode'], schedulers: string[]): ScheduleSnapshot => ({
  pdVersion: '8.5.4',
  schedulerMode: mode,
  schedulers,
  configMode: 'ttl',
  originalConfig: {},
  restoreConfig: {},
  ttlSeconds: 300,
});

const spec = (over: Partial<KeeperSpec> = {}): KeeperSpec => ({
  safepoint: { serviceId: 'brflow-x', safePoint: '100', ttlSec: 300 },
  schedules: snapshot('pause-with-ttl', ['balance-region-scheduler', 'balance-leader-scheduler']),
  importMode: true,
  intervalMs: 100_000,
  ...over,
});

/** Renewed at `renewedAtMs`, next due `wait` later (the spec's interval when not given), asked at `nowMs`. */
const at = (renewedAtMs: number, nowMs: number, wait = 100_000) => ({ renewedAtMs, dueAtMs: renewedAtMs + wait, nowMs });

describe('holdWatch', () => {
  test('watches the paused schedulers and import mode from the least gap after the last renewal until the next is due', () => {
    expect(holdWatch(spec(), at(1_000_000, 1_000_100))).toEqual({
      schedulers: ['balance-region-scheduler', 'balance-leader-scheduler'],
      importMode: true,
      fromMs: 1_000_000 + MIN_RENEWAL_GAP_MS,
      untilMs: 1_100_000,
    });
  });

  test('a wait that starts late (a spec change mid-wait) checks from now', () => {
    expect(holdWatch(spec(), at(1_000_000, 1_040_000))).toMatchObject({ fromMs: 1_040_000, untilMs: 1_100_000 });
  });

  test('names the target cluster of a restore into another cluster', () => {
    const cluster = { pd: ['pd-b:2379'], tidb: 'tidb-b:4000', tidbStatus: 'tidb-b:10080' };
    expect(holdWatch(spec({ cluster }), at(0, 0))?.cluster).toEqual(cluster);
  });

  test('nothing to watch: only a safepoint (PD keeps it in etcd), or schedulers removed on an old PD, without import mode', () => {
    expect(holdWatch(spec({ schedules: undefined, importMode: false }), at(0, 0))).toBeUndefined();
    expect(holdWatch(spec({ schedules: snapshot('remove-and-add', ['balance-region-scheduler']), importMode: false }), at(0, 0))).toBeUndefined();
    // Import mode alone is watched; removed schedulers are not named.
    expect(holdWatch(spec({ schedules: snapshot('remove-and-add', ['balance-region-scheduler']) }), at(0, 0))).toMatchObject({ schedulers: [], importMode: true });
  });

  test('a wait too short to poll once after the least gap is a plain timer', () => {
    const short = MIN_RENEWAL_GAP_MS + HOLD_WATCH_POLL_MS - 1;
    expect(holdWatch(spec(), at(0, 0, short))).toBeUndefined();
    expect(holdWatch(spec(), at(0, 0, short + 1))).toBeDefined();
    // Near the end of a long wait, too.
    expect(holdWatch(spec(), at(0, 100_000 - HOLD_WATCH_POLL_MS + 1))).toBeUndefined();
  });
});
