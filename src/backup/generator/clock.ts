import { composeTs } from '../../plan/keys';

/**
 * The generator's fake clock: every timestamp derives from the seed, never from the wall clock, so two
 * runs with one seed write identical bytes. A full backup and an incremental one with the same seed chain:
 * the incremental's start_version is the full backup's end_version.
 */
const BASE_MS = 1_704_067_200_000; // 2024-01-01T00:00:00Z
const MINUTE_MS = 60_000;
/** The incremental backup covers the hour after the full one. */
export const INCREMENTAL_SPAN_MS = 3_600_000;

export interface BackupClock {
  fullEndMs: number;
  fullEndTs: bigint;
  incrementalEndMs: number;
  incrementalEndTs: bigint;
}

export function backupClock(seed: number): BackupClock {
  const fullEndMs = BASE_MS + (Math.abs(seed) % 100_000) * MINUTE_MS;
  const incrementalEndMs = fullEndMs + INCREMENTAL_SPAN_MS;
  return { fullEndMs, fullEndTs: composeTs(fullEndMs, 0), incrementalEndMs, incrementalEndTs: composeTs(incrementalEndMs, 0) };
}
