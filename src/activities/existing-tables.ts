import { ApplicationFailure } from '@temporalio/activity';
import { checkColumnIds, handleLayout } from '../cluster/tidb-column-ids';
import { BrflowError, ErrorType } from '../plan/error-types';
import type { PlanRef } from '../workflows/types';
import type { SchemaControl } from './deps';
import { withLivenessHeartbeat } from './liveness-heartbeat';
import type { PlanCache } from './plan-cache';
import { typed } from './to-failure';

/**
 * BR --no-schema: restore data into tables the operator created beforehand, creating and changing no schema
 * object. Each table of the group must exist with the backup's row handle and column IDs: restored rows store
 * column IDs (row format v2) and TiKV only rewrites key prefixes, so any other layout would decode wrongly.
 */
export function existingTablesActivities(schema: SchemaControl, plans: PlanCache) {
  return {
    /** Checks the group's tables exist with the backup's layout; returns how many were checked. */
    async useExistingTables(input: { planRef: PlanRef; group: number }): Promise<number> {
      return typed(() => withLivenessHeartbeat(async () => {
        const { plan, groups } = await plans.load(input.planRef);
        const group = groups[input.group];
        if (!group) throw ApplicationFailure.nonRetryable(`table group ${input.group} is not in plan ${input.planRef.hash}`, ErrorType.Internal);
        const missing: string[] = [];
        for (const ti of group) {
          const t = plan.tables[ti]!;
          const existing = await schema.getTable(t.db, t.name);
          if (!existing) {
            missing.push(`${t.db}.${t.name}`);
            continue;
          }
          if (handleLayout(existing) !== handleLayout(t.info)) {
            throw new BrflowError(ErrorType.ColumnIdMismatch, `table ${t.db}.${t.name} has row handle "${handleLayout(existing)}" but the backup's is "${handleLayout(t.info)}" (clustered index option mismatch); recreate it as in the backup or restore without noSchema`);
          }
          checkColumnIds(t.info, existing, t.db);
        }
        if (missing.length > 0) {
          throw new BrflowError(ErrorType.TableMissing, `noSchema restores into existing tables, but ${missing.length} do not exist: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''}; create them with the backup's schema, narrow the filters, or restore without noSchema`);
        }
        return group.length;
      }));
    },
  };
}
