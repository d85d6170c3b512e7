import { ApplicationFailure, log } from '@temporalio/activity';
import { clusteredIndexMismatchError, clusteredIndexMismatches, wantedTables } from '../plan/clustered-index-check';
import { ErrorType } from '../plan/error-types';
import { newCollationMismatch } from '../plan/new-collation-check';
import { missingPoliciesError } from '../plan/placement-sql';
import { summarizeTiFlashReplicas } from '../plan/tiflash-replica';
import { missingViewReadsError, objectKey, viewReadsOutside, viewsMissingReads } from '../plan/views-and-sequences';
import type { ClusterScope, PlanRef } from '../workflows/types';
import { ClusterError } from '../cluster/errors';
import { columnIdProblems, handleLayout } from '../cluster/tidb-column-ids';
import { BrflowError, isBrflowError } from '../plan/error-types';
import type { PlanTable } from '../plan/restore-plan';
import type { ChecksumControl, SchemaControl, TsoAndGc } from './deps';
import type { PlanCache } from './plan-cache';
import { typed } from './to-failure';

/** What the pre-check found that the restore goes on with (absent parts: not checked, e.g. no planRef given). */
export interface PreCheckResult {
  /** BR PreCheckTableTiFlashReplica: TiFlash stores in the target and how many tables keep or lose their replica. */
  tiflash?: { stores: number; replicasKept: number; replicasDropped: number };
  /** BR PreCheckTableClusterIndex: existing tables compared with the backup's layout (all matched, or the check failed). */
  existingTablesChecked?: number;
  /** Existing tables with the backup's layout whose emptiness was checked through TiKV (all were empty). */
  existingTablesEmpty?: number;
}

/** The most tables a TableNotEmpty message names (the rest are counted). */
const NAMED_TABLES = 10;

/**
 * The plan's tables that exist downstream with the backup's row handle and hold at least one KV, read through
 * TiKV (a coprocessor checksum at a fresh TS, the same request the post-restore verification sends): TiDB
 * keeps no row data, and the checksum path works against a real TiKV and the simulator alike. Tables with
 * another layout are left to createTables (TableExists) and useExistingTables (ColumnIdMismatch); BR's
 * temporary system database is brflow's own. Costs a scan of each existing table only.
 */
export async function nonEmptyTables(tables: readonly PlanTable[], schema: SchemaControl, checksum: ChecksumControl, ts: bigint): Promise<{ checked: number; nonEmpty: string[] }> {
  let checked = 0;
  const nonEmpty: string[] = [];
  for (const t of tables) {
    if (t.db.startsWith('__TiDB_BR_Temporary_')) continue;
    const existing = await schema.getTable(t.db, t.name);
    if (!existing || handleLayout(existing) !== handleLayout(t.info) || columnIdProblems(t.info, existing).length > 0) continue;
    let c: { totalKvs: string };
    try {
      c = await checksum.checksumTable(t.info, existing, ts);
    } catch (e) {
      // No rewrite from the backup's table to this one (e.g. other indexes): not the backup's layout after
      // all; the step that creates or adopts it reports that, typed.
      if (isBrflowError(e) && !(e instanceof ClusterError)) continue;
      throw e;
    }
    checked++;
    if (BigInt(c.totalKvs) > 0n) nonEmpty.push(`${t.db}.${t.name}`);
  }
  return { checked, nonEmpty };
}

/** TSO and the service GC safepoint (BR pkg/utils/safe_point.go, research §7.2), and the pre-checks before them. */
export function safepointActivities(pd: TsoAndGc, schema?: SchemaControl, plans?: PlanCache, checksum?: ChecksumControl) {
  return {
    /**
     * BR's pre-checks that need the live cluster, run before the restore changes anything (research §1.1
     * steps 2, 6, 14, 15): some TiKV store serves; the backup's major version is not newer than any store's
     * (a newer backup's data format may be unreadable); with `planRef`, no table that exists already keys its
     * rows differently from the backup (clustered index; fails with RestoreModeMismatch), and the tables
     * whose TiFlash replica count exceeds the target's TiFlash stores are counted (they are created without
     * a replica; createTables decides per table with the same rule); and no table the restore writes into
     * exists with the backup's layout holding rows already (TableNotEmpty, before anything changed): ingesting
     * on top would mix the backup with other data and fail the checksum only after the import.
     *
     * `ownRows`: the tables may hold rows this restore wrote itself in an earlier run (a restore resuming its
     * own run; the resume work passes it), so emptiness is not required. Incremental backups restore onto
     * the full one's rows by design and skip the check too.
     */
    async preCheck(input: { backupClusterVersion: string; planRef?: PlanRef; ownRows?: boolean }): Promise<PreCheckResult> {
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

        // First, as BR checks it when it reads the backup: keys and checksums depend on the collation mode.
        if (schema.newCollationEnabled) {
          const target = await schema.newCollationEnabled();
          const mismatch = newCollationMismatch(plan.backup.newCollationsEnabled, target);
          if (mismatch) throw mismatch;
          if (plan.backup.newCollationsEnabled === '' || target === undefined) {
            log.warn('new collation modes not compared: the backup or the target does not record it', { backup: plan.backup.newCollationsEnabled, target: target ?? null });
          }
        }

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

        // Placement policies referenced but not backed up resolve by name on the target, as with BR: refuse
        // now any the target lacks, rather than when the first table referencing one is altered.
        if (plan.targetPolicies && schema.placementPolicyNames) {
          const have = new Set((await schema.placementPolicyNames()).map((n) => n.toLowerCase()));
          const lacking = plan.targetPolicies.filter((p) => !have.has(p.name.toLowerCase()));
          if (lacking.length > 0) throw missingPoliciesError(lacking);
        }

        // Views reading tables or views the restore does not create need them on the target: refuse now any
        // view whose reads are missing, rather than after every table was created and its data ingested.
        const outside = viewReadsOutside(plan.views ?? []);
        if (outside.length > 0) {
          const present = new Set<string>();
          for (const r of outside) if (await schema.getTable(r.db, r.name)) present.add(objectKey(r.db, r.name));
          const missing = viewsMissingReads(plan.views ?? [], (db, name) => present.has(objectKey(db, name)));
          if (missing.length > 0) throw missingViewReadsError(missing);
        }

        const tiflash = summarizeTiFlashReplicas(plan.tables, await pd.countTiFlashStores());
        if (tiflash.dropped > 0) {
          log.warn('TiFlash replicas dropped: the target has fewer TiFlash stores than these tables had replicas', {
            tiflashStores: tiflash.tiflashStores,
            dropped: tiflash.dropped,
            tables: tiflash.droppedTables,
          });
        }
        let existingTablesEmpty: number | undefined;
        if (checksum && !input.ownRows && !plan.backup.incremental) {
          const { checked, nonEmpty } = await nonEmptyTables(plan.tables, schema, checksum, await pd.getTs());
          if (nonEmpty.length > 0) {
            const named = nonEmpty.slice(0, NAMED_TABLES).join(', ') + (nonEmpty.length > NAMED_TABLES ? `, and ${nonEmpty.length - NAMED_TABLES} more` : '');
            throw new BrflowError(
              ErrorType.TableNotEmpty,
              `${nonEmpty.length} table(s) to restore already exist with the backup's layout and hold rows: ${named}; the cluster was not changed. Empty or drop them, exclude them with a filter, or restore into another cluster`,
            );
          }
          existingTablesEmpty = checked;
        }
        const wantedKeys = new Set(wanted.map((w) => `${w.db.toLowerCase()}.${w.name.toLowerCase()}`));
        return {
          ...(existingTablesEmpty !== undefined ? { existingTablesEmpty } : {}),
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
