import Long from 'long';
import type { HistoryEvent } from '../../../bench/activity-spans';
import { workflowPhases } from '../../../bench/restore-phases';

const at = (ms: number) => ({ seconds: Long.fromNumber(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 });
const id = (n: number) => Long.fromNumber(n);
const started = (ms: number): HistoryEvent => ({ eventId: id(1), eventTime: at(ms), workflowExecutionStartedEventAttributes: {} });
const scheduled = (n: number, ms: number, type: string): HistoryEvent => ({ eventId: id(n), eventTime: at(ms), activityTaskScheduledEventAttributes: { activityType: { name: type } } });
const completed = (n: number, ms: number, sched: number): HistoryEvent => ({ eventId: id(n), eventTime: at(ms), activityTaskCompletedEventAttributes: { scheduledEventId: id(sched) } });
const done = (n: number, ms: number): HistoryEvent => ({ eventId: id(n), eventTime: at(ms), workflowExecutionCompletedEventAttributes: {} });

test('phases split at the first pipeline step scheduled and the last one completed; setup and hand-back steps do not count', () => {
  const events = [
    started(10_000),
    scheduled(2, 10_020, 'planRestore'), completed(3, 10_100, 2),
    scheduled(4, 10_150, 'createTables'), completed(5, 10_300, 4),
    scheduled(6, 10_310, 'ingestBatch'), scheduled(7, 10_320, 'checksumGroup'), completed(8, 11_200, 6), completed(9, 11_000, 7),
    scheduled(10, 11_210, 'restoreNormalMode'), completed(11, 11_260, 10),
    done(12, 11_300),
  ];
  expect(workflowPhases(events)).toEqual({ setupMs: 150, pipelineMs: 1050, finishMs: 100 });
});

test('a history without a completed pipeline step is refused, not read as zero', () => {
  expect(() => workflowPhases([started(0), scheduled(2, 5, 'createTables'), done(3, 9)])).toThrow(/no completed pipeline step/);
  expect(() => workflowPhases([])).toThrow(/empty history/);
});
