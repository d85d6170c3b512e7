import { readdirSync, readFileSync } from 'node:fs';
import { startRealTidb } from './src/local-stack/real-tidb';
import { createConnection } from 'mysql2/promise';
const ddl = (db: string, i: number) => `CREATE TABLE \`${db}\`.\`t_${i}\` (id bigint NOT NULL, k int, v varchar(64), amount decimal(10,2), created datetime, PRIMARY KEY (id) CLUSTERED, KEY k_idx (k), UNIQUE KEY v_uniq (v))`;
function cpuOf(port: string): number {
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      if (cmd.includes('tidb-server') && cmd.includes(`tidb-${port}`)) {
        const f = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
        return (Number(f[11]) + Number(f[12])) * 10; // ms at 100 Hz
      }
    } catch {}
  }
  return NaN;
}
(async () => {
  const t = await startRealTidb();
  try {
    const [h, p] = t.address.split(':');
    const open = () => createConnection({ host: h, port: Number(p), user: 'root' });
    const admin = await open();
    for (const round of [1, 2]) for (const conc of [1, 8, 16]) {
      for (const fast of ['ON', 'OFF']) {
        await admin.query(`SET GLOBAL tidb_enable_fast_create_table = ${fast}`);
        const db = `d_${round}_${conc}_${fast}`;
        await admin.query(`CREATE DATABASE ${db}`);
        const conns = await Promise.all(Array.from({ length: conc }, open));
        const n = 150; let next = 0;
        const c0 = cpuOf(p!);
        const t0 = performance.now();
        await Promise.all(conns.map(async (c) => { while (next < n) { const i = next++; await c.query(ddl(db, i)); } }));
        const dt = performance.now() - t0;
        const cpu = cpuOf(p!) - c0;
        console.log(`conc ${conc} fast ${fast}: ${(n / dt * 1000).toFixed(1)} tables/s wall, tidb cpu ${(cpu / n).toFixed(1)} ms/table, load ${require('os').loadavg()[0].toFixed(1)}`);
        for (const c of conns) await c.end();
      }
    }
    process.exit(0);
  } finally { await t.stop(); }
})();
