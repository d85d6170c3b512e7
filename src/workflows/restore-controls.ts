import { condition, setHandler } from '@temporalio/workflow';
import { clusterChanges } from './cluster-handover';
import { MAX_CONCURRENCY, pauseUpdate, progressQuery, resumeUpdate, setConcurrencyUpdate, setRateLimitUpdate } from './messages';
import type { RestoreRun } from './restore-context';
import { isTerminal } from './restore-state';
import type { RestoreProgress } from './types';

/**
 * The operator's handles on a running restore: the progress query and the updates that pause, resume and
 * re-tune it. Each update's validator refuses what cannot apply now (a finished restore, a pause while paused),
 * so a refused request leaves no trace in the history. The updates only set requests in the run's state; the
 * pipeline carries them out between its steps (restore-pipeline.ts), except the rate limit, which the stores
 * take at once.
 */
export function registerRestoreControls(run: RestoreRun, progress: () => RestoreProgress): void {
  const { st, saga, acts, target } = run;
  const terminal = (): boolean => isTerminal(st);
  setHandler(progressQuery, progress);
  setHandler(setConcurrencyUpdate, (n: number) => {
    st.concurrency = n;
    return n;
  }, {
    validator: (n: number) => {
      if (!Number.isInteger(n) || n < 1 || n > MAX_CONCURRENCY) throw new Error(`concurrency must be an integer in [1, ${MAX_CONCURRENCY}], got ${n}`);
      if (terminal()) throw new Error(`the restore is ${st.phase}; nothing to change`);
    },
  });
  setHandler(setRateLimitUpdate, async (n: number) => {
    // The undo record goes first, so a worker lost while the stores take the limit still has it cleared.
    if (n > 0 && !saga.snapshot().some((r) => r.kind === 'clearRateLimit')) saga.push({ kind: 'clearRateLimit' });
    await clusterChanges(acts).mode.setRateLimit({ bytesPerSec: n, ...target });
    st.rateLimitBytesPerSec = n;
    return n;
  }, {
    validator: (n: number) => {
      if (!Number.isSafeInteger(n) || n < 0) throw new Error(`rate limit must be a whole number of bytes/s ≥ 0 (0 = unlimited), got ${n}`);
      if (terminal()) throw new Error(`the restore is ${st.phase}; nothing to change`);
    },
  });
  setHandler(pauseUpdate, async () => {
    st.pauseRequested = true;
    await condition(() => st.paused || terminal());
    return progress();
  }, {
    validator: () => {
      if (terminal()) throw new Error(`the restore is ${st.phase}; it cannot be paused`);
      if (st.paused || st.pauseRequested) throw new Error('the restore is already paused or pausing');
    },
  });
  setHandler(resumeUpdate, async () => {
    st.resumeRequested = true;
    await condition(() => (!st.paused && !st.resumeRequested) || terminal());
    return progress();
  }, {
    validator: () => {
      if (terminal()) throw new Error(`the restore is ${st.phase}; it cannot be resumed`);
      if (!st.paused && !st.pauseRequested) throw new Error('the restore is not paused');
    },
  });
}
