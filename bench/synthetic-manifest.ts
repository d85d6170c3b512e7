import type { BackupFile, Manifest, ManifestDatabase, ManifestTable } from '../src/backup/manifest';
import { toGoJson } from '../src/backup/generator/json-text';
import { createPrng, type Prng } from '../src/backup/generator/prng';
import { buildDbInfo, buildTableInfo, ColumnTypes, type TableSpec } from '../src/backup/generator/schema-builder';
import { composeTs, indexPrefix, recordKey, toHex } from '../src/plan/keys';
import type { TableInfo } from '../src/plan/table-info';

/**
 * A large, deterministic Manifest for benchmarks: the shape readManifest returns for a BR backup of many
 * tables, without writing any data. Tables have an int primary key and two secondary indexes; every
 * `partitionEvery`-th table is hash-partitioned. Files come as BR writes them, per backup range a default-CF
 * and a write-CF SST (an odd count leaves the last range with only its write file), index ranges first.
 */
export interface SyntheticManifestOptions {
  tables: number;
  /** Data files in total, spread evenly over the tables (at least one per table is not required). */
  files: number;
  /** @default 100 */
  tablesPerDatabase?: number;
  /** Every n-th table is hash-partitioned into `partitions`; 0 = none. @default 25 */
  partitionEvery?: number;
  /** @default 4 */
  partitions?: number;
  /** @default 1 */
  seed?: number;
}

/** Range sizes (SST bytes of a default+write pair) are drawn log-uniformly in this span, so some ranges merge under BR's 96 MiB rule and some do not. */
const MIN_RANGE_BYTES = 256 * 1024;
const MAX_RANGE_BYTES = 128 * 1024 * 1024;
/** Handles per record range: only the key order matters to the planner. */
const HANDLES_PER_RANGE = 1_000_000;
/** Average logical bytes per KV, to derive kv counts from sizes. */
const BYTES_PER_KV = 180;
const FIRST_ID = 100;
const END_MS = 1_700_000_000_000;
const STORES = 3;

const TABLE_SPEC: TableSpec = {
  name: 'placeholder',
  handle: 'int-pk',
  columns: [
    { name: 'id', type: ColumnTypes.bigint() },
    { name: 'k', type: ColumnTypes.int() },
    { name: 'v', type: ColumnTypes.varchar(64) },
    { name: 'amount', type: ColumnTypes.decimal(10, 2) },
    { name: 'created', type: ColumnTypes.datetime() },
  ],
  indexes: [
    { name: 'PRIMARY', columns: ['id'], primary: true },
    { name: 'k_idx', columns: ['k'] },
    { name: 'v_uniq', columns: ['v'], unique: true },
  ],
};
/** Secondary index IDs of TABLE_SPEC as buildTableInfo numbers them (the int primary key is the handle). */
const INDEX_IDS = [1, 2];

function u64(rng: Prng): string {
  return ((BigInt(rng.nextU32()) << 32n) | BigInt(rng.nextU32())).toString();
}

function hex(rng: Prng, bytes: number): string {
  let s = '';
  for (let i = 0; i < bytes; i += 4) s += rng.nextU32().toString(16).padStart(8, '0');
  return s.slice(0, bytes * 2);
}

/** Key range of the j-th backup range of a physical table: index ranges first, then record ranges. */
function rangeKeys(pid: number, slot: number): { startKey: string; endKey: string } {
  if (slot < INDEX_IDS.length) {
    const idx = INDEX_IDS[slot]!;
    // BR's index backup range is IndexRangesToKVRanges(ranger.FullRange()): from the encoded NULL (0x00) to
    // PrefixNext of the encoded MaxValue (0xfa), i.e. [t{id}_i{idx} ‖ 0x00, t{id}_i{idx} ‖ 0xfb), inside the index prefix.
    const prefix = toHex(indexPrefix(pid, idx));
    return { startKey: `${prefix}00`, endKey: `${prefix}fb` };
  }
  const chunk = slot - INDEX_IDS.length;
  return { startKey: toHex(recordKey(pid, chunk * HANDLES_PER_RANGE)), endKey: toHex(recordKey(pid, (chunk + 1) * HANDLES_PER_RANGE)) };
}

/** Builds the manifest; same options → identical manifest. */
export function syntheticManifest(opts: SyntheticManifestOptions): Manifest {
  const perDb = opts.tablesPerDatabase ?? 100;
  const partitionEvery = opts.partitionEvery ?? 25;
  const partitions = opts.partitions ?? 4;
  const rng = createPrng(opts.seed ?? 1);
  const endVersion = composeTs(END_MS, 1);
  let nextId = FIRST_ID;
  let regionId = 1000;

  const databases: ManifestDatabase[] = [];
  const tables: ManifestTable[] = [];
  const baseFiles = Math.floor(opts.files / Math.max(1, opts.tables));
  const extraFiles = opts.files - baseFiles * opts.tables;

  for (let i = 0; i < opts.tables; i++) {
    if (i % perDb === 0) {
      const id = nextId++;
      const info = buildDbInfo(id, `bench_db_${databases.length}`);
      databases.push({ id, name: info.db_name.O, info });
    }
    const db = databases[databases.length - 1]!;
    const id = nextId++;
    const partitioned = partitionEvery > 0 && i % partitionEvery === partitionEvery - 1;
    const partitionIds = partitioned ? Array.from({ length: partitions }, () => nextId++) : [];
    const spec: TableSpec = { ...TABLE_SPEC, name: `t_${i}`, ...(partitioned ? { partition: { kind: 'hash', column: 'id', count: partitions } } : {}) };
    // Through Go-style JSON and back, as readManifest hands it over (the TSO field becomes a plain number).
    const info = JSON.parse(toGoJson(buildTableInfo(spec, { id, partitionIds }, endVersion - 1000n))) as TableInfo;
    // As readManifest lists them: the table ID and every partition ID; the rows live in the partitions.
    const physicalIds = [id, ...partitionIds];
    const dataIds = partitioned ? partitionIds : [id];

    const fileCount = baseFiles + (i < extraFiles ? 1 : 0);
    const files: BackupFile[] = [];
    let crc = 0n;
    let kvs = 0n;
    let bytes = 0n;
    for (let r = 0; files.length < fileCount; r++) {
      const pid = dataIds[r % dataIds.length]!;
      const keys = rangeKeys(pid, Math.floor(r / dataIds.length));
      const rangeBytes = Math.round(MIN_RANGE_BYTES * (MAX_RANGE_BYTES / MIN_RANGE_BYTES) ** (rng.nextU32() / 0x1_0000_0000));
      const rangeKvs = Math.max(1, Math.round(rangeBytes / BYTES_PER_KV));
      const region = regionId++;
      const store = (region % STORES) + 1;
      const digest = hex(rng, 32);
      // Long values live in the default CF: most bytes there, most KVs counted in the write CF.
      const parts: { cf: 'default' | 'write'; size: number; kvs: number }[] = fileCount - files.length >= 2
        ? [{ cf: 'default', size: Math.round(rangeBytes * 0.8), kvs: Math.round(rangeKvs * 0.3) }, { cf: 'write', size: 0, kvs: 0 }]
        : [{ cf: 'write', size: rangeBytes, kvs: rangeKvs }];
      if (parts.length === 2) parts[1] = { cf: 'write', size: rangeBytes - parts[0]!.size, kvs: rangeKvs - parts[0]!.kvs };
      for (const p of parts) {
        const totalBytes = p.kvs * BYTES_PER_KV;
        const crc64xor = u64(rng);
        files.push({
          name: `${store}/${region}_1_${digest}_${END_MS}_${p.cf}.sst`,
          sha256: hex(rng, 32),
          ...keys,
          startVersion: '0',
          endVersion: endVersion.toString(),
          crc64xor,
          totalKvs: String(p.kvs),
          totalBytes: String(totalBytes),
          cf: p.cf,
          size: String(p.size),
        });
        crc ^= BigInt(crc64xor);
        kvs += BigInt(p.kvs);
        bytes += BigInt(totalBytes);
      }
    }
    tables.push({
      db: db.name, dbId: db.id, id, name: info.name.O, info, crc64xor: crc.toString(), totalKvs: kvs.toString(), totalBytes: bytes.toString(),
      tiflashReplicas: 0, physicalIds, files, isSystem: false,
    });
  }

  return {
    metaVersion: 2, clusterId: '7000000000000000001', clusterVersion: '"8.5.0"\n', brVersion: 'brflow-bench', startVersion: '0',
    endVersion: endVersion.toString(), isRawKv: false, apiVersion: 0, newCollationsEnabled: 'True', encrypted: false,
    databases, tables, orphanFiles: [], ddlJobs: [],
  };
}
