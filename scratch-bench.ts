import { runCreateTables } from './bench/create-tables.bench';
(async () => {
  const n = Number(process.argv[2] ?? 200);
  const targets = (process.argv[3] ?? 'simulator').split(',') as any;
  const r = await runCreateTables({ tables: n, tablesPerDatabase: 100, iterations: 1, targets, sessions: Number(process.argv[4] ?? 8) });
  for (const c of r) console.log(c.name, JSON.stringify(c.params), c.metrics.opsPerSec.toFixed(1), 'tables/s', c.metrics.meanMs.toFixed(0), 'ms cpu', c.metrics.cpuMeanMs?.toFixed(0));
  process.exit(0);
})().catch((e) => { console.error(e); process.exit(1); });
