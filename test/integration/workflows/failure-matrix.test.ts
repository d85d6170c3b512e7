import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, RetryState, TemporalFailure } from '@temporalio/common';
import { encodeMvccWrite } from '../../../src/backup/mvcc-write';
import { LocalStorage } from '../../../src/backup/local-storage';
import { readManifest } from '../../../src/backup/read-manifest';
import { ErrorType, type ErrorTypeName } from '../../../src/plan/error-types';
import { appendTs, concatBytes, encodeBytes, recordKey } from '../../../src/plan/keys';
import type { SimulatorOptions } from '../../../src/simulator/server';
import { restoreWorkflow } from '../../../src/workflows/restore';
import { FAST_TIMINGS, openRestoreEnv, type RestoreEnvWithBackup } from '../../support/restore-env';
import { clusterNormality, expectedNormality, type SimCluster } from '../../support/sim-cluster';
import { activitiesRun as allActivitiesRun, activityTypesRun } from '../../support/activities-run';

/**
 * Issue #4: a failure injected at each step of a restore ends the workflow with a typed error (an
 * ApplicationFailure whose type is in the catalog, its message naming the problem) and leaves the cluster as
 * it was: every store in normal mode, schedulers and schedule config as before, no brflow GC safepoint, no
 * download rate limit. Real Temporal dev server, real cluster clients, one fresh simulator per case.
 *
 * Faults are precise (a permanent gRPC status, a PD HTTP or SQL error on one statement, a data-level problem)
 * so each step fails at once instead of after BR's long retry budgets; one case shows a retryable fault
 * exhausting a small budget given in the input, one shows faults hitting compensation itself.
 */
// A short heartbeat timeout: stopping the keeper waits for its next heartbeat (0.8 × this), once per case or more.
// A lower cap on compensation's retry backoff: one case makes compensation itself retry.
const FAST = { ...FAST_TIMINGS, heartbeatTimeoutMs: 1500, compensationMaxIntervalMs: 300 };
/** Small and quick: two user tables, a set rate limit (so its undo is exercised too). */
const TABLES = ['shop.documents', 'shop.empty_table'];
const SQL_REFUSED = 1105;

let env: RestoreEnvWithBackup;

beforeAll(async () => {
  const gen = { seed: 11, tables: 8, rows: 20, metaVersion: 2 as const, compression: 'zstd' as const };
  // One backup per kind a case restores, each in the folder its `backup` field names ('full' by default).
  env = await openRestoreEnv({
    prefix: 'failure-matrix',
    backup: { ...gen, incremental: false, withSysTables: false },
    backupSubdir: 'full',
    moreBackups: {
      sys: { ...gen, incremental: false, withSysTables: true },
      inc: { ...gen, incremental: true, withSysTables: false },
      gone: { ...gen, incremental: false, withSysTables: false },
      damaged: { ...gen, incremental: false, withSysTables: false },
    },
  });
  // Backups damaged after they were taken: one data file of shop.documents deleted, one overwritten.
  const firstFile = async (b: string) => (await readManifest(new LocalStorage(join(env.dir, b)))).tables.find((t) => `${t.db}.${t.name}` === 'shop.documents')!.files[0]!.name;
  await rm(join(env.dir, 'gone', await firstFile('gone')));
  await writeFile(join(env.dir, 'damaged', await firstFile('damaged')), Buffer.alloc(4096, 0x5a));
});

afterAll(() => env?.close());

interface Case {
  step: string;
  /** Restore input besides storage (merged over the defaults below). */
  input?: Record<string, unknown>;
  backup?: 'full' | 'sys' | 'inc' | 'gone' | 'damaged';
  sim?: SimulatorOptions;
  /** Arms the fault before the restore starts. */
  inject?: (c: SimCluster) => void;
  /** Runs alongside the restore (data-level faults that need the restore's own objects). */
  during?: (c: SimCluster) => Promise<void>;
  type: ErrorTypeName;
  message: RegExp;
  /** More assertions on the failure, the history and the simulator. */
  check?: (r: { c: SimCluster; err: WorkflowFailedError; handle: WorkflowHandle<typeof restoreWorkflow> }) => Promise<void>;
}

const sqlFaults = (c: SimCluster) => c.sim.tidbFront!.faults;

const CASES: Case[] = [
  {
    step: 'pre-check (TiKV older than the backup)',
    sim: { tikvVersion: '4.0.0' },
    type: ErrorType.ClusterRejected,
    message: /backup comes from a v\d+ cluster but TiKV .* is v4\.0\.0; restore into a cluster of v\d+ or newer/,
  },
  {
    step: 'GC safepoint (GC already past the restore TS)',
    inject: (c) => c.sim.inspector.runGcWorker(1n << 62n),
    type: ErrorType.ClusterRejected,
    message: /GC safepoint \d+ is already past the restore's \d+/,
  },
  {
    step: 'DDL replay (incremental backup, TiDB refuses the DDL)',
    backup: 'inc',
    input: { filters: [] },
    inject: (c) => sqlFaults(c).add({ match: /^\s*(CREATE|ALTER|DROP|RENAME|TRUNCATE)\b/i, error: { errno: SQL_REFUSED, message: 'DDL refused by the simulated TiDB' }, times: 1000 }),
    type: ErrorType.ClusterRejected,
    message: /DDL refused by the simulated TiDB/,
    check: async ({ c, handle }) => {
      expect(await activitiesRun(handle)).toContain('execDdlJobs');
      expect(await activitiesRun(handle)).not.toContain('createDatabases');
      expect(sqlFaults(c).hits.length).toBeGreaterThan(0);
    },
  },
  {
    step: 'create databases',
    inject: (c) => sqlFaults(c).add({ match: /^\s*CREATE DATABASE/i, error: { errno: SQL_REFUSED, message: 'CREATE DATABASE refused by the simulated TiDB' }, times: 1000 }),
    type: ErrorType.ClusterRejected,
    message: /CREATE DATABASE refused/,
  },
  {
    step: 'create tables',
    inject: (c) => sqlFaults(c).add({ match: /^\s*CREATE TABLE/i, error: { errno: SQL_REFUSED, message: 'CREATE TABLE refused by the simulated TiDB' }, times: 1000 }),
    type: ErrorType.ClusterRejected,
    message: /CREATE TABLE refused/,
    check: async ({ c }) => expect(c.sim.tidbFront!.catalog.tables('shop')).toEqual([]),
  },
  {
    step: 'scheduler pause (PD refuses the pause)',
    inject: (c) => c.sim.faults.injectHttp({ method: 'POST', url: '^/pd/api/v1/schedulers/', status: 400, message: 'pause refused by the simulated PD', count: 1 }),
    type: ErrorType.ClusterRejected,
    message: /schedulers\/.*HTTP 400.*pause refused by the simulated PD/,
  },
  {
    step: 'import mode (entering it)',
    inject: (c) => c.sim.faults.injectStatus({ rpc: 'SwitchMode', detail: 'Import', code: GrpcStatus.FAILED_PRECONDITION, message: 'import mode refused by the simulated TiKV' }),
    type: ErrorType.ClusterRejected,
    message: /import mode refused by the simulated TiKV/,
  },
  {
    step: 'reset-ts (PD refuses it)',
    inject: (c) => c.sim.faults.injectHttp({ method: 'POST', url: '^/pd/api/v1/admin/reset-ts', status: 400, message: 'reset-ts refused by the simulated PD' }),
    type: ErrorType.ClusterRejected,
    message: /reset-ts.*HTTP 400.*reset-ts refused by the simulated PD/,
  },
  {
    step: 'download rate limit (TiKV refuses the limit)',
    // Each of the 3 stores refuses its first SetDownloadSpeedLimit (permanent: no inner retry); clearing it later works.
    inject: (c) => c.sim.faults.injectStatus({ rpc: 'SetDownloadSpeedLimit', code: GrpcStatus.PERMISSION_DENIED, message: 'speed limit refused by the simulated TiKV', count: 3 }),
    type: ErrorType.ClusterRejected,
    message: /SetDownloadSpeedLimit.*speed limit refused by the simulated TiKV/,
    check: async ({ c, handle }) => {
      expect(c.sim.faults.snapshot().fired.SetDownloadSpeedLimit).toBe(3);
      expect(await activitiesRun(handle)).toContain('clearRateLimit');
    },
  },
  {
    step: 'split/scatter',
    inject: (c) => c.sim.faults.injectStatus({ rpc: 'SplitRegion', code: GrpcStatus.INVALID_ARGUMENT, message: 'split refused by the simulated TiKV' }),
    type: ErrorType.ClusterRejected,
    message: /split refused by the simulated TiKV/,
    check: async ({ handle }) => expect(await activitiesRun(handle)).not.toContain('ingestBatch'),
  },
  {
    step: 'download (TiKV may not read the backup)',
    inject: (c) => c.sim.faults.injectStatus({ rpc: 'Download', code: GrpcStatus.PERMISSION_DENIED, message: 'access to the backup storage denied' }),
    type: ErrorType.ClusterRejected,
    message: /Download.*access to the backup storage denied/,
  },
  {
    // TiKV fails such a download the same way every time: it must end the restore at once, not after the
    // stacked download/import/activity retry budgets (hours).
    step: 'download (a backup data file deleted)',
    backup: 'gone',
    type: ErrorType.SstCorrupt,
    message: /Download .*backup-file-unreadable.*not found.*brflow verify-backup/,
    check: async ({ handle }) => expect(await lastAttempt(handle, 'ingestBatch')).toBe(1),
  },
  {
    step: 'download (a backup data file damaged)',
    backup: 'damaged',
    type: ErrorType.SstCorrupt,
    message: /Download .*backup-file-unreadable.*Corruption/,
    check: async ({ handle }) => expect(await lastAttempt(handle, 'ingestBatch')).toBe(1),
  },
  {
    step: 'ingest',
    inject: (c) => {
      for (const rpc of ['Ingest', 'MultiIngest']) c.sim.faults.injectStatus({ rpc, code: GrpcStatus.FAILED_PRECONDITION, message: 'ingest refused by the simulated TiKV' });
    },
    type: ErrorType.ClusterRejected,
    message: /ingest refused by the simulated TiKV/,
  },
  {
    step: 'checksum (coprocessor refuses)',
    inject: (c) => c.sim.faults.injectStatus({ rpc: 'Coprocessor', code: GrpcStatus.FAILED_PRECONDITION, message: 'checksum refused by the simulated TiKV' }),
    type: ErrorType.ClusterRejected,
    message: /checksum refused by the simulated TiKV/,
  },
  {
    step: 'checksum (data altered in the stores before the checksum)',
    input: { filters: ['shop.documents'] },
    // Slow downloads leave time to plant the row between table creation and checksum; one range's two files
    // then take longer than the heartbeat timeout, which a healthy ingest must survive without a retry.
    inject: (c) => c.sim.faults.addLatency({ rpc: 'Download', ms: 1000 }),
    during: plantForeignRow,
    type: ErrorType.ChecksumMismatch,
    message: /checksum mismatch on 1 table\(s\), first shop\.documents: backup crc64xor=\d+ kvs=\d+ .* restored crc64xor=\d+ kvs=\d+/,
    check: async ({ err, handle }) => {
      expect(await lastAttempt(handle, 'ingestBatch')).toBe(1);
      const f = rootFailure(err)!;
      const mismatch = (f.details?.[0] as { expected: { totalKvs: string }; actual: { totalKvs: string } }[])[0]!;
      expect(BigInt(mismatch.actual.totalKvs)).toBe(BigInt(mismatch.expected.totalKvs) + 1n);
    },
  },
  {
    step: 'keeper (GC passes the restore TS mid-restore after its service safepoint was dropped)',
    inject: (c) => c.sim.faults.addLatency({ rpc: 'Download', ms: 300 }),
    during: dropSafepointAndCollect,
    type: ErrorType.ClusterRejected,
    message: /GC safepoint \d+ passed the restore's \d+; the restore cannot be trusted/,
    check: async ({ err }) => expect((err.cause as ActivityFailure).activityType).toBe('keeper'),
  },
  {
    step: 'system tables',
    backup: 'sys',
    input: { filters: [...TABLES, 'mysql.*'] },
    inject: (c) => sqlFaults(c).add({ match: /^\s*(REPLACE INTO mysql\.|RENAME TABLE)/i, error: { errno: SQL_REFUSED, message: 'system table write refused by the simulated TiDB' }, times: 1000 }),
    type: ErrorType.ClusterRejected,
    message: /restore system table mysql\..*system table write refused/,
    check: async ({ handle }) => {
      // Failed in the last step: everything before it ran.
      const acts = await activitiesRun(handle);
      expect(acts).toContain('checksumGroup');
      expect(acts).toContain('restoreSystemTables');
    },
  },
  {
    step: 'import mode, a retryable fault outlasting the input retry budget (3 attempts)',
    input: { timings: { ...FAST, retries: { pdRequest: { maximumAttempts: 3, initialIntervalMs: 100, maximumIntervalMs: 100 } } } },
    inject: (c) => c.sim.faults.injectUnavailable({ rpc: 'SwitchMode', detail: 'Import', count: 1_000_000 }),
    type: ErrorType.ClusterUnavailable,
    message: /SwitchMode.*unavailable/i,
    check: async ({ err, handle }) => {
      const act = err.cause as ActivityFailure;
      expect(act).toBeInstanceOf(ActivityFailure);
      expect(act.activityType).toBe('enterImportMode');
      expect(act.retryState).toBe(RetryState.MAXIMUM_ATTEMPTS_REACHED);
      expect(await lastAttempt(handle, 'enterImportMode')).toBe(3);
    },
  },
  {
    step: 'ingest, with faults hitting compensation too (TiKV and PD unavailable for a while)',
    inject: (c) => {
      for (const rpc of ['Ingest', 'MultiIngest']) c.sim.faults.injectStatus({ rpc, code: GrpcStatus.FAILED_PRECONDITION, message: 'ingest refused by the simulated TiKV' });
      // Store 1 refuses going back to normal for two whole activity attempts (3 inner tries each).
      c.sim.faults.injectUnavailable({ rpc: 'SwitchMode', detail: 'Normal', target: 1, count: 6 });
      // Dropping the TTL schedule config (only compensation sends ttlSecond=0) fails on both PD members once.
      c.sim.faults.injectHttp({ method: 'POST', url: '^/pd/api/v1/config\\?ttlSecond=0$', status: 503, message: 'PD is busy', count: 2 });
    },
    type: ErrorType.ClusterRejected,
    message: /ingest refused by the simulated TiKV/,
    check: async ({ c, handle }) => {
      const fired = c.sim.faults.snapshot().fired;
      expect(fired.SwitchMode).toBe(6);
      expect(fired['HTTP POST /pd/api/v1/config']).toBe(2);
      expect(await lastAttempt(handle, 'restoreNormalMode')).toBe(3);
    },
  },
];

test.each(CASES.map((c) => [c.step, c] as const))('a failure at %s fails the workflow typed and leaves the cluster normal', async (_step, tc) => {
  await env.withCluster(tc.sim ?? {}, async (cluster, taskQueue) => {
    tc.inject?.(cluster);
    const input = { storage: `local://${join(env.dir, tc.backup ?? 'full')}`, filters: TABLES, tableGroupSize: 1, rateLimitBytesPerSec: 1 << 30, timings: FAST, ...tc.input };
    const handle = await env.client.workflow.start(restoreWorkflow, { taskQueue, workflowId: `fm-${taskQueue}`, args: [input] });
    const [outcome] = await Promise.all([handle.result().then(() => 'completed', (e: unknown) => e), tc.during?.(cluster)]);
    expect(outcome).toBeInstanceOf(WorkflowFailedError);
    const err = outcome as WorkflowFailedError;
    const root = rootFailure(err);
    expect(root).toBeInstanceOf(ApplicationFailure);
    expect({ type: root!.type, message: root!.message }).toEqual({ type: tc.type, message: expect.stringMatching(tc.message) });
    await tc.check?.({ c: cluster, err, handle });
    expect(clusterNormality(cluster.sim)).toEqual(expectedNormality(cluster));
  });
});

/**
 * The ApplicationFailure the restore failed with: the workflow's own (checksum mismatch) or the one its
 * activity threw (workflow → activity → application), i.e. the first in the chain, which the workflow matches on.
 */
function rootFailure(e: WorkflowFailedError): ApplicationFailure | undefined {
  let f: unknown = e.cause;
  while (f instanceof TemporalFailure) {
    if (f instanceof ApplicationFailure) return f;
    f = f.cause;
  }
  return undefined;
}

/** Activity types the workflow ran (activities and local activities), in order. */
async function activitiesRun(handle: WorkflowHandle): Promise<string[]> {
  return activityTypesRun((await handle.fetchHistory()).events ?? []);
}

/** The attempt an activity type's last run started (local: ended) on. */
async function lastAttempt(handle: WorkflowHandle, activityType: string): Promise<number | undefined> {
  return allActivitiesRun((await handle.fetchHistory()).events ?? []).filter((a) => a.type === activityType).at(-1)?.attempt;
}

/**
 * Data-level fault: once shop.documents exists in TiDB, writes one extra committed row (a handle the backup
 * does not have) into its new key range on every store, as a stray writer or a damaged store would. The
 * checksum that follows the ingest must see one KV more than the backup recorded.
 */
async function plantForeignRow(c: SimCluster): Promise<void> {
  const end = Date.now() + 30_000;
  let id: number | undefined;
  while (id === undefined) {
    if (Date.now() > end) throw new Error('shop.documents was never created');
    id = c.sim.tidbFront!.catalog.tables('shop').find((t) => t.name.L === 'documents')?.id;
    if (id === undefined) await new Promise((r) => setTimeout(r, 10));
  }
  // At the backup's end version: at or below any read TS after the restore's reset-ts.
  const ts = BigInt(env.backup.endVersion);
  const dataKey = concatBytes(new Uint8Array([0x7a]), appendTs(encodeBytes(recordKey(id, (1n << 62n) + 7n)), ts));
  const write = encodeMvccWrite({ type: 'put', startTs: ts - 1n, shortValue: new Uint8Array([0x80, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0x2a]) });
  for (const s of c.sim.state.stores()) c.sim.state.dataOf(s.id).put('write', dataKey, write);
}

/**
 * Once the restore is ingesting (import mode on), drops brflow's service safepoint as an operator or a
 * misbehaving tool might, and lets the GC worker run far ahead: the keeper's next renewal must see GC past
 * the restore's safepoint and stop the restore for good.
 */
async function dropSafepointAndCollect(c: SimCluster): Promise<void> {
  const end = Date.now() + 30_000;
  for (;;) {
    const snap = c.sim.inspector.snapshot();
    const ours = snap.serviceSafePoints.filter((s) => s.serviceId.startsWith('brflow-'));
    if (ours.length > 0 && snap.stores.every((s) => s.mode === 'Import')) {
      for (const s of ours) c.sim.state.gc.updateService(s.serviceId, 0, 0n);
      c.sim.inspector.runGcWorker(1n << 62n);
      return;
    }
    if (Date.now() > end) throw new Error('the restore never reached import mode with its safepoint');
    await new Promise((r) => setTimeout(r, 10));
  }
}
