import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import { ErrorType } from '../plan/error-types';
import type { PlanRef } from '../workflows/types';
import type { BackupReader } from './deps';
import { buildPlanView, type PlanOptions, type RestorePlanView } from './plan-view';

/**
 * Where the plan lives: out of history, rebuilt deterministically from the backup by each worker and cached
 * per worker, checked against the hash the workflow recorded.
 *
 * Why rebuild rather than store `<storage>/.brflow/plans/<hash>.json`: restore needs only read access to the
 * backup (BR never writes there), so a content-addressed copy would need a second writable store that every
 * worker can reach; rebuilding costs one metadata read per worker and the hash check still catches a backup
 * that changed under a running restore.
 */
export class PlanCache {
  private readonly entries = new Map<string, Promise<RestorePlanView>>();

  constructor(private readonly reader: BackupReader, private readonly maxEntries = 4) {}

  /** Builds the plan for a request (first call of a restore) and returns it with its hash. */
  async build(storage: string, opts: PlanOptions): Promise<{ view: RestorePlanView; hash: string }> {
    const manifest = await this.reader.readManifest(storage);
    const view = buildPlanView(manifest, opts);
    const hash = planHash(view);
    this.remember(hash, Promise.resolve(view));
    return { view, hash };
  }

  /** The plan a workflow refers to; rebuilt on a cache miss and rejected when the backup no longer matches. */
  async load(ref: PlanRef): Promise<RestorePlanView> {
    const hit = this.entries.get(ref.hash);
    if (hit) return hit;
    const p = (async () => {
      const { view, hash } = await this.build(ref.storage, ref);
      if (hash !== ref.hash) {
        throw ApplicationFailure.nonRetryable(
          `the backup at ${ref.storage} changed since this restore planned it (plan ${ref.hash.slice(0, 12)}, now ${hash.slice(0, 12)}); cancel this restore and start a new one`,
          ErrorType.BackupMetaCorrupt,
        );
      }
      return view;
    })();
    this.remember(ref.hash, p);
    p.catch(() => this.entries.delete(ref.hash));
    return p;
  }

  private remember(hash: string, p: Promise<RestorePlanView>): void {
    this.entries.delete(hash);
    this.entries.set(hash, p);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}

/** SHA-256 of the plan's JSON; buildPlanView emits keys in a fixed order, so equal plans hash equal. */
export function planHash(view: RestorePlanView): string {
  return createHash('sha256').update(JSON.stringify(view)).digest('hex');
}
