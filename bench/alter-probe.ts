/**
 * Probe of the placeholder ALTERs on one real TiDB (scratch, prints only): CPU and wall of DROP COLUMN
 * sent from 1 session one after another vs from many sessions at once, and of N single-column drops vs one
 * multi-column `ALTER … DROP COLUMN a, DROP COLUMN b, …`.
 *   node --import tsx bench/alter-probe.ts [--tables 96]
 */
import { readFileSync } from 'node:fs';
import { createConnection, type Connection } from 'mysql2/promise';
import { startRealTidb } from '../src/local-stack/real-tidb';

const cpuMs = (pid: number) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const n = Number(process.argv[process.argv.indexOf('--tables') + 1] || 96);
  const s = await startRealTidb();
  const [host, port] = s.address.split(':') as [string, string];
  const conns: Connection[] = [];
  for (let i = 0; i < 32; i++) conns.push(await createConnection({ host, port: Number(port), user: 'root' }));
  const q = (c: Connection, sql: string) => c.query(sql);
  const parallel = async (items: string[], width: number) => {
    let next = 0;
    await Promise.all(conns.slice(0, width).map(async (c) => { while (next < items.length) await q(c, items[next++]!); }));
  };
  const measure = async (label: string, fn: () => Promise<void>, units: number) => {
    await sleep(1500);
    const c0 = cpuMs(s.pid); const t0 = performance.now();
    await fn();
    const wall = performance.now() - t0; const cpu = cpuMs(s.pid) - c0;
    console.log(`${label}: ${(wall / units).toFixed(1)} ms wall, ${(cpu / units).toFixed(1)} ms tidb CPU per table (${units} tables)`);
  };
  const ph = (k: number) => Array.from({ length: k }, (_, j) => `p${j} tinyint`).join(', ');
  for (const round of [0, 1]) {
    for (const arm of round === 0 ? ['serial', 'parallel16', 'multi3', 'single3'] : ['single3', 'multi3', 'parallel16', 'serial']) {
      const db = `alt_${arm}_${round}`;
      await q(conns[0]!, `CREATE DATABASE ${db}`);
      const k = arm.endsWith('3') ? 3 : 1;
      const creates = Array.from({ length: n }, (_, i) => `CREATE TABLE ${db}.t${i} (id bigint primary key, ${ph(k)}, v varchar(64), key(v))`);
      await parallel(creates, 32);
      if (arm === 'serial') await measure(arm, () => parallel(creates.map((_, i) => `ALTER TABLE ${db}.t${i} DROP COLUMN p0`), 1), n);
      if (arm === 'parallel16') await measure(arm, () => parallel(creates.map((_, i) => `ALTER TABLE ${db}.t${i} DROP COLUMN p0`), 16), n);
      if (arm === 'multi3') await measure(arm, () => parallel(creates.map((_, i) => `ALTER TABLE ${db}.t${i} DROP COLUMN p0, DROP COLUMN p1, DROP COLUMN p2`), 16), n);
      if (arm === 'single3') await measure(arm, () => parallel(creates.flatMap((_, i) => [0, 1, 2].map((j) => `ALTER TABLE ${db}.t${i} DROP COLUMN p${j}`)).sort((a, b) => a.localeCompare(b)), 16), n);
    }
  }
  for (const c of conns) await c.end();
  await s.stop();
}
main().catch((e: unknown) => { console.error(e); process.exit(1); });
