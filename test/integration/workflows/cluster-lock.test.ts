import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../../../src/plan/error-types';
import type { ManifestTable } from '../../../src/backup/manifest';
import { restoreWorkflow } from '../../../src/workflows/restore';
import type { RestoreProgress } from '../../../src/workflows/types';
import { FAST_TIMINGS, openRestoreEnv, type RestoreEnvWithBackup } from '../../support/restore-env';
import { clusterNormality, expectedNormality, recordedChecksums, restoredChecksums, type SimCluster } from '../../support/sim-cluster';

/**
 * Issue #11, one restore per cluster: two restores into one cluster fight over import mode, schedulers and the
 * PD config snapshot (the first to finish hands the cluster back while the other still ingests). The simulator
 * records, at every SST ingest, whether any store was in normal mode then.
 */
let env: RestoreEnvWithBackup;

beforeAll(async () => {
  env = await openRestoreEnv({ prefix: 'cluster-lock', backup: { seed: 13, tables: 4, rows: 30, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false } });
});

afterAll(() => env?.close());

const input = (o: Record<string, unknown> = {}): Record<string, unknown> => ({
  storage: `local://${env.dir}`,
  batchFiles: 2,
  mergeRegionSizeBytes: 1,
  mergeRegionKeyCount: 1,
  timings: { ...FAST_TIMINGS, heartbeatTimeoutMs: 2000 },
  ...o,
});

const names = (ts: readonly ManifestTable[]): string[] => ts.map((t) => `${t.db}.${t.name}`);
/** The backup's tables in two halves, each with rows. */
function halves(): [ManifestTable[], ManifestTable[]] {
  const ts = env.manifest.tables;
  const mid = Math.ceil(ts.length / 2);
  return [ts.slice(0, mid), ts.slice(mid)];
}

/** The keeper renews import mode every 4 s: a restore handed back under another stays in normal mode that long. */
const SLOW_KEEPER = { ...FAST_TIMINGS, keeperIntervalMs: 4000, heartbeatTimeoutMs: 2000 };

/** Counts ingests that happened while some TiKV store was in normal mode (each one a restore the other undercut). */
function watchIngestModes(c: SimCluster): { ingests: number; inNormalMode: number } {
  const seen = { ingests: 0, inNormalMode: 0 };
  const state = c.sim.state;
  const ingest = state.ingest.bind(state);
  state.ingest = (leader, region, uuids) => {
    seen.ingests++;
    if (state.stores().some((s) => state.mode(s.id) === 'Normal')) seen.inNormalMode++;
    ingest(leader, region, uuids);
  };
  return seen;
}

/** Phases a restore showed (search attribute) while `until` runs; 'waiting for <id>' when its progress named whom it queued behind. */
async function phases(h: WorkflowHandle, until: Promise<unknown>): Promise<Set<string>> {
  const seen = new Set<string>();
  let done = false;
  void until.finally(() => {
    done = true;
  });
  while (!done) {
    const p = (await h.describe()).searchAttributes.BrRestorePhase;
    if (Array.isArray(p)) seen.add(String(p[0]));
    if (p?.[0] === 'queued') {
      const progress = await h.query<RestoreProgress>('progress').catch(() => undefined);
      if (progress?.waitingFor) seen.add(`waiting for ${progress.waitingFor}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return seen;
}

test('two restores started together into one cluster: the second queues, both end correct, no ingest ever runs in normal mode', async () => {
  await env.withCluster(async (c, taskQueue) => {
    c.sim.faults.addLatency({ rpc: 'Download', ms: 100 });
    const seen = watchIngestModes(c);
    // A slow keeper, as in the test below where the same two restores without the lock are seen to collide.
    const timings = SLOW_KEEPER;
    // Each restores half of the backup's tables: the same tables twice would be refused (TableNotEmpty).
    const [halfA, halfB] = halves();
    const [a, b] = await Promise.all([
      env.client.workflow.start(restoreWorkflow, { taskQueue, workflowId: `lock-a-${taskQueue}`, args: [input({ filters: names(halfA), concurrency: 4, timings })] }),
      env.client.workflow.start(restoreWorkflow, { taskQueue, workflowId: `lock-b-${taskQueue}`, args: [input({ filters: names(halfB), concurrency: 1, timings })] }),
    ]);
    const both = Promise.all([a.result(), b.result()]);
    const [phasesA, phasesB] = await Promise.all([phases(a, both), phases(b, both)]);
    const [ra, rb] = await both;
    expect([ra.checksum.passed, rb.checksum.passed]).toEqual([halfA.length, halfB.length]);
    // One of them waited its turn.
    expect([phasesA.has('queued'), phasesB.has('queued')].filter(Boolean)).toHaveLength(1);
    // brflow status (the progress query) names the restore it waits for.
    const [queued, holder] = phasesA.has('queued') ? [phasesA, b] : [phasesB, a];
    expect(queued.has(`waiting for ${holder.workflowId}`)).toBe(true);
    expect(seen.ingests).toBeGreaterThan(0);
    expect(seen.inNormalMode).toBe(0);
    expect(await restoredChecksums(c, env.manifest.tables)).toEqual(recordedChecksums(env.manifest.tables));
    expect(clusterNormality(c.sim)).toEqual(expectedNormality(c));
  });
}, 240_000);

test('without the lock (onClusterBusy "ignore") the first to finish hands the cluster back under the other: the watch sees it', async () => {
  await env.withCluster(async (c, taskQueue) => {
    c.sim.faults.addLatency({ rpc: 'Download', ms: 100 });
    const seen = watchIngestModes(c);
    // A long restore ingesting, then a short one into the same cluster that finishes (and hands back) first. The
    // long one's keeper puts import mode back at its next renewal: a slow keeper makes the window seconds long.
    const timings = SLOW_KEEPER;
    const first = env.manifest.tables[0]!;
    // Disjoint tables: the short restore's table must not hold the long one's rows (TableNotEmpty).
    const long = await env.client.workflow.start(restoreWorkflow, { taskQueue, workflowId: `nolock-long-${taskQueue}`, args: [input({ filters: names(env.manifest.tables.slice(1)), concurrency: 1, onClusterBusy: 'ignore', timings })] });
    for (const end = Date.now() + 30_000; seen.ingests === 0; ) {
      if (Date.now() > end) throw new Error('the long restore never ingested');
      await new Promise((r) => setTimeout(r, 50));
    }
    const short = await env.client.workflow.start(restoreWorkflow, { taskQueue, workflowId: `nolock-short-${taskQueue}`, args: [input({ filters: [`${first.db}.${first.name}`], concurrency: 4, onClusterBusy: 'ignore', timings })] });
    await short.result();
    expect((await long.describe()).status.name).toBe('RUNNING');
    await long.result();
    expect(seen.inNormalMode).toBeGreaterThan(0);
  });
}, 240_000);

test('onClusterBusy "fail": the second restore fails at once, typed, naming the holder; the first ends correct', async () => {
  await env.withCluster(async (c, taskQueue) => {
    c.sim.faults.addLatency({ rpc: 'Download', ms: 100 });
    const a = await env.client.workflow.start(restoreWorkflow, { taskQueue, workflowId: `busy-a-${taskQueue}`, args: [input({ concurrency: 2 })] });
    for (const end = Date.now() + 30_000; (await a.describe()).searchAttributes.BrRestorePhase?.[0] !== 'ingest'; ) {
      if (Date.now() > end) throw new Error('first restore never reached ingest');
      await new Promise((r) => setTimeout(r, 50));
    }
    const err = await env.client.workflow.execute(restoreWorkflow, { taskQueue, workflowId: `busy-b-${taskQueue}`, args: [input({ onClusterBusy: 'fail' })] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const f = (err as WorkflowFailedError).cause as ApplicationFailure;
    expect(f.type).toBe(ErrorType.ClusterBusy);
    expect(f.message).toContain(a.workflowId);
    expect((await a.describe()).status.name).toBe('RUNNING');
    expect((await a.result()).checksum.passed).toBe(env.manifest.tables.length);
    expect(clusterNormality(c.sim)).toEqual(expectedNormality(c));
  });
}, 240_000);

test('a restore queued behind another fails at once on a backup it cannot plan (planning runs while it waits), and leaves the queue: the holder ends correct', async () => {
  await env.withCluster(async (c, taskQueue) => {
    c.sim.faults.addLatency({ rpc: 'Download', ms: 100 });
    const a = await env.client.workflow.start(restoreWorkflow, { taskQueue, workflowId: `plan-q-a-${taskQueue}`, args: [input({ concurrency: 1 })] });
    for (const end = Date.now() + 30_000; (await a.describe()).searchAttributes.BrRestorePhase?.[0] !== 'ingest'; ) {
      if (Date.now() > end) throw new Error('first restore never reached ingest');
      await new Promise((r) => setTimeout(r, 50));
    }
    const t0 = Date.now();
    const err = await env.client.workflow.execute(restoreWorkflow, { taskQueue, workflowId: `plan-q-b-${taskQueue}`, args: [input({ storage: `local://${env.dir}/no-such-backup` })] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const root = ((err as WorkflowFailedError).cause?.cause ?? (err as WorkflowFailedError).cause) as ApplicationFailure;
    expect(root.message).toContain('no-such-backup');
    // It did not wait for the holder: that one is still ingesting.
    expect((await a.describe()).status.name).toBe('RUNNING');
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect((await a.result()).checksum.passed).toBe(env.manifest.tables.length);
    expect(await restoredChecksums(c, env.manifest.tables)).toEqual(recordedChecksums(env.manifest.tables));
    // The failed one left the queue: the lock is free at once for a restore that will not wait.
    const next = await env.client.workflow.execute(restoreWorkflow, { taskQueue, workflowId: `plan-q-c-${taskQueue}`, args: [input({ filters: ['nothing_here.*'], allowEmpty: true, onClusterBusy: 'fail' })] });
    expect(next.tables).toBe(0);
    expect(clusterNormality(c.sim)).toEqual(expectedNormality(c));
  });
}, 240_000);
