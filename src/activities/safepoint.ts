import { ApplicationFailure, log } from '@temporalio/activity';
import { clusteredIndexMismatchError, clusteredIndexMismatches, wantedTables } from '../plan/clustered-index-check';
import { ErrorType } from '../plan/error-types';
import { summarizeTiFlashReplicas } from '../plan/tiflash-replica';
import type { ClusterScope, PlanRef } from '../workflows/types';
import type { SchemaControl, TsoAndGc } from './deps';
import type { PlanCache } from './plan-cache';
import { typed } from './to-failure';

/** What the pre-check found that the restore goes on with (absent parts: not checked, e.g. no planRef given). */
export interface PreCheckResult {
  /** BR PreCheckTableTiFlashReplica: TiFlash stores in the target and how many tables keep or lose their replica. */
  tiflash?: { stores: number; replicasKept: number; replicasDropped: number };
  /** BR PreCheckTableClusterIndex: existing tables compared with the backup's layout (all matched, or the check failed). */
  existingTablesChecked?: number;
}

/** TSO and the service GC safepoint (BR pkg/utils/safe_point.go, research §7.2), and the pre-checks before them. */
export function safepointActivities(pd: TsoAndGc, schema?: SchemaControl, plans?: PlanCache) {
  return {
    /**
     * BR's pre-checks that need the live cluster, run before the restore changes anything (research §1.1
     * steps 2, 6, 14, 15): some TiKV store serves; the backup's major version is not newer than any store's
     * (a newer backup's data format may be unreadable); with `planRef`, no table that exists already keys its
     * rows differently from the backup (clustered index; fails with RestoreModeMismatch), and the tables
     * whose TiFlash replica count exceeds the target's TiFlash stores are counted (they are created without
     * a replica; createTables decides per table with the same rule).
     */
    async preCheck(input: { backupClusterVersion: string; planRef?: PlanRef }): Promise<PreCheckResult> {
      return typed(async () => {
        const stores = await pd.getAllStores();
        if (stores.length === 0) throw ApplicationFailure.retryable('PD lists no serving TiKV store; start the stores', ErrorType.ClusterUnavailable);
        const major = (v: string): number | undefined => {
          const m = /(\d+)\.\d+/.exec(v.replace(/["\s]/g, ''));
          return m ? Number(m[1]) : undefined;
        };
        const backupMajor = major(input.backupClusterVersion);
        const older = backupMajor === undefined ? [] : stores.filter((s) => (major(s.version) ?? backupMajor) < backupMajor);
        if (older.length > 0) {
          throw ApplicationFailure.nonRetryable(
            `the backup comes from a v${backupMajor} cluster but TiKV ${older.map((s) => `${s.address} is v${s.version}`).join(', ')}; restore into a cluster of v${backupMajor} or newer`,
            ErrorType.ClusterRejected,
          );
        }
        if (!input.planRef || !schema || !plans) return {};
        const { plan } = await plans.load(input.planRef);

        const wanted = wantedTables(plan.tables, plan.ddlJobs);
        const dbs = [...new Map(wanted.map((w) => [w.db.toLowerCase(), w.db])).values()];
        const existing = dbs.length > 0 ? await schema.readHandleKinds(dbs) : [];
        const mismatches = clusteredIndexMismatches(wanted, existing);
        if (mismatches.length > 0) throw clusteredIndexMismatchError(mismatches);

        // CHECK constraints would be accepted and silently ignored by a TiDB with the switch off: refuse now, before
        // anything changes, rather than after the first such table is created.
        const checks = plan.tables.flatMap((t) => (t.constraints?.expect.checks ?? []).map((c) => `${t.db}.${t.name}: ${c}`));
        if (checks.length > 0 && schema.checkConstraintsEnabled && !(await schema.checkConstraintsEnabled())) {
          throw ApplicationFailure.nonRetryable(
            `the target TiDB ignores CHECK constraints (tidb_enable_check_constraint is OFF) and the restore would drop ${checks.length}: ${checks.slice(0, 20).join(', ')}${checks.length > 20 ? ', …' : ''}; ` +
              'run SET GLOBAL tidb_enable_check_constraint = ON on the target, or restore with "skip": ["checkConstraints"]',
            ErrorType.UnsupportedObject,
          );
        }

        const tiflash = summarizeTiFlashReplicas(plan.tables, await pd.countTiFlashStores());
        if (tiflash.dropped > 0) {
          log.warn('TiFlash replicas dropped: the target has fewer TiFlash stores than these tables had replicas', {
            tiflashStores: tiflash.tiflashStores,
            dropped: tiflash.dropped,
            tables: tiflash.droppedTables,
          });
        }
        const wantedKeys = new Set(wanted.map((w) => `${w.db.toLowerCase()}.${w.name.toLowerCase()}`));
        return {
          tiflash: { stores: tiflash.tiflashStores, replicasKept: tiflash.kept, replicasDropped: tiflash.dropped },
          existingTablesChecked: existing.filter((e) => wantedKeys.has(`${e.db.toLowerCase()}.${e.name.toLowerCase()}`)).length,
        };
      });
    },

    /** The restore TS (decimal string: history and JSON carry no bigint). */
    async getRestoreTs(_scope?: ClusterScope): Promise<string> {
      return typed(async () => (await pd.getTs()).toString());
    },

    /**
     * Registers `serviceId` at `safePoint` for `ttlSec`. Fails for good when GC already passed the point: the
     * data to restore would be collected under us (BR ErrBackupGCSafepointExceeded).
     */
    async registerGcSafepoint(input: { serviceId: string; safePoint: string; ttlSec: number }): Promise<void> {
      return typed(async () => {
        const sp = BigInt(input.safePoint);
        const gc = await pd.getGcSafePoint();
        if (sp < gc) {
          throw ApplicationFailure.nonRetryable(
            `GC safepoint ${gc} is already past the restore's ${sp}; raise tikv_gc_life_time or restore sooner after taking the TS`,
            ErrorType.ClusterRejected,
          );
        }
        await pd.updateServiceGcSafePoint(input.serviceId, input.ttlSec, sp);
      });
    },

    /** Removes the service safepoint (TTL 0, as BR v9.0 does) instead of leaving it to expire. */
    async removeGcSafepoint(input: { serviceId: string }): Promise<void> {
      return typed(async () => {
        await pd.updateServiceGcSafePoint(input.serviceId, 0, 0n);
      });
    },
  };
}
