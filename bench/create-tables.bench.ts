import { MockActivityEnvironment } from '@temporalio/testing';
import { createConnection } from 'mysql2/promise';
import { PlanCache, type PlanInputs } from '../src/activities/plan-cache';
import { schemaActivities } from '../src/activities/schema';
import { TidbClient } from '../src/cluster/tidb';
import { TIDB_DEFAULT_SESSIONS } from '../src/cluster/tidb-config';
import { TidbSchemaControl } from '../src/cluster/tidb-schema-control';
import { createAutoIdBases } from '../src/plan/auto-ids';
import { startRealTidb } from '../src/local-stack/real-tidb';
import { startSimulator } from '../src/simulator/server';
import { DEFAULT_REQUEST } from '../src/workflows/normalize-request';
import { CURRENT_PLAN_FEATURES } from '../src/workflows/plan-features';
import type { PlanRef } from '../src/workflows/types';
import type { Benchmark } from './benchmark';
import { memorySample, processCpuMs, summarize, type Samples } from './measure';
import { caseResult, type CaseResult, type Target } from './result-file';
import { createTablesManifest, GAP_EVERY } from './create-tables-manifest';

/**
 * A case: the server, and whether every 4th table has a column-ID gap (CREATE + ALTERs, as restores of tables
 * that lost a column meet them) or every table is one CREATE (what BR's batch create is measured on); in
 * `auto-ids` every table is one CREATE too, of a table with an AUTO_INCREMENT key whose backup recorded rows, as
 * most tables of a real backup are (its auto ID base must be restored: plan/auto-ids.ts).
 */
export type CreateTablesTarget = 'real-tidb' | 'real-tidb-create-only' | 'real-tidb-auto-ids' | 'simulator';

export interface CreateTablesParams {
  tables: number;
  tablesPerDatabase: number;
  /** Timed runs per target, each into fresh databases. */
  iterations: number;
  targets: readonly CreateTablesTarget[];
  /** TiDB sessions of the client (BRFLOW_TIDB_SESSIONS). @default TIDB_DEFAULT_SESSIONS */
  sessions?: number;
}

/** One timed run per case: 1,000 tables on a loaded 2-core machine take tens of seconds against the real TiDB. */
export const CREATE_TABLES_FULL: CreateTablesParams = { tables: 1_000, tablesPerDatabase: 100, iterations: 1, targets: ['real-tidb', 'real-tidb-create-only', 'real-tidb-auto-ids', 'simulator'] };
export const CREATE_TABLES_QUICK: CreateTablesParams = { tables: 40, tablesPerDatabase: 20, iterations: 1, targets: ['real-tidb', 'real-tidb-create-only', 'real-tidb-auto-ids', 'simulator'] };

/** BR v8's batch create (`CreateTables` over 16 DDL sessions) manages ~260 tables/s against one TiDB. */
export const CREATE_TABLES_REAL_TARGETS: readonly Target[] = [
  { metric: 'opsPerSec', op: '>=', limit: 260, why: "BR v8's batch create does ~260 tables/s: a restore of thousands of tables must not spend minutes in DDL" },
];

interface TargetHandle {
  tidb: TidbClient;
  /** A plain session for the untimed checks and the cleanup between runs. */
  sql(q: string): Promise<Record<string, unknown>[]>;
  /** Server facts recorded in the case's params. */
  facts: Record<string, string>;
  /** CPU time the TiDB server process has used so far, ms; undefined for the in-process simulator. */
  serverCpuMs(): number | undefined;
  stop(): Promise<void>;
}

async function startTarget(kind: CreateTablesTarget, sessions: number): Promise<TargetHandle> {
  let address: string;
  let statusAddress: string;
  let stopServer: () => Promise<void>;
  let serverCpuMs = (): number | undefined => undefined;
  if (kind !== 'simulator') {
    const t = await startRealTidb();
    [address, statusAddress, stopServer] = [t.address, t.statusAddress, () => t.stop()];
    serverCpuMs = () => processCpuMs(t.pid);
  } else {
    const sim = await startSimulator({ stores: 1 });
    [address, statusAddress, stopServer] = [sim.tidb!.address, sim.tidb!.statusAddress, () => sim.stop()];
  }
  const [host, port] = address.split(':') as [string, string];
  const tidb = new TidbClient({ host, port: Number(port), statusAddress, user: 'root', password: '', sessions });
  const conn = await createConnection({ host, port: Number(port), user: 'root' });
  const sql = async (q: string) => (await conn.query(q))[0] as Record<string, unknown>[];
  const facts: Record<string, string> = { version: String((await sql('SELECT VERSION() AS v'))[0]?.v ?? '') };
  if (kind !== 'simulator') {
    // TiDB v8.0+ merges concurrent CREATE TABLE jobs when this is ON (v8.5's default); brflow does not change it.
    facts.fastCreateTable = String((await sql("SHOW GLOBAL VARIABLES LIKE 'tidb_enable_fast_create_table'"))[0]?.Value ?? 'absent');
  }
  return {
    tidb, sql, facts, serverCpuMs,
    async stop() {
      await tidb.close();
      await conn.end().catch(() => conn.destroy());
      await stopServer();
    },
  };
}

/**
 * Creates the prepared tables through the production path (activities/schema.ts createTables over
 * TidbSchemaControl and TidbClient), group after group with the workflow's default fan-out (ddlConcurrency
 * groups at a time), into each target in turn; checks every table exists with the backup's column IDs afterwards
 * (the activity itself refuses any other layout).
 */
export async function runCreateTables(p: CreateTablesParams): Promise<CaseResult[]> {
  const inputs: PlanInputs = {
    storage: 'local:///bench-create-tables', filters: [], caseSensitive: false, batchFiles: DEFAULT_REQUEST.batchFiles,
    mergeRegionSizeBytes: DEFAULT_REQUEST.mergeRegionSizeBytes, mergeRegionKeyCount: DEFAULT_REQUEST.mergeRegionKeyCount,
    tableGroupSize: DEFAULT_REQUEST.tableGroupSize, ...CURRENT_PLAN_FEATURES,
  };
  const planned = async (gaps: boolean, autoIds: boolean) => {
    const manifest = createTablesManifest({ tables: p.tables, tablesPerDatabase: p.tablesPerDatabase, gaps, autoIds });
    const plans = new PlanCache({ readManifest: () => Promise.resolve(manifest) });
    const view = await plans.build(inputs);
    const planRef: PlanRef = { ...inputs, hash: view.plan.hash };
    return { manifest, plans, view, planRef, gapTables: gaps ? Math.floor(p.tables / GAP_EVERY) : 0 };
  };
  const fanOut = DEFAULT_REQUEST.ddlConcurrency;
  const sessions = p.sessions ?? TIDB_DEFAULT_SESSIONS;
  const env = new MockActivityEnvironment();
  const out: CaseResult[] = [];
  for (const kind of p.targets) {
    const { manifest, plans, view, planRef, gapTables } = await planned(kind === 'real-tidb' || kind === 'simulator', kind === 'real-tidb-auto-ids');
    const target = await startTarget(kind, sessions);
    try {
      const acts = schemaActivities(new TidbSchemaControl(target.tidb), plans);
      const samples: Samples = { wallMs: [], cpuMs: [] };
      const serverCpu: number[] = [];
      const createJobs: number[] = [];
      const rebaseJobs: number[] = [];
      for (let i = 0; i < Math.max(1, p.iterations); i++) {
        for (const d of view.plan.databases) await target.sql(`DROP DATABASE IF EXISTS \`${d.name}\``);
        await env.run(() => acts.createDatabases({ planRef }));
        const cpu0 = process.cpuUsage();
        const server0 = target.serverCpuMs();
        const t0 = performance.now();
        let next = 0;
        const lane = async (): Promise<void> => {
          while (next < view.groups.length) {
            const group = next++;
            await env.run(() => acts.createTables({ planRef, group }));
          }
        };
        await Promise.all(Array.from({ length: fanOut }, lane));
        samples.wallMs.push(performance.now() - t0);
        const cpu = process.cpuUsage(cpu0);
        samples.cpuMs.push((cpu.user + cpu.system) / 1000);
        const server1 = target.serverCpuMs();
        if (server0 !== undefined && server1 !== undefined) serverCpu.push(server1 - server0);
        await checkCreated(target, view.plan.tables);
        if (kind !== 'simulator') {
          createJobs.push(await createTableJobs(target, view.plan.databases.map((d) => d.name)));
          rebaseJobs.push(await ddlJobs(target, view.plan.databases.map((d) => d.name), "JOB_TYPE LIKE 'rebase%'"));
        }
      }
      out.push(caseResult({
        name: kind,
        params: {
          tables: p.tables, databases: view.plan.databases.length, groups: view.groups.length, tableGroupSize: inputs.tableGroupSize,
          ddlConcurrency: fanOut, sessions, partitionedTables: manifest.tables.filter((t) => t.info.partition).length,
          tablesWithColumnGaps: gapTables, tablesWithAutoIdBase: manifest.tables.filter((t) => createAutoIdBases(t.info).autoIncrement !== undefined).length, ...target.facts,
          // The server's own CPU per table: what the machine's load cannot change. 1000 / it = tables/s on one free core.
          // TiDB merges CREATE TABLEs waiting together, at most 8 of one schema per job: tables per job says how
          // much of the per-job work (job table, schema version, history) the client's concurrency saved.
          ...(createJobs.length > 0 ? { createTableJobs: createJobs.at(-1)!, tablesPerCreateJob: Math.round((p.tables / createJobs.at(-1)!) * 10) / 10 } : {}),
          // ALTER TABLE … AUTO_INCREMENT / AUTO_RANDOM_BASE jobs: each a job TiDB never merges (0 when the CREATEs set the bases).
          ...(rebaseJobs.length > 0 ? { rebaseJobs: rebaseJobs.at(-1)! } : {}),
          ...(serverCpu.length > 0 ? { tidbCpuMsPerTable: Math.round((serverCpu.reduce((a, b) => a + b, 0) / serverCpu.length / p.tables) * 10) / 10 } : {}),
        },
        timing: summarize(samples), memory: memorySample(), opsPerIteration: p.tables,
        targets: kind === 'simulator' ? [] : CREATE_TABLES_REAL_TARGETS,
      }));
    } finally {
      await target.stop();
    }
  }
  return out;
}

/** Untimed: the DDL jobs that created tables in these databases (single CREATE TABLE and merged CREATE TABLES jobs). */
function createTableJobs(target: TargetHandle, dbs: readonly string[]): Promise<number> {
  return ddlJobs(target, dbs, "JOB_TYPE IN ('create table', 'create tables')");
}

/** Untimed: the DDL jobs in these databases that `where` selects. */
async function ddlJobs(target: TargetHandle, dbs: readonly string[], where: string): Promise<number> {
  const rows = await target.sql(`SELECT COUNT(*) AS n FROM information_schema.DDL_JOBS WHERE ${where} AND DB_NAME IN (${dbs.map((d) => `'${d}'`).join(', ')})`);
  return Number(rows[0]?.n ?? 0);
}

/** Untimed: every planned table is in information_schema (the activity already checked each one's column IDs). */
async function checkCreated(target: TargetHandle, tables: readonly { db: string; name: string }[]): Promise<void> {
  const dbs = [...new Set(tables.map((t) => t.db))];
  const rows = await target.sql(`SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (${dbs.map((d) => `'${d}'`).join(', ')})`);
  const have = new Set(rows.map((r) => `${String(r.TABLE_SCHEMA)}.${String(r.TABLE_NAME)}`.toLowerCase()));
  const missing = tables.filter((t) => !have.has(`${t.db}.${t.name}`.toLowerCase()));
  if (missing.length > 0) throw new Error(`${missing.length} tables missing after createTables, e.g. ${missing[0]!.db}.${missing[0]!.name}`);
}

export const createTablesBench: Benchmark = {
  name: 'create-tables',
  description: 'tables/s of the createTables activity (TidbSchemaControl over TidbClient) for 1,000 synthetic tables (every 25th partitioned; every 4th with a column-ID gap: CREATE + ALTERs for the first of a layout, CREATE … LIKE it for the others; none in the create-only case), groups of 128, 4 groups at a time, into a real TiDB v8.5 (unistore) and into the simulator\'s TiDB',
  run: (ctx) => runCreateTables(ctx.quick ? CREATE_TABLES_QUICK : CREATE_TABLES_FULL),
  // 2,000 tables into the real TiDB at a few dozen per second when the machine is busy, plus two server starts.
  timeoutMs: { full: 400_000, quick: 120_000 },
};
