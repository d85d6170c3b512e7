import type { RestoreResult } from '../src/workflows/restore';
import { benchTemporal, type BenchTemporal } from './bench-temporal';
import type { Benchmark } from './benchmark';
import { startSimProcess, startWorkerProcess, type SimProcess, type WorkerProcess } from './bench-processes';
import { memorySample, summarize } from './measure';
import { restoreHistories } from './restore-history';
import { caseResult, type CaseResult, type Target } from './result-file';
import { backupUrl, expectWholeRestore, firstCompletionByOtherWorker, median, prepareBackup, startRestore, type BackupShape } from './whole-restore';

export interface RecoveryParams extends BackupShape {
  concurrency: number;
  /** The worker is killed once the stores ingested this share of the files the unkilled run ingested. */
  killAtShare: number;
  /**
   * Killed restores measured (each into a fresh simulator); the figures are their medians. What one kill repeats
   * depends on where in a burst of ingests it lands (0–9 % of the files over single kills of the same code), so
   * one kill is one sample, not a measurement.
   */
  kills: number;
}

export const RECOVERY_FULL: RecoveryParams = { tables: 16, rows: 400, regionsPerRange: 64, concurrency: 16, killAtShare: 0.4, kills: 5 };
export const RECOVERY_QUICK: RecoveryParams = { tables: 4, rows: 100, regionsPerRange: 32, concurrency: 4, killAtShare: 0.3, kills: 1 };

export const RECOVERY_TARGETS: readonly Target[] = [
  { metric: 'recoverySec', op: '<=', limit: 12, why: 'issue #12: a worker lost mid-ingest costs seconds, not a heartbeat-timeout-long stall: the next activity completes within 12 s of the kill' },
  { metric: 'duplicateFileShare', op: '<=', limit: 0.05, why: 'issue #12: at most 5 % of the files are ingested again after a crash (heartbeat resume, not batch restart)' },
];

const BACKUP = 'recovery-backup';
const POLL_MS = 200;
/** How often the stores' ingest counts are read while waiting for the kill point. */
const COUNT_POLL_MS = 10;

/** Files the share of which is ingested more often in `killed` than in `unkilled` (same backup, same plan). */
export function duplicateFileShare(unkilled: Record<string, number>, killed: Record<string, number>): { files: number; duplicated: number; share: number } {
  const names = Object.keys(unkilled);
  if (names.length === 0) throw new Error('the unkilled run ingested no file');
  const missing = names.filter((n) => !(n in killed));
  if (missing.length > 0) throw new Error(`the killed run never ingested ${missing.length} file(s), e.g. ${missing[0]}`);
  const duplicated = names.filter((n) => killed[n]! > unkilled[n]!).length;
  return { files: names.length, duplicated, share: duplicated / names.length };
}

interface RunOutcome {
  wallMs: number;
  result: RestoreResult;
  ingests: Record<string, number>;
}

/**
 * A restore's worker dies by SIGKILL mid-ingest and another is started at once (as a supervisor would):
 * how long until the restore moves again, what the crash costs in wall time, how much is ingested twice.
 * Everything as an operator runs it: `brflow sim` and `brflow worker` as separate processes (one worker
 * process per run, default timings), the Temporal dev server, `restoreWorkflow` started by a client.
 * 1. An unkilled restore into a fresh simulator: wall time and per-file ingest counts (GET /state).
 * 2. The same restore into another fresh simulator; once the stores ingested `killAtShare` of the files, the
 *    worker process is SIGKILLed and a new one started. `recoverySec`: kill → the first activity completed
 *    by a worker other than the killed one (the history's completion event, server clock; the identity is the
 *    SDK's `pid@host`), the new worker's start-up included. `extraWallSec`: killed run − unkilled run.
 *    `duplicateFileShare`: files ingested more times than in the unkilled run, over all files.
 * Both must restore every table with its checksum passed and leave every store in normal mode.
 */
export async function runRecovery(dir: string, p: RecoveryParams): Promise<CaseResult[]> {
  const temporal = await benchTemporal();
  const live = new Set<{ stop(): Promise<void> }>();
  try {
    /** One restore into a fresh simulator; with `killAt`, its worker is SIGKILLed at that many ingested files and replaced. */
    const once = async (label: string, killAt?: number): Promise<RunOutcome & { crash?: { recoveryMs: number; recoveredWith: string; killedAtFiles: number } }> => {
      const sim = await startSimProcess();
      live.add(sim);
      const taskQueue = `brflow-bench-recovery-${process.pid}-${label}`;
      const startWorker = (): Promise<WorkerProcess> => startWorkerProcess({ temporalAddress: temporal.address, taskQueue, target: sim.target, maxConcurrentActivities: p.concurrency });
      let worker = await startWorker();
      live.add(worker);
      try {
        const t0 = performance.now();
        const handle = await startRestore(temporal.client, taskQueue, { storage: backupUrl(dir, BACKUP), concurrency: p.concurrency });
        let kill: { atMs: number; identityPrefix: string; files: number } | undefined;
        if (killAt !== undefined) {
          const files = await waitForIngested(sim, temporal, handle.workflowId, killAt);
          const atMs = Date.now();
          await worker.kill();
          live.delete(worker);
          kill = { atMs, identityPrefix: worker.identityPrefix, files };
          worker = await startWorker();
          live.add(worker);
        }
        const result = await handle.result();
        const wallMs = performance.now() - t0;
        expectWholeRestore(result, p.tables, `recovery ${label}`);
        const modes = await sim.storeModes();
        if (modes.some((m) => m !== 'Normal')) throw new Error(`recovery ${label}: a store was left in import mode (${modes.join(', ')})`);
        const ingests = await sim.ingestCounts();
        if (!kill) return { wallMs, result, ingests };
        const next = firstCompletionByOtherWorker(await restoreHistories(temporal.client, handle), kill.identityPrefix, kill.atMs);
        if (!next) throw new Error('recovery: no activity completed after the kill');
        return { wallMs, result, ingests, crash: { recoveryMs: next.atMs - kill.atMs, recoveredWith: next.type, killedAtFiles: kill.files } };
      } finally {
        await worker.stop();
        live.delete(worker);
        await sim.stop();
        live.delete(sim);
      }
    };
    const plain = await once('unkilled');
    const files = Object.keys(plain.ingests).length;
    const kills: { wallMs: number; recoverySec: number; recoveredWith: string; killedAtFiles: number; duplicated: number; share: number }[] = [];
    for (let k = 0; k < Math.max(1, p.kills); k++) {
      const crashed = await once(`killed-${k}`, Math.max(1, Math.floor(files * p.killAtShare)));
      const dup = duplicateFileShare(plain.ingests, crashed.ingests);
      kills.push({ wallMs: crashed.wallMs, recoverySec: crashed.crash!.recoveryMs / 1000, recoveredWith: crashed.crash!.recoveredWith, killedAtFiles: crashed.crash!.killedAtFiles, duplicated: dup.duplicated, share: dup.share });
    }
    const mid = (pick: (k: (typeof kills)[number]) => number): number => median(kills.map(pick));
    const list = (pick: (k: (typeof kills)[number]) => number): string => kills.map(pick).join(',');
    return [caseResult({
      name: 'sigkill-mid-ingest',
      params: {
        tables: p.tables, rows: p.rows, regionsPerRange: p.regionsPerRange ?? 3, files: plain.result.files, concurrency: p.concurrency, timings: 'BR defaults',
        kills: kills.length, killedAtFiles: list((k) => k.killedAtFiles), firstActivityAfterKill: [...new Set(kills.map((k) => k.recoveredWith))].join(','), killAtShare: p.killAtShare,
        unkilledMs: Math.round(plain.wallMs), killedMs: list((k) => Math.round(k.wallMs)), recoverySecs: list((k) => k.recoverySec), filesIngestedTwice: list((k) => k.duplicated),
        figures: 'medians over the kills', processes: 'brflow sim, brflow worker (killed: SIGKILL; replaced at once)',
      },
      timing: summarize(kills.map((k) => k.wallMs)), memory: memorySample(), opsPerIteration: plain.result.files,
      extra: { recoverySec: mid((k) => k.recoverySec), extraWallSec: (mid((k) => k.wallMs) - plain.wallMs) / 1000, duplicateFileShare: mid((k) => k.share) },
      targets: RECOVERY_TARGETS,
    })];
  } finally {
    for (const x of live) await x.stop().catch(() => undefined);
    await temporal.stop();
  }
}

/** Polls the stores' ingest counts until `files` distinct files were ingested; fails if the restore ended first. */
async function waitForIngested(sim: SimProcess, temporal: BenchTemporal, workflowId: string, files: number): Promise<number> {
  // The counts are one local HTTP call: polled often, since a batch's ingests land within a few hundred ms and a
  // slow poll would kill after the burst. The workflow's status (a Temporal call) only every POLL_MS.
  let describedAt = 0;
  for (;;) {
    const n = Object.keys(await sim.ingestCounts()).length;
    if (n >= files) return n;
    if (Date.now() - describedAt >= POLL_MS) {
      describedAt = Date.now();
      const d = await temporal.client.workflow.getHandle(workflowId).describe();
      if (d.status.name !== 'RUNNING') throw new Error(`recovery: the restore ended (${d.status.name}) before ${files} files were ingested (${n} were)`);
    }
    await new Promise((r) => setTimeout(r, COUNT_POLL_MS));
  }
}

export const recoveryBench: Benchmark = {
  name: 'recovery',
  description: 'a worker process (brflow worker) SIGKILLed mid-ingest and replaced at once, simulator as brflow sim, default timings: seconds from the kill to the next activity completed by another worker (history), extra wall time vs an unkilled run, share of files ingested again (simulator ingest counts)',
  timeoutMs: { full: 600_000, quick: 180_000 },
  prepare: (ctx) => prepareBackup(ctx.workDir, BACKUP, ctx.quick ? RECOVERY_QUICK : RECOVERY_FULL),
  run: (ctx) => runRecovery(ctx.workDir, ctx.quick ? RECOVERY_QUICK : RECOVERY_FULL),
};
