import Long from 'long';
import { activitySpans, type HistoryEvent } from '../../../bench/activity-spans';

const at = (ms: number) => ({ seconds: Long.fromNumber(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 });
const id = (n: number) => Long.fromNumber(n);
const scheduled = (n: number, ms: number, type: string): HistoryEvent => ({ eventId: id(n), eventTime: at(ms), activityTaskScheduledEventAttributes: { activityType: { name: type } } });
const completed = (n: number, ms: number, sched: number): HistoryEvent => ({ eventId: id(n), eventTime: at(ms), activityTaskCompletedEventAttributes: { scheduledEventId: id(sched) } });

test('activity spans add up overlapping activities per type across runs; unfinished ones do not count', () => {
  const run1 = [scheduled(5, 1000, 'ingestBatch'), scheduled(6, 1500, 'ingestBatch'), completed(9, 3000, 5), completed(10, 3500, 6), scheduled(11, 3600, 'checksumGroup')];
  // Event IDs restart in a continued run; its activities must not pair with the first run's.
  const run2 = [scheduled(5, 10_000, 'ingestBatch'), completed(7, 10_250, 5), scheduled(8, 10_300, 'checksumGroup'), completed(9, 10_400, 8)];
  expect(activitySpans([run1, run2])).toEqual([
    { type: 'ingestBatch', count: 3, busyMs: 2000 + 2000 + 250, spanMs: 10_250 - 1000 },
    { type: 'checksumGroup', count: 1, busyMs: 100, spanMs: 100 },
  ]);
});
