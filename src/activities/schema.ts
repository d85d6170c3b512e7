import { heartbeat } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/activity';
import { ErrorType } from '../plan/error-types';
import { TEMPORARY_DB_PREFIX } from '../plan/table-filter';
import type { PlanRef } from '../workflows/types';
import type { SchemaControl } from './deps';
import type { PlanCache } from './plan-cache';
import { withLivenessHeartbeat } from './liveness-heartbeat';
import { typed } from './to-failure';

/** DDL side (BR ExecDDLs, CreateDatabase, GoCreateTables): every step is "if not exists", so safe to repeat. */
export function schemaActivities(schema: SchemaControl, plans: PlanCache) {
  return {
    /** Replays an incremental backup's DDL jobs in schema-version order (BR ExecDDLs). */
    async execDdlJobs(input: { planRef: PlanRef }): Promise<number> {
      return typed(async () => {
        const { plan } = await plans.load(input.planRef);
        const jobs = [...plan.ddlJobs].sort((a, b) => (a.binlog?.SchemaVersion ?? 0) - (b.binlog?.SchemaVersion ?? 0));
        for (const job of jobs) {
          await schema.execDdl(job);
          heartbeat();
        }
        return jobs.length;
      });
    },

    async createDatabases(input: { planRef: PlanRef }): Promise<number> {
      return typed(async () => {
        const { plan } = await plans.load(input.planRef);
        for (const db of plan.databases) {
          await schema.createDatabase(db);
          heartbeat();
        }
        return plan.databases.length;
      });
    },

    /** Creates the tables of one group; returns how many exist afterwards. */
    async createTables(input: { planRef: PlanRef; group: number }): Promise<number> {
      return typed(() => withLivenessHeartbeat(async () => {
        const { plan, groups } = await plans.load(input.planRef);
        const group = groups[input.group];
        if (!group) throw ApplicationFailure.nonRetryable(`table group ${input.group} is not in plan ${input.planRef.hash}`, ErrorType.Internal);
        for (const ti of group) await schema.createTable(plan.tables[ti]!);
        return group.length;
      }));
    },

    /** Moves restored system tables into `mysql` (BR RestoreSystemSchemas). */
    async restoreSystemTables(input: { planRef: PlanRef }): Promise<number> {
      return typed(async () => {
        const { plan } = await plans.load(input.planRef);
        const sys = plan.tables.filter((t) => t.db.startsWith(TEMPORARY_DB_PREFIX)).map((t) => t.name);
        if (sys.length > 0) await schema.restoreSystemTables(sys);
        return sys.length;
      });
    },
  };
}
