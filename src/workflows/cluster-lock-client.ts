import { ApplicationFailure, CancellationScope, condition, getExternalWorkflowHandle, log, setHandler } from '@temporalio/workflow';
import { clusterLockId } from '../plan/cluster-lock-id';
import { ErrorType } from '../plan/error-types';
import { lockGrantedSignal, lockQueuedSignal, lockRefusedSignal, lockReleaseSignal } from './cluster-lock';
import type { RestoreActivities } from '../activities';
import type { ClusterRef } from './types';

/** The lock activity as the restore calls it (src/activities/cluster-lock.ts). */
export type ClusterLockActivity = Pick<RestoreActivities, 'requestClusterLock'>;

/**
 * A restore's side of the one-restore-per-cluster lock (src/workflows/cluster-lock.ts). The lock's ID comes back
 * from the activity (so replay, on another task queue, uses the recorded one); its answers may arrive before
 * that result, so they count once a request went out. Construct it before the first await: it registers the
 * lock's signal handlers.
 */
export class ClusterLockClient {
  /** The lock this restore asked for or holds (a continued run holds it already). */
  id: string | undefined;
  private requested = false;
  private granted: boolean;
  private refusedBy: string | undefined;
  /** The restore holding the lock while this one waits. */
  queuedBehind: string | undefined;

  constructor(
    heldLock: string | undefined,
    private readonly holder: string,
  ) {
    this.id = heldLock;
    this.granted = heldLock !== undefined;
    setHandler(lockQueuedSignal, ({ holder }) => {
      if (this.requested) this.queuedBehind = holder;
    });
    setHandler(lockGrantedSignal, () => {
      if (this.requested) this.granted = true;
    });
    setHandler(lockRefusedSignal, ({ holder }) => {
      if (this.requested) this.refusedBy = holder;
    });
  }

  /**
   * Waits for the target cluster's lock, or fails at once when another restore holds it and `mode` is "fail".
   * `onQueued` runs when the restore starts waiting behind another.
   */
  async acquire(act: ClusterLockActivity, taskQueue: string, cluster: ClusterRef | undefined, mode: 'wait' | 'fail' | 'ignore', onQueued: () => void): Promise<void> {
    if (mode === 'ignore') return;
    this.requested = true;
    // The activity reaches the cluster and takes the lock of PD's cluster ID (the addresses' lock if PD has none),
    // so other spellings of the same cluster, or a worker's own cluster named by address, share one lock.
    const asked = await act.requestClusterLock({ lockId: clusterLockId(taskQueue, cluster), taskQueue, holder: this.holder, mode, byClusterId: true, ...(cluster ? { cluster } : {}) });
    if (!asked) {
      log.warn('this worker cannot take the cluster lock (no Temporal client); restoring without it');
      this.requested = false;
      return;
    }
    this.id = asked.lockId;
    // The lock answers granted, refused, or queued (then granted in turn). No timer: signals alone decide.
    const decided = (): boolean => this.granted || this.refusedBy !== undefined;
    await condition(() => decided() || this.queuedBehind !== undefined);
    if (!decided()) {
      onQueued();
      log.info('waiting for the target cluster: another restore holds it', { lock: this.id, holder: this.queuedBehind });
      await condition(decided);
    }
    if (!this.granted) {
      this.id = undefined;
      throw ApplicationFailure.create({
        message: `the target cluster is being restored by ${this.refusedBy}: two restores would fight over import mode, schedulers and the PD config; wait for it (brflow status ${this.refusedBy}) or start with onClusterBusy "wait" to queue`,
        type: ErrorType.ClusterBusy,
        nonRetryable: true,
      });
    }
  }

  /** Hands the cluster lock on (or leaves the queue); the lock also notices on its own a holder that ended. */
  async release(): Promise<void> {
    const id = this.id;
    if (id === undefined) return;
    this.id = undefined;
    await CancellationScope.nonCancellable(() => getExternalWorkflowHandle(id).signal(lockReleaseSignal, { holder: this.holder })).catch((e: unknown) => {
      log.warn('cluster lock release not delivered; the lock frees itself once it sees this restore ended', { lock: id, error: String(e) });
    });
  }
}
