import { status as GrpcStatus } from '@grpc/grpc-js';
import { ApplicationFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { createConnection, type RowDataPacket } from 'mysql2/promise';
import { join } from 'node:path';
import { expectedTableStates } from '../../../src/backup/generator/expected-state';
import { LocalStorage } from '../../../src/backup/local-storage';
import type { ManifestTable } from '../../../src/backup/manifest';
import { readManifest } from '../../../src/backup/read-manifest';
import { appendTs, concatBytes, encodeBytes, recordKey } from '../../../src/plan/keys';
import { encodeMvccWrite } from '../../../src/backup/mvcc-write';
import { TidbClient } from '../../../src/cluster/tidb';
import { needAutoId } from '../../../src/plan/auto-ids';
import { realPdFootprint, startSimStack, type SimStack } from '../../../src/local-stack/sim-stack';
import { ErrorType, type ErrorTypeName } from '../../../src/plan/error-types';
import { connectClusterDeps } from '../../../src/worker/cluster-deps';
import { progressQuery } from '../../../src/workflows/messages';
import { restoreWorkflow } from '../../../src/workflows/restore';
import { restoredShape, realStackCluster } from '../../support/real-parts';
import { FAST_TIMINGS, openRestoreEnv, type RestoreEnvWithBackup } from '../../support/restore-env';
import { recordedChecksums, restoredChecksums, type SimCluster } from '../../support/sim-cluster';
import { eventually } from '../../support/eventually';

/**
 * The real-parts tier: restores through the workflow and the worker's production deps into a real PD v8.5.4
 * and a real TiDB v8.5.3 (unistore), the data on the simulated stores joined to that PD. After each, the
 * real servers are read back: every restored table's column and index IDs, partitions and auto-ID bases on
 * the TiDB; no paused scheduler, no TTL override and no brflow safepoint on the PD; the stores in normal mode.
 */
let env: RestoreEnvWithBackup;
const INC_GEN = { seed: 43, tables: 6, rows: 30, metaVersion: 2, compression: 'zstd', withSysTables: false } as const;

beforeAll(async () => {
  env = await openRestoreEnv({
    prefix: 'real-tier',
    backup: { seed: 41, tables: 6, rows: 40, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: true },
    backupSubdir: 'sys',
    moreBackups: { full: { ...INC_GEN, incremental: false }, inc: { ...INC_GEN, incremental: true } },
  });
}, 120_000);

afterAll(() => env?.close());

interface RealRun {
  stack: SimStack;
  c: SimCluster;
  taskQueue: string;
  tidb: TidbClient;
}

/** A fresh real PD + real TiDB + simulated stores, workers over the production deps, and the hand-back check after the body. */
async function withRealParts(body: (r: RealRun) => Promise<void>): Promise<void> {
  const stack = await startSimStack({ stores: 3, pd: { kind: 'real' }, tidb: 'real' });
  const c = realStackCluster(stack);
  const target = c.target;
  const tidb = new TidbClient(target.tidb);
  const cd = await connectClusterDeps(target);
  try {
    await env.withWorkers({ deps: cd.deps }, (taskQueue) => body({ stack, c, taskQueue, tidb }));
    // Whatever the outcome, the real PD and the stores are handed back.
    expect(await realPdFootprint(stack.pdHttpAddress)).toEqual({ pausedSchedulers: [], ttlOverrides: [], brflowSafePoints: [] });
    expect(stack.sim.inspector.snapshot().stores.map((s) => [s.mode, s.speedLimit])).toEqual(stack.sim.state.stores().map(() => ['Normal', 0]));
  } finally {
    await tidb.close();
    await cd.close();
    await stack.stop();
  }
}

/** A plain SQL session on the run's real TiDB, for what brflow's client does not read (NEXT_ROW_ID, SHOW DATABASES). */
const realSql = (r: RealRun) => createConnection({ host: r.c.target.tidb.host, port: r.c.target.tidb.port, user: 'root', password: '' });

const userTables = (): ManifestTable[] => env.manifest.tables.filter((t) => !t.isSystem);
/** The table the failure cases aim at: one with rows, so its checksum can go wrong. */
const victim = (): ManifestTable => userTables().find((t) => BigInt(t.totalKvs) > 0n)!;
const q = (name: string) => `\`${name.replace(/`/g, '``')}\``;

/** Reads each table back from the real TiDB: layout with IDs equal to the backup's, and auto-ID bases carried over. */
async function expectRealTidbHolds(r: RealRun, tables: readonly ManifestTable[]): Promise<void> {
  const sql = await realSql(r);
  try {
    for (const t of tables) {
      const info = await r.tidb.tableInfo(t.db, t.name);
      expect([t.db, t.name, info && restoredShape(info)]).toEqual([t.db, t.name, restoredShape(t.info)]);
      if (needAutoId(t.info) && t.info.auto_inc_id > 1) {
        const [rows] = await sql.query<RowDataPacket[]>(`SHOW TABLE \`${t.db}\`.\`${t.name}\` NEXT_ROW_ID`);
        const next = Object.fromEntries(rows.map((x) => [String(x.ID_TYPE), Number(x.NEXT_GLOBAL_ROW_ID)]));
        expect([t.name, next._TIDB_ROWID ?? next.AUTO_INCREMENT]).toEqual([t.name, t.info.auto_inc_id]);
      }
    }
  } finally {
    await sql.end();
  }
}

test('filtered restore with mysql.* system tables: only the selection exists on the real TiDB, with the backup IDs; data equal; PD handed back', async () => {
  await withRealParts(async (r) => {
    const chosen = userTables().filter((t) => BigInt(t.totalKvs) > 0n).slice(0, 3);
    const others = userTables().filter((t) => !chosen.includes(t));
    const system = env.manifest.tables.filter((t) => t.isSystem);
    expect(system.length).toBeGreaterThan(0);
    const result = await env.client.workflow.execute(restoreWorkflow, {
      taskQueue: r.taskQueue,
      workflowId: `tier-filtered-${r.taskQueue}`,
      args: [{ storage: `local://${env.backupDir}`, filters: [...chosen.map((t) => `${t.db}.${t.name}`), 'mysql.*'], batchFiles: 4, timings: FAST_TIMINGS }],
    });
    expect(result.tables).toBe(chosen.length + system.length);
    expect(result.checksum).toEqual({ enabled: true, passed: chosen.length + system.length });
    expect(await restoredChecksums(r.c, chosen)).toEqual(recordedChecksums(chosen));
    await expectRealTidbHolds(r, chosen);
    for (const t of others) expect([t.name, await r.tidb.tableInfo(t.db, t.name)]).toEqual([t.name, undefined]);
    // The system tables went through the temporary schema, which the real TiDB no longer has.
    const sql = await realSql(r);
    try {
      const [dbs] = await sql.query<RowDataPacket[]>("SHOW DATABASES LIKE '__TiDB_BR_Temporary_mysql'");
      expect(dbs).toEqual([]);
    } finally {
      await sql.end();
    }
  });
}, 300_000);

test('full then incremental restore on the real parts: DDL jobs replayed by the real TiDB, the end state equals the generator\'s', async () => {
  await withRealParts(async (r) => {
    for (const kind of ['full', 'inc']) {
      await env.client.workflow.execute(restoreWorkflow, {
        taskQueue: r.taskQueue,
        workflowId: `tier-${kind}-${r.taskQueue}`,
        args: [{ storage: `local://${join(env.dir, kind)}`, batchFiles: 4, timings: FAST_TIMINGS }],
      });
    }
    const inc = await readManifest(new LocalStorage(join(env.dir, 'inc')));
    const expected = expectedTableStates({ seed: INC_GEN.seed, tables: INC_GEN.tables, rowsPerTable: INC_GEN.rows, withSysTables: false }, true).filter((e) => e.db !== 'mysql');
    const byName = new Map(inc.tables.map((t) => [`${t.db}.${t.name}`, t]));
    const tables = expected.map((e) => byName.get(`${e.db}.${e.table}`)!);
    expect(await restoredChecksums(r.c, tables)).toEqual(expected.map((e) => ({ table: `${e.db}.${e.table}`, crc64xor: e.crc64xor, totalKvs: e.totalKvs, totalBytes: e.totalBytes })));
    for (const t of tables) expect([t.db, t.name, restoredShape((await r.tidb.tableInfo(t.db, t.name))!)]).toEqual([t.db, t.name, restoredShape(t.info)]);
    // Tables the incremental backup's DDL dropped are gone from the real TiDB too.
    const dropped = (await readManifest(new LocalStorage(join(env.dir, 'full')))).tables.filter((t) => !byName.has(`${t.db}.${t.name}`));
    expect(dropped.length).toBeGreaterThan(0);
    for (const t of dropped) expect([t.name, await r.tidb.tableInfo(t.db, t.name)]).toEqual([t.name, undefined]);
  });
}, 300_000);

test('cancel mid-ingest on the real parts: Cancelled, the tables created so far keep the backup layout, PD handed back', async () => {
  await withRealParts(async (r) => {
    r.stack.sim.faults.addLatency({ rpc: 'Download', ms: 300 });
    const handle = await env.client.workflow.start(restoreWorkflow, {
      taskQueue: r.taskQueue,
      workflowId: `tier-cancel-${r.taskQueue}`,
      args: [{ storage: `local://${env.backupDir}`, batchFiles: 1, concurrency: 1, timings: FAST_TIMINGS }],
    });
    await eventually(60_000, async () => expect((await handle.query(progressQuery)).batches.done).toBeGreaterThanOrEqual(1));
    const during = await realPdFootprint(r.stack.pdHttpAddress);
    expect(during.pausedSchedulers.length).toBeGreaterThan(0);
    await handle.cancel();
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    const created: ManifestTable[] = [];
    for (const t of userTables()) if (await r.tidb.tableInfo(t.db, t.name)) created.push(t);
    expect(created.length).toBeGreaterThan(0);
    await expectRealTidbHolds(r, created);
  });
}, 300_000);

interface FailureCase {
  step: string;
  arm: (r: RealRun) => Promise<void>;
  during?: (r: RealRun, handle: WorkflowHandle<typeof restoreWorkflow>) => Promise<void>;
  types: ErrorTypeName[];
}

/** Steps whose answer comes from the TiKV side are the simulator's to refuse; PD's and TiDB's answers are the real servers'. */
function storeRefuses(r: RealRun, rpcs: string[], code: GrpcStatus): Promise<void> {
  for (const rpc of rpcs) r.stack.sim.faults.injectStatus({ rpc, code, message: `${rpc} refused by the simulated TiKV` });
  return Promise.resolve();
}

const FAILURES: FailureCase[] = [
  {
    step: 'create tables (the real TiDB holds a backup table with another layout)',
    arm: async (r) => {
      const v = victim();
      const sql = await realSql(r);
      try {
        await sql.query(`CREATE DATABASE IF NOT EXISTS ${q(v.db)}`);
        await sql.query(`CREATE TABLE ${q(v.db)}.${q(v.name)} (\`x\` INT PRIMARY KEY, \`unrelated\` TEXT)`);
      } finally {
        await sql.end();
      }
    },
    types: [ErrorType.TableExists, ErrorType.RestoreModeMismatch, ErrorType.ColumnIdMismatch],
  },
  {
    step: 'import mode (a store refuses to switch)',
    arm: (r) => {
      r.stack.sim.faults.injectStatus({ rpc: 'SwitchMode', detail: 'Import', code: GrpcStatus.FAILED_PRECONDITION, message: 'import mode refused by the simulated TiKV' });
      return Promise.resolve();
    },
    types: [ErrorType.ClusterRejected],
  },
  {
    step: 'split (a store refuses SplitRegion)',
    arm: (r) => storeRefuses(r, ['SplitRegion'], GrpcStatus.INVALID_ARGUMENT),
    types: [ErrorType.ClusterRejected],
  },
  {
    step: 'download (a store may not read the backup)',
    arm: (r) => storeRefuses(r, ['Download'], GrpcStatus.PERMISSION_DENIED),
    types: [ErrorType.ClusterRejected],
  },
  {
    step: 'ingest (a store refuses it)',
    arm: (r) => storeRefuses(r, ['Ingest', 'MultiIngest'], GrpcStatus.FAILED_PRECONDITION),
    types: [ErrorType.ClusterRejected],
  },
  {
    step: 'checksum (a row the backup lacks appears in a restored table)',
    arm: () => Promise.resolve(),
    during: async (r) => {
      // The table's ID comes from the real TiDB's allocator; the row goes into the simulated stores under it.
      const v = victim();
      let id: number | undefined;
      for (const end = Date.now() + 60_000; id === undefined; ) {
        if (Date.now() > end) throw new Error(`${v.db}.${v.name} was never created`);
        id = (await r.tidb.tableInfo(v.db, v.name).catch(() => undefined))?.id;
        if (id === undefined) await new Promise((res) => setTimeout(res, 50));
      }
      const ts = BigInt(env.backup.endVersion);
      const key = concatBytes(new Uint8Array([0x7a]), appendTs(encodeBytes(recordKey(id, (1n << 62n) + 7n)), ts));
      const write = encodeMvccWrite({ type: 'put', startTs: ts - 1n, shortValue: new Uint8Array([0x80, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0x2a]) });
      for (const s of r.stack.sim.state.stores()) r.stack.sim.state.dataOf(s.id).put('write', key, write);
    },
    types: [ErrorType.ChecksumMismatch],
  },
];

test.each(FAILURES.map((f) => [f.step, f] as const))('a failure at %s on the real parts ends typed, with the real PD handed back', async (_step, f) => {
  await withRealParts(async (r) => {
    await f.arm(r);
    // Slow downloads give a data-level fault time to land between table creation and checksum.
    if (f.during) r.stack.sim.faults.addLatency({ rpc: 'Download', ms: 200 });
    const handle = await env.client.workflow.start(restoreWorkflow, {
      taskQueue: r.taskQueue,
      workflowId: `tier-fail-${r.taskQueue}`,
      args: [{ storage: `local://${env.backupDir}`, batchFiles: 4, timings: FAST_TIMINGS }],
    });
    await f.during?.(r, handle);
    const err = await handle.result().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    let cause: unknown = (err as WorkflowFailedError).cause;
    while (cause && !(cause instanceof ApplicationFailure && cause.type?.startsWith('Brflow:'))) cause = (cause as { cause?: unknown }).cause;
    expect(f.types).toContain((cause as ApplicationFailure).type);
  });
}, 300_000);
