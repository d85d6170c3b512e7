import { join } from 'node:path';
import { makeBackup } from '../src/backup/generator/make-backup';
import { LocalStorage } from '../src/backup/local-storage';
import { readManifest } from '../src/backup/read-manifest';
import { toStorageBackend } from '../src/backup/storage-backend';
import { checksumTable } from '../src/cluster/checksum';
import { connectCluster } from '../src/cluster/cluster-connection';
import { importFiles } from '../src/cluster/import-files';
import { splitAndScatter } from '../src/cluster/region-split';
import { planRestore, rewriteBatch } from '../src/plan/restore-plan';
import { buildTableRewrite, checksumRequests, type TableRewrite } from '../src/plan/rewrite-rules';
import type { TableInfo } from '../src/plan/table-info';
import { startSimulator } from '../src/simulator/server';
import type { Benchmark } from './benchmark';
import { memorySample, summarize } from './measure';
import { caseResult, type CaseResult, type Target } from './result-file';

export interface ImportParams {
  /** make-backup tables and rows per table. */
  tables: number;
  rows: number;
  /** Each iteration restores into a fresh simulator. */
  iterations: number;
  stores: number;
}

export const IMPORT_FULL: ImportParams = { tables: 16, rows: 2_000, iterations: 2, stores: 3 };
export const IMPORT_QUICK: ImportParams = { tables: 8, rows: 100, iterations: 1, stores: 3 };

/**
 * The simulator is the demo and test cluster: a restore through it must be quick enough that the end-to-end
 * tests and `npm run demo` spend their time on the workflow, not on moving a few MB.
 */
export const IMPORT_TARGETS: readonly Target[] = [
  { metric: 'opsPerSec', op: '>=', limit: 20, why: 'at least 20 files/s downloaded to 3 peers and ingested: a 150-file test backup restores in under 8 s' },
];

/** New IDs for a restored table: the backup's shifted, partitions included, as if TiDB had handed them out. */
const ID_SHIFT = 100_000;
function restoredInfo(info: TableInfo): TableInfo {
  const partition = info.partition ? { ...info.partition, definitions: info.partition.definitions.map((d) => ({ ...d, id: d.id + ID_SHIFT })) } : info.partition;
  return { ...info, id: info.id + ID_SHIFT, partition };
}

const BACKUP_DIR = 'import-backup';

export async function prepareImportBackup(dir: string, p: ImportParams): Promise<void> {
  await makeBackup(new LocalStorage(join(dir, BACKUP_DIR)), {
    seed: 1, tables: p.tables, rows: p.rows, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false,
  });
}

/**
 * Restores the prepared backup's data through the cluster clients (split+scatter per batch, then importFiles per
 * range: Download to every peer, Ingest at the leader) into a fresh simulator per iteration, and checks every
 * table's coprocessor checksum against the backup afterwards (untimed).
 */
export async function runImport(dir: string, p: ImportParams): Promise<CaseResult[]> {
  const backupDir = join(dir, BACKUP_DIR);
  const plan = planRestore(await readManifest(new LocalStorage(backupDir)));
  const rewrites = new Map<number, TableRewrite>(plan.tables.map((t) => [t.index, buildTableRewrite(t.info, restoredInfo(t.info))]));
  const backend = toStorageBackend(backupDir);
  const splitSamples: number[] = [];
  const importSamples: number[] = [];
  let splitKeys = 0;
  for (let i = 0; i < Math.max(1, p.iterations); i++) {
    const sim = await startSimulator({ stores: p.stores, scatterPolls: 1 });
    const conn = await connectCluster({ pdEndpoints: sim.pdAddress });
    try {
      // The plan's split keys and rewritten ranges, batch by batch (untimed: pure planning). All keys go to one
      // split call: each call waits for its scatter operators, and those waits would otherwise dominate.
      const work = plan.batches.map((b) => ({ rw: rewrites.get(b.table)!, ...rewriteBatch(plan, b.index, rewrites.get(b.table)!) }));
      const keys = [...new Set(work.flatMap((w) => w.splitKeys))].sort();
      let t0 = performance.now();
      await splitAndScatter(conn, keys);
      const splitMs = performance.now() - t0;
      splitKeys = keys.length;
      t0 = performance.now();
      for (const w of work) {
        for (const r of w.ranges) await importFiles(conn, r.files, w.rw.rules, { storageBackend: backend });
      }
      const importMs = performance.now() - t0;
      splitSamples.push(splitMs);
      importSamples.push(importMs);
      const ts = await conn.pd.getTs();
      for (const t of plan.tables) {
        if (t.files === 0) continue;
        const sum = await checksumTable(conn, checksumRequests(rewrites.get(t.index)!), ts);
        const got = { crc64xor: sum.crc64xor.toString(), totalKvs: sum.totalKvs.toString(), totalBytes: sum.totalBytes.toString() };
        if (JSON.stringify(got) !== JSON.stringify(t.checksum)) {
          throw new Error(`restored \`${t.db}\`.\`${t.name}\` checksums ${JSON.stringify(got)}, the backup recorded ${JSON.stringify(t.checksum)}`);
        }
      }
    } finally {
      conn.close();
      await sim.stop();
    }
  }
  const params = { tables: plan.summary.tables, files: plan.summary.files, sstBytes: plan.summary.sstBytes, kvs: plan.summary.kvs, batches: plan.summary.batches, stores: p.stores };
  const memory = memorySample();
  return [
    caseResult({ name: 'split-scatter', params: { ...params, splitKeys }, timing: summarize(splitSamples), memory, opsPerIteration: splitKeys, targets: [] }),
    caseResult({
      name: 'download-ingest', params, timing: summarize(importSamples), memory, opsPerIteration: plan.summary.files,
      bytesPerIteration: Number(plan.summary.sstBytes), targets: IMPORT_TARGETS,
    }),
  ];
}

export const importBench: Benchmark = {
  name: 'import',
  description: 'a make-backup backup (16 tables × 2,000 rows, zstd) restored into the simulator (3 stores) through src/cluster: split+scatter at the plan\'s split keys, then Download to every peer + Ingest per rewritten range; ops = split keys / files, MB/s = SST bytes',
  prepare: (ctx) => prepareImportBackup(ctx.workDir, ctx.quick ? IMPORT_QUICK : IMPORT_FULL),
  run: (ctx) => runImport(ctx.workDir, ctx.quick ? IMPORT_QUICK : IMPORT_FULL),
};
