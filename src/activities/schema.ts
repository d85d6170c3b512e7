import { ApplicationFailure, Context, heartbeat } from '@temporalio/activity';
import { BrflowError, ErrorType } from '../plan/error-types';
import { formatRanges } from '../plan/number-ranges';
import { TEMPORARY_DB_PREFIX } from '../plan/table-filter';
import { decideTiFlashReplica } from '../plan/tiflash-replica';
import type { PlanRef } from '../workflows/types';
import type { SchemaControl, TsoAndGc } from './deps';
import type { PlanCache } from './plan-cache';
import { withLivenessHeartbeat } from './liveness-heartbeat';
import { typed } from './to-failure';

/** DDL side (BR ExecDDLs, CreateDatabase, GoCreateTables): every step is "if not exists", so safe to repeat. */
export function schemaActivities(schema: SchemaControl, plans: PlanCache, pd?: Pick<TsoAndGc, 'countTiFlashStores'>) {
  return {
    /**
     * Replays an incremental backup's DDL jobs in schema-version order (BR ExecDDLs). Resumable: each finished
     * job's index goes out as heartbeat details `{ next }`, and a retry starts there. Heartbeats are throttled,
     * so a crash can lose the last few; a job run again counts as done when TiDB answers that it took effect
     * already, or finds its object gone where a later job drops or renames it away (TidbClient.execDdlJob),
     * so the replay never stops on its own earlier work.
     */
    async execDdlJobs(input: { planRef: PlanRef }): Promise<number> {
      return typed(async () => {
        const { plan } = await plans.load(input.planRef);
        const jobs = [...plan.ddlJobs].sort((a, b) => (a.binlog?.SchemaVersion ?? 0) - (b.binlog?.SchemaVersion ?? 0));
        const ctx = Context.current();
        let next = Math.max(0, (ctx.info.heartbeatDetails as { next?: number } | undefined)?.next ?? 0);
        // One job can outlast the heartbeat timeout (ADD INDEX over a restored table): beat on a timer too,
        // with the same details, so a retry is not started while this one still runs the job.
        const timeoutMs = ctx.info.heartbeatTimeoutMs;
        const timer = timeoutMs ? setInterval(() => heartbeat({ next }), Math.max(200, Math.floor(timeoutMs / 3))) : undefined;
        try {
          while (next < jobs.length) {
            await schema.execDdl(jobs[next]!, jobs.slice(next + 1));
            next += 1;
            heartbeat({ next });
          }
        } finally {
          clearInterval(timer);
        }
        return jobs.length;
      });
    },

    /**
     * Creates the plan's placement policies (BR creates them before any database, so default policies and
     * tables find them), then its databases ("if not exists", so safe to repeat), then its sequences: before any
     * table, since a column's DEFAULT may call NEXTVAL on one (BR creates them among the tables, in ID order, which puts them first in the same way).
     * Returns the number of databases, as it did before sequences were restored.
     */
    async createDatabases(input: { planRef: PlanRef }): Promise<number> {
      // Beats on a timer too: one statement may wait out its deadline (BRFLOW_TIDB_TIMEOUT_MS, 30 s) on a TiDB that
      // hangs, longer than the heartbeat timeout; its failure, not a second attempt started meanwhile, decides.
      return typed(() => withLivenessHeartbeat(async () => {
        const { plan } = await plans.load(input.planRef);
        if (plan.placementPolicies) await schema.createPlacementPolicies(plan.placementPolicies);
        for (const db of plan.databases) {
          await schema.createDatabase(db);
          heartbeat();
        }
        for (const seq of plan.sequences ?? []) {
          await schema.createSequence(seq);
          heartbeat();
        }
        return plan.databases.length;
      }));
    },

    /** Creates the plan's views, each after the views it reads (plan order), once every table exists; returns how many. */
    async createViews(input: { planRef: PlanRef }): Promise<number> {
      return typed(() => withLivenessHeartbeat(async () => {
        const { plan } = await plans.load(input.planRef);
        for (const v of plan.views ?? []) {
          await schema.createView(v);
          heartbeat();
        }
        return plan.views?.length ?? 0;
      }));
    },

    /**
     * Creates the tables of one group; returns how many exist afterwards. A table whose backup had a TiFlash
     * replica gets it back when the target has enough TiFlash stores, and goes without it otherwise (BR
     * PreCheckTableTiFlashReplica; the pre-check counted the same decisions). CREATE TABLE by SQL carries no
     * replica, so an ALTER follows; it is skipped when the table has a replica already (created by an earlier
     * try, or set downstream by someone who chose it), which keeps the step safe to repeat.
     */
    async createTables(input: { planRef: PlanRef; group: number; recordIds?: boolean; expectIds?: string }): Promise<number | { tables: number; ids: string }> {
      return typed(() => withLivenessHeartbeat(async () => {
        const { plan, groups } = await plans.load(input.planRef);
        const group = groups[input.group];
        if (!group) throw ApplicationFailure.nonRetryable(`table group ${input.group} is not in plan ${input.planRef.hash}`, ErrorType.Internal);
        // Counted once per group, when a replica is wanted at all: PD is asked ~80 times for 10,000 tables.
        let tiflashStores: number | undefined;
        const tables = group.map((ti) => plan.tables[ti]!);
        // A cancel (the operator's, or the workflow's compensation) stops new CREATEs at once, not after the group.
        const infos = await schema.createTables(tables, Context.current().cancellationSignal);
        const ids = infos.map((info) => info.id);
        for (const [i, t] of tables.entries()) {
          const created = infos[i]!;
          if (!pd || !(t.info.tiflash_replica?.Count ?? 0)) continue;
          tiflashStores ??= await pd.countTiFlashStores();
          const d = decideTiFlashReplica(t.info, tiflashStores);
          if (d.kind === 'keep' && !((created.tiflash_replica?.Count ?? 0) > 0)) await schema.setTiFlashReplica(t.db, t.name, d.count, d.locationLabels);
        }
        // recordIds: the new table IDs go into history (range text), so a resumed restore can tell the tables it
        // adopts are the ones the earlier run created and ingested into, not re-created since (expectIds).
        const now = formatRanges(ids);
        if (input.expectIds !== undefined && input.expectIds !== now) {
          throw new BrflowError(
            ErrorType.ResumeRefused,
            `the tables of group ${input.group} have table IDs ${now}, the restore being resumed created them as ${input.expectIds}: some were dropped and re-created since, so the data it ingested is gone; restore them without resumeFrom`,
          );
        }
        return input.recordIds ? { tables: group.length, ids: now } : group.length;
      }));
    },

    /** Moves restored system tables into `mysql` (BR RestoreSystemSchemas). */
    async restoreSystemTables(input: { planRef: PlanRef }): Promise<number> {
      return typed(() => withLivenessHeartbeat(async () => {
        const { plan } = await plans.load(input.planRef);
        const sys = plan.tables.filter((t) => t.db.startsWith(TEMPORARY_DB_PREFIX)).map((t) => t.name);
        if (sys.length > 0) await schema.restoreSystemTables(sys);
        return sys.length;
      }));
    },
  };
}
