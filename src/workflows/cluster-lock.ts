import { CancellationScope, continueAsNew, defineQuery, defineSignal, getExternalWorkflowHandle, proxyActivities, setHandler, condition, workflowInfo } from '@temporalio/workflow';
import type { RestoreActivities } from '../activities';

/** How a restore asks for its cluster: wait in line, or be refused at once when another holds it. */
export interface LockRequest {
  holder: string;
  mode: 'wait' | 'fail';
}

/** Sent to the lock workflow (signal-with-start by the requestClusterLock activity). */
export const lockRequestSignal = defineSignal<[LockRequest]>('brflowLockRequest');
/** Sent to the lock workflow by the holder when it is done (or by the janitor for a dead holder). */
export const lockReleaseSignal = defineSignal<[{ holder: string }]>('brflowLockRelease');
/** Sent back to a requester: it holds the cluster now. */
export const lockGrantedSignal = defineSignal<[{ lockId: string }]>('brflowLockGranted');
/** Sent back to a `wait` requester that has to wait its turn (it shows phase 'queued'). */
export const lockQueuedSignal = defineSignal<[{ lockId: string; holder: string }]>('brflowLockQueued');
/** Sent back to a `fail` requester while another restore holds the cluster. */
export const lockRefusedSignal = defineSignal<[{ lockId: string; holder: string }]>('brflowLockRefused');
/** Who holds the cluster and who waits, for `brflow status`. */
export const lockStateQuery = defineQuery<{ holder?: string; waiting: string[] }>('brflowLockState');

export interface LockState {
  holder?: string;
  queue: LockRequest[];
}

/** How often the holder is checked to be still running (a terminated holder never releases). */
export const HOLDER_CHECK_MS = 10_000;

/**
 * One restore per cluster at a time: the lock of one cluster, a long-lived workflow (ID clusterLockId) whose
 * state survives worker death. Requests queue in order; a holder that ends without releasing (terminated,
 * timed out) is noticed by a periodic check and the cluster passes on. Continues as new when its history grows.
 */
export async function clusterLockWorkflow(state: LockState = { queue: [] }): Promise<void> {
  const lockId = workflowInfo().workflowId;
  const acts = proxyActivities<RestoreActivities>({ startToCloseTimeout: '1m', retry: { maximumAttempts: 10, initialInterval: '1s', maximumInterval: '10s' } });
  let holder = state.holder;
  const queue = [...state.queue];
  const refusals: { holder: string; to: string }[] = [];
  const queuedNotices: { holder: string; to: string }[] = [];
  setHandler(lockStateQuery, () => ({ ...(holder ? { holder } : {}), waiting: queue.map((q) => q.holder) }));
  setHandler(lockRequestSignal, (r) => {
    if (r.holder === holder || queue.some((q) => q.holder === r.holder)) return;
    const busy = holder !== undefined || queue.length > 0;
    if (busy && r.mode === 'fail') refusals.push({ holder: holder ?? queue[0]!.holder, to: r.holder });
    else {
      if (busy) queuedNotices.push({ holder: holder ?? queue[0]!.holder, to: r.holder });
      queue.push(r);
    }
  });
  setHandler(lockReleaseSignal, ({ holder: h }) => {
    if (h === holder) holder = undefined;
    const i = queue.findIndex((q) => q.holder === h);
    if (i >= 0) queue.splice(i, 1);
  });
  /** Signals a workflow; false when it is gone (ended): it can no longer hold or wait. */
  const tell = async (to: string, send: (h: ReturnType<typeof getExternalWorkflowHandle>) => Promise<void>): Promise<boolean> => {
    try {
      await send(getExternalWorkflowHandle(to));
      return true;
    } catch {
      return false;
    }
  };
  for (;;) {
    const wake = (): boolean => refusals.length > 0 || queuedNotices.length > 0 || (holder === undefined && queue.length > 0);
    const woke = holder !== undefined ? await condition(wake, HOLDER_CHECK_MS) : (await condition(wake), true);
    for (const r of refusals.splice(0)) await tell(r.to, (h) => h.signal(lockRefusedSignal, { lockId, holder: r.holder }));
    for (const q of queuedNotices.splice(0)) await tell(q.to, (h) => h.signal(lockQueuedSignal, { lockId, holder: q.holder }));
    if (!woke && holder !== undefined && !(await acts.workflowIsRunning({ workflowId: holder }))) holder = undefined;
    while (holder === undefined && queue.length > 0) {
      const next = queue.shift()!;
      holder = next.holder;
      if (!(await tell(next.holder, (h) => h.signal(lockGrantedSignal, { lockId })))) holder = undefined;
    }
    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > 2000) {
      await CancellationScope.nonCancellable(() => condition(() => refusals.length === 0 && queuedNotices.length === 0));
      await continueAsNew<typeof clusterLockWorkflow>({ ...(holder ? { holder } : {}), queue });
    }
  }
}
