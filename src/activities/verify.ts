import { ApplicationFailure } from '@temporalio/activity';
import { ErrorType } from '../plan/error-types';
import type { ChecksumGroupResult, ChecksumMismatch, PlanRef } from '../workflows/types';
import type { ChecksumControl, SchemaControl, TsoAndGc } from './deps';
import type { PlanCache } from './plan-cache';
import { checksumCounters } from './restore-metrics';
import { resolveTable } from './table-rewrites';
import { withLivenessHeartbeat } from './liveness-heartbeat';
import { typed } from './to-failure';

/** Checksums every table of one group against the backup (BR GoValidateChecksum). */
export function verifyActivities(checksum: ChecksumControl, schema: SchemaControl, pd: TsoAndGc, plans: PlanCache) {
  return {
    /**
     * `only` (a resumed restore, for the group whose earlier checksum mismatched): checksum just these tables
     * (`db.name`); the group's other tables passed before and count in `earlierPassed`.
     */
    async checksumGroup(input: { planRef: PlanRef; group: number; only?: string[] }): Promise<ChecksumGroupResult> {
      return typed(() => withLivenessHeartbeat(async () => {
        const { plan, groups } = await plans.load(input.planRef);
        const group = groups[input.group];
        if (!group) throw ApplicationFailure.nonRetryable(`table group ${input.group} is not in plan ${input.planRef.hash}`, ErrorType.Internal);
        // A fresh TS per group, as BR's execChecksum takes one: it must see everything ingested so far.
        const ts = await pd.getTs();
        let passed = 0;
        const mismatches: ChecksumMismatch[] = [];
        let skipped = 0;
        let earlierPassed = 0;
        const only = input.only ? new Set(input.only) : undefined;
        for (const ti of group) {
          const t = plan.tables[ti]!;
          if (only && !only.has(`${t.db}.${t.name}`)) {
            earlierPassed++;
            continue;
          }
          const { newInfo } = await resolveTable(schema, t);
          const actual = await checksum.checksumTable(t.info, newInfo, ts);
          const e = t.checksum;
          if (actual.crc64xor === e.crc64xor && actual.totalKvs === e.totalKvs && actual.totalBytes === e.totalBytes) passed++;
          // BR's Table.NoChecksum: a backup that recorded no checksum for a table (incremental backups never do)
          // has nothing to compare with, so the table is skipped rather than failed.
          else if (e.crc64xor === '0' && e.totalKvs === '0' && e.totalBytes === '0') skipped++;
          else mismatches.push({ table: `${t.db}.${t.name}`, expected: e, actual });
        }
        checksumCounters().compared(passed, mismatches.length);
        return { passed, mismatches, skipped, ...(only ? { earlierPassed } : {}) };
      }));
    },
  };
}
