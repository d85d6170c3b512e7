import { ApplicationFailure, heartbeat } from '@temporalio/activity';
import type { BackupCipher } from '../backup/cipher';
import { keyFileSource, type BackupKeySource } from '../backup/crypter-key';
import { BrflowError, ErrorType } from '../plan/error-types';
import { assertPlanRestorable, planRestore, type PlanOptions } from '../plan/restore-plan';
import type { PlanRef } from '../workflows/types';
import type { BackupReader } from './deps';
import { viewOfPlan, type RestorePlanView } from './plan-view';

/** The planning inputs a PlanRef carries (everything planRestore depends on besides the backup). */
export type PlanInputs = Omit<PlanRef, 'hash'>;

/** What a PlanCache needs besides the backup reader. */
export interface PlanCacheOptions {
  /** Plans kept per worker. @default 4 */
  maxEntries?: number;
  /** Finds the key of an encrypted backup from the plan's CrypterRef. @default key files only, no worker default */
  keys?: BackupKeySource;
}

export function planOptions(p: PlanInputs): PlanOptions {
  return {
    filters: p.filters,
    caseSensitive: p.caseSensitive,
    merge: { sizeBytes: p.mergeRegionSizeBytes, keyCount: p.mergeRegionKeyCount },
    // Refs recorded before batchAcrossTables existed keep one table per batch, so their plans (and hashes) stay.
    batch: { maxFiles: p.batchFiles, ...(p.batchAcrossTables ? { groupSize: p.tableGroupSize } : {}) },
    ...(p.noSchema ? { noSchema: true } : {}),
    ...(p.allowEmpty ? { allowEmpty: true } : {}),
  };
}

/**
 * Where the plan lives: out of history, rebuilt deterministically from the backup by each worker and cached
 * per worker, checked against the content hash the workflow recorded.
 *
 * Why rebuild rather than store `<storage>/.brflow/plans/<hash>.json`: restore needs only read access to the
 * backup (BR never writes there), so a stored copy would need a second writable store every worker can
 * reach; rebuilding costs one metadata read per worker, and the hash check still catches a backup that
 * changed under a running restore.
 */
export class PlanCache {
  private readonly entries = new Map<string, Promise<RestorePlanView>>();

  private readonly maxEntries: number;
  private readonly keys: BackupKeySource;

  constructor(private readonly reader: BackupReader, opts: PlanCacheOptions = {}) {
    this.maxEntries = opts.maxEntries ?? 4;
    this.keys = opts.keys ?? keyFileSource();
  }

  /**
   * The key of the plan's backup, read again on each call (a small file; never cached beside the plan, never
   * returned to the workflow). Undefined for a plaintext backup without a worker default.
   */
  cipherOf(p: PlanInputs): Promise<BackupCipher | undefined> {
    return this.keys(p.crypter);
  }

  /** Plans a restore (its first step) and caches the result under its hash. */
  async build(p: PlanInputs): Promise<RestorePlanView> {
    const cipher = await this.cipherOf(p);
    const manifest = await this.reader.readManifest(p.storage, cipher ? { cipher } : {});
    // Plaintext metadata over encrypted data files: TiKV would be handed ciphertext to ingest.
    if (manifest.encrypted && !cipher) {
      throw new BrflowError(ErrorType.BackupEncrypted, `the backup at ${p.storage} holds encrypted data files (BR --crypter.*); give the restore input crypter {"method", "keyFile"} naming the key file on the workers`);
    }
    const plan = planRestore(manifest, planOptions(p));
    assertPlanRestorable(plan);
    const view = viewOfPlan(plan, p.tableGroupSize, { clusterVersion: manifest.clusterVersion, brVersion: manifest.brVersion, isRawKv: manifest.isRawKv });
    this.remember(plan.hash, Promise.resolve(view));
    return view;
  }

  /** The plan a workflow refers to; rebuilt on a miss and refused when the backup no longer matches. */
  async load(ref: PlanRef): Promise<RestorePlanView> {
    const hit = this.entries.get(ref.hash);
    if (hit) return hit;
    // A miss rebuilds the plan synchronously (seconds for 100,000 files); beat first so the heartbeat
    // timeout counts from here. Outside an activity (tests, tools) there is nothing to beat.
    try {
      heartbeat('planning');
    } catch {
      // not in an activity context
    }
    const p = (async () => {
      const view = await this.build(ref);
      if (view.plan.hash !== ref.hash) {
        throw ApplicationFailure.nonRetryable(
          `the backup at ${ref.storage} changed since this restore planned it (plan ${ref.hash}, now ${view.plan.hash}); cancel this restore and start a new one`,
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
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }
}
