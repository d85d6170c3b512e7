import type { WorkflowExecutionDescription } from '@temporalio/client';
import type { google } from '@temporalio/proto';

/**
 * A step of a running restore that failed and is being tried again (an activity past its first attempt). The
 * workflow itself only learns of a step's failure once its retries are spent, which for an unreachable PD or TiDB
 * takes minutes (BR's retry budgets); Temporal keeps the attempt and the last error on the pending activity, so
 * `brflow status` and a following `brflow restore` read them from there and say why the restore stands still.
 */
export interface RetryingStep {
  activity: string;
  /** The attempt running or waiting to run (2 = first retry). */
  attempt: number;
  /** 0 = no limit. */
  maximumAttempts: number;
  lastFailure: string;
  /** When the next attempt starts (absent while an attempt runs). */
  nextAttemptAtMs?: number;
}

function ms(t: google.protobuf.ITimestamp | null | undefined): number | undefined {
  if (!t?.seconds) return undefined;
  return Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
}

/** The pending activities of a restore that failed at least once, with their last error. */
export function retryingSteps(d: Pick<WorkflowExecutionDescription, 'raw'>): RetryingStep[] {
  const out: RetryingStep[] = [];
  for (const a of d.raw.pendingActivities ?? []) {
    const message = a.lastFailure?.message;
    if ((a.attempt ?? 1) < 2 || !message) continue;
    const next = ms(a.nextAttemptScheduleTime);
    out.push({
      activity: a.activityType?.name ?? 'an activity',
      attempt: a.attempt!,
      maximumAttempts: a.maximumAttempts ?? 0,
      lastFailure: message,
      ...(next !== undefined ? { nextAttemptAtMs: next } : {}),
    });
  }
  return out;
}

/** One line per retrying step: which, how many times, and the error the operator can act on. */
export function renderRetrying(s: RetryingStep, nowMs: number): string {
  const of = s.maximumAttempts > 0 ? ` of ${s.maximumAttempts}` : '';
  const next = s.nextAttemptAtMs !== undefined && s.nextAttemptAtMs > nowMs ? `, next in ${Math.ceil((s.nextAttemptAtMs - nowMs) / 1000)} s` : '';
  return `retrying ${s.activity} (attempt ${s.attempt}${of}${next}): ${s.lastFailure}`;
}
