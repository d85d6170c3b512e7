/**
 * A/B probe of table creation on one real TiDB (not a registered benchmark: it writes nothing to results/).
 * Runs the createTables activity (the production path the create-tables bench drives) with several client
 * settings, interleaved on one tidb-server so each arm meets the same machine load, and prints tables/s and
 * the server's CPU ms per table for every run.
 *
 *   node --import tsx bench/create-tables-ab.ts --tables 400 --arms s16,s32,s64 --rounds 2 [--gaps | --distinct-gaps] [--preload 3000]
 *
 * An arm is `s<sessions>`, optionally followed by `g<groups>`: table groups created at a time (the workflow's
 * ddlConcurrency, default 4).
 */
import { writeFileSync } from 'node:fs';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createConnection } from 'mysql2/promise';
import { PlanCache, type PlanInputs } from '../src/activities/plan-cache';
import { schemaActivities } from '../src/activities/schema';
import { TidbClient } from '../src/cluster/tidb';
import { TidbSchemaControl } from '../src/cluster/tidb-schema-control';
import { startRealTidb } from '../src/local-stack/real-tidb';
import type { Manifest } from '../src/backup/manifest';
import { DEFAULT_REQUEST } from '../src/workflows/normalize-request';
import { CURRENT_PLAN_FEATURES } from '../src/workflows/plan-features';
import type { PlanRef } from '../src/workflows/types';
import { createTablesManifest } from './create-tables-manifest';
import { processCpuMs } from './measure';

interface Args { tables: number; perDb: number; arms: string[]; rounds: number; gaps: boolean; distinct: boolean; preload: number; globals: string[]; pprof: number }

function parseArgs(argv: string[]): Args {
  const a: Args = { tables: 400, perDb: 100, arms: ['s16', 's32'], rounds: 2, gaps: false, distinct: false, preload: 0, globals: [], pprof: 0 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[i + 1] ?? '';
    if (k === '--tables') { a.tables = Number(v); i++; }
    else if (k === '--per-db') { a.perDb = Number(v); i++; }
    else if (k === '--arms') { a.arms = v.split(','); i++; }
    else if (k === '--rounds') { a.rounds = Number(v); i++; }
    else if (k === '--preload') { a.preload = Number(v); i++; }
    else if (k === '--global') { a.globals.push(v); i++; }
    else if (k === '--pprof') { a.pprof = Number(v); i++; }
    else if (k === '--gaps') a.gaps = true;
    else if (k === '--distinct-gaps') { a.gaps = true; a.distinct = true; }
    else throw new Error(`unknown argument ${k}`);
  }
  return a;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const server = await startRealTidb();
  const [host, port] = server.address.split(':') as [string, string];
  const admin = await createConnection({ host, port: Number(port), user: 'root' });
  const sql = async (q: string) => (await admin.query(q))[0] as Record<string, unknown>[];
  for (const g of args.globals) await sql(`SET GLOBAL ${g}`);
  const env = new MockActivityEnvironment();
  let profiled = false;
  await sleep(3000);
  const i0 = serverCpuMs(server.pid);
  await sleep(3000);
  const idlePerSec = (serverCpuMs(server.pid) - i0) / 3;
  console.log(`tidb-server idle: ${idlePerSec.toFixed(0)} ms CPU/s; ${(await sql('SELECT @@tidb_schema_cache_size AS c, @@tidb_enable_fast_create_table AS f'))
    .map((r) => `tidb_schema_cache_size=${String(r.c)} tidb_enable_fast_create_table=${String(r.f)}`).join('')}`);
  const inputs = (storage: string): PlanInputs => ({
    storage, filters: [], caseSensitive: false, batchFiles: DEFAULT_REQUEST.batchFiles, mergeRegionSizeBytes: DEFAULT_REQUEST.mergeRegionSizeBytes,
    mergeRegionKeyCount: DEFAULT_REQUEST.mergeRegionKeyCount, tableGroupSize: DEFAULT_REQUEST.tableGroupSize, ...CURRENT_PLAN_FEATURES,
  });
  const run = async (m: Manifest, sessions: number, storage: string, lanes = DEFAULT_REQUEST.ddlConcurrency) => {
    const plans = new PlanCache({ readManifest: () => Promise.resolve(m) });
    const view = await plans.build(inputs(storage));
    const planRef: PlanRef = { ...inputs(storage), hash: view.plan.hash };
    for (const d of view.plan.databases) await sql(`DROP DATABASE IF EXISTS \`${d.name}\``);
    const tidb = new TidbClient({ host, port: Number(port), statusAddress: server.statusAddress, user: 'root', password: '', sessions });
    const acts = schemaActivities(new TidbSchemaControl(tidb), plans);
    await env.run(() => acts.createDatabases({ planRef }));
    // A CPU profile of tidb-server over the first seconds of the run (Go's pprof on the status port).
    const prof = args.pprof > 0 && !profiled
      ? fetch(`http://${server.statusAddress}/debug/pprof/profile?seconds=${args.pprof}`).then(async (r) => writeFileSync(`/tmp/ddlrate-${storage.replace(/\W/g, '_')}.pprof`, Buffer.from(await r.arrayBuffer())))
      : undefined;
    profiled ||= prof !== undefined;
    const c0 = serverCpuMs(server.pid);
    const t0 = performance.now();
    let next = 0;
    const lane = async () => { while (next < view.groups.length) { const g = next++; await env.run(() => acts.createTables({ planRef, group: g })); } };
    await Promise.all(Array.from({ length: lanes }, lane));
    const wall = performance.now() - t0;
    const cpu = serverCpuMs(server.pid) - c0;
    await tidb.close();
    // TiDB finishes part of the work after the statements returned (statistics of new tables, DDL notifier):
    // count the server's CPU above idle until it settles, at most 20 s.
    let tail = 0;
    for (let i = 0; i < 20; i++) {
      const a = serverCpuMs(server.pid);
      await sleep(1000);
      const d = serverCpuMs(server.pid) - a - idlePerSec;
      if (d <= 20) break;
      tail += d;
    }
    await prof;
    return { wall, cpu, tail, dbs: view.plan.databases.map((d) => d.name) };
  };
  if (args.preload > 0) {
    const r = await run(createTablesManifest({ tables: args.preload, tablesPerDatabase: 100, dbPrefix: 'pre_' }), 64, 'local:///preload');
    console.log(`preload ${args.preload} tables: ${(args.preload / (r.wall / 1000)).toFixed(1)} tables/s, ${(r.cpu / args.preload).toFixed(1)}+${(r.tail / args.preload).toFixed(1)} ms CPU/table`);
  }
  const m = createTablesManifest({ tables: args.tables, tablesPerDatabase: args.perDb, gaps: args.gaps, distinctGaps: args.distinct, dbPrefix: 'ab_' });
  const results = new Map<string, { rate: number; cpu: number; tail: number }[]>();
  for (let round = 0; round < args.rounds; round++) {
    const order = round % 2 === 0 ? args.arms : [...args.arms].reverse();
    for (const arm of order) {
      const sessions = Number(/^s(\d+)/.exec(arm)?.[1] ?? '16');
      const lanes = Number(/g(\d+)/.exec(arm)?.[1] ?? DEFAULT_REQUEST.ddlConcurrency);
      const r = await run(m, sessions, `local:///ab-${arm}`, lanes);
      const rate = args.tables / (r.wall / 1000);
      const cpu = r.cpu / args.tables;
      const tail = r.tail / args.tables;
      results.set(arm, [...(results.get(arm) ?? []), { rate, cpu, tail }]);
      console.log(`round ${round} ${arm}: ${rate.toFixed(1)} tables/s, ${cpu.toFixed(1)} ms tidb CPU/table during + ${tail.toFixed(1)} after, load ${(await import('node:os')).loadavg()[0]!.toFixed(1)}`);
    }
  }
  for (const [arm, rs] of results) {
    console.log(`${arm}: tables/s ${rs.map((r) => r.rate.toFixed(1)).join(' ')}; ms CPU/table ${rs.map((r) => `${r.cpu.toFixed(1)}+${r.tail.toFixed(1)}`).join(' ')}`);
  }
  await admin.end();
  await server.stop();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});

/** The server's CPU so far, ms (it must be alive: a vanished server ends the probe). */
function serverCpuMs(pid: number): number {
  const ms = processCpuMs(pid);
  if (ms === undefined) throw new Error(`tidb-server (pid ${pid}) is gone`);
  return ms;
}
