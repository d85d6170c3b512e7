import { ApplicationFailure, heartbeat } from '@temporalio/activity';
import type { BackupCipher } from '../backup/cipher';
import { keyFileSource, type BackupKeySource } from '../backup/crypter-key';
import type { Manifest } from '../backup/manifest';
import { BrflowError, ErrorType, isBrflowError } from '../plan/error-types';
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
    ...(p.skip && p.skip.length > 0 ? { skip: p.skip } : {}),
    // Refs recorded before schema objects were handled keep their plans (and hashes).
    ...(p.schemaObjects ? {} : { legacySchemaObjects: true }),
    ...(p.allPolicies ? { allPolicies: true } : {}),
    ...(p.partitionTextAsStored ? {} : { legacyPartitionText: true }),
    ...(p.pinIndexIds ? {} : { legacyIndexIds: true }),
    ...(p.vectorIndexObjects ? {} : { legacyVectorIndexes: true }),
    ...(p.autoIdsInCreate ? { autoIdsInCreate: true } : {}),
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
    const manifest = await this.readWithKey(p);
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

  /**
   * Reads the backup's metadata with the key the plan names. A plan naming none is read without a key first:
   * the worker's default key (BRFLOW_CRYPTER_*) is only fetched once the backup turns out to be encrypted, so
   * a default whose file is missing on this host does not fail plaintext restores.
   */
  private async readWithKey(p: PlanInputs): Promise<Manifest> {
    if (p.crypter) {
      const cipher = await this.keys(p.crypter);
      return this.reader.readManifest(p.storage, cipher ? { cipher } : {});
    }
    let manifest: Manifest | undefined;
    try {
      manifest = await this.reader.readManifest(p.storage, {});
    } catch (e) {
      if (!isBrflowError(e) || e.type !== ErrorType.BackupEncrypted) throw e;
    }
    // Plaintext metadata over encrypted data files counts as encrypted too: TiKV must not be handed ciphertext.
    if (manifest && !manifest.encrypted) return manifest;
    const cipher = await this.keys(undefined);
    if (!cipher) {
      throw new BrflowError(ErrorType.BackupEncrypted,
        `the backup at ${p.storage} is encrypted (BR --crypter.*) and neither the restore input nor this worker names its key; ` +
        'give the input crypter {"method": "aes256-ctr", "keyFile": "/path/on/worker"}, or set BRFLOW_CRYPTER_METHOD and BRFLOW_CRYPTER_KEY_FILE on the workers');
    }
    return this.reader.readManifest(p.storage, { cipher });
  }

  private remember(hash: string, p: Promise<RestorePlanView>): void {
    this.entries.delete(hash);
    this.entries.set(hash, p);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }
}
