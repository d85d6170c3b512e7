import { ApplicationFailure, Context } from '@temporalio/activity';
import { ErrorType } from '../plan/error-types';
import type { ChecksumGroupResult, ChecksumMismatch, PlanRef } from '../workflows/types';
import type { ChecksumControl, SchemaControl, TsoAndGc } from './deps';
import type { PlanCache } from './plan-cache';
import { checksumCounters } from './restore-metrics';
import { resolveTable } from './table-rewrites';
import { withLivenessHeartbeat } from './liveness-heartbeat';
import { typed } from './to-failure';
import { forEachLimited } from '../cluster/for-each-limited';

/** Tables of a group checksummed at once: BR's defaultChecksumConcurrency (pkg/restore, research §9.3). */
export const CHECKSUM_TABLES_AT_ONCE = 64;

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
        const only = input.only ? new Set(input.only) : undefined;
        const due = group.filter((ti) => !only || only.has(`${plan.tables[ti]!.db}.${plan.tables[ti]!.name}`));
        const earlierPassed = group.length - due.length;
        // Tables side by side, as BR's checksum (64 tables at once): one at a time, a group of small tables
        // waited on a TiDB lookup and a few coprocessor round trips per table, in turn.
        const outcome = new Map<number, 'passed' | 'skipped' | ChecksumMismatch>();
        // A cancel stops the scans at once (no new table, no new region), not after the group: on a cluster the
        // operator wants back, a checksum is the heaviest read a restore makes.
        const signal = Context.current().cancellationSignal;
        await forEachLimited(due, CHECKSUM_TABLES_AT_ONCE, async (ti) => {
          signal.throwIfAborted();
          const t = plan.tables[ti]!;
          const { newInfo } = await resolveTable(schema, t);
          const actual = await checksum.checksumTable(t.info, newInfo, ts, signal);
          const e = t.checksum;
          if (actual.crc64xor === e.crc64xor && actual.totalKvs === e.totalKvs && actual.totalBytes === e.totalBytes) outcome.set(ti, 'passed');
          // BR's Table.NoChecksum: a backup that recorded no checksum for a table (incremental backups never do)
          // has nothing to compare with, so the table is skipped rather than failed.
          else if (e.crc64xor === '0' && e.totalKvs === '0' && e.totalBytes === '0') outcome.set(ti, 'skipped');
          else outcome.set(ti, { table: `${t.db}.${t.name}`, expected: e, actual });
        });
        // Counted in the group's table order, so a mismatch list reads the same however the checks interleaved.
        let passed = 0;
        let skipped = 0;
        const mismatches: ChecksumMismatch[] = [];
        for (const ti of due) {
          const o = outcome.get(ti)!;
          if (o === 'passed') passed++;
          else if (o === 'skipped') skipped++;
          else mismatches.push(o);
        }
        checksumCounters().compared(passed, mismatches.length);
        return { passed, mismatches, skipped, ...(only ? { earlierPassed } : {}) };
      }));
    },
  };
}
