/**
 * Runs Debian's RocksDB tools (rocksdb-tools 7.8: sst_dump, ldb) as independent judges of brflow's SSTs.
 * They are installed by .ci/run; a missing tool fails the test rather than skipping it.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function run(tool: string, args: string[], input?: string): string {
  try {
    return execFileSync(tool, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'], timeout: 60_000, maxBuffer: 256 * 1024 * 1024 });
  } catch (e) {
    const err = e as { code?: string; stdout?: string; stderr?: string; status?: number };
    if (err.code === 'ENOENT') throw new Error(`${tool} is not installed (Debian package rocksdb-tools; .ci/run installs it)`);
    throw new Error(`${tool} ${args.join(' ')} exited ${err.status}: ${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
}

/** `sst_dump --command=verify`: checks every block checksum. Returns the tool's output. */
export function sstDumpVerify(file: string): string {
  return run('sst_dump', [`--file=${file}`, '--command=verify']);
}

export interface DumpedEntry {
  keyHex: string;
  seq: number;
  type: number;
  valueHex: string;
}

/** `sst_dump --command=scan --output_hex`, parsed; throws if any non-entry line looks like an error. */
export function sstDumpScan(file: string): DumpedEntry[] {
  const out = run('sst_dump', [`--file=${file}`, '--command=scan', '--output_hex']);
  const entries: DumpedEntry[] = [];
  for (const line of out.split('\n')) {
    const m = /^'([0-9A-F]*)' seq:(\d+), type:(\d+) => ([0-9A-F]*)$/.exec(line);
    if (m) entries.push({ keyHex: (m[1] as string).toLowerCase(), seq: Number(m[2]), type: Number(m[3]), valueHex: (m[4] as string).toLowerCase() });
    else if (/corrupt|error/i.test(line)) throw new Error(`sst_dump scan reported: ${line}`);
  }
  return entries;
}

/** `sst_dump --show_properties` table properties as printed (name → text). */
export function sstDumpProperties(file: string): Map<string, string> {
  const out = run('sst_dump', [`--file=${file}`, '--command=check', '--show_properties']);
  const props = new Map<string, string>();
  for (const line of out.split('\n')) {
    const m = /^ {2}(#?[^:]+): (.*)$/.exec(line);
    if (m) props.set((m[1] as string).trim(), (m[2] as string).trim());
  }
  return props;
}

export interface RealDbOptions {
  compression: 'kNoCompression' | 'kSnappyCompression' | 'kZlibCompression' | 'kLZ4Compression' | 'kLZ4HCCompression' | 'kZSTD';
  formatVersion: number;
  blockSize: number;
  /** RocksDB's default is 1; above 1, format_version ≥ 4 index entries after a restart carry only a size delta. */
  indexBlockRestartInterval?: number;
  /** kDataBlockBinaryAndHash appends a hash map to each data block and flags the restart count's top bit. */
  dataBlockIndexType?: 'kDataBlockBinarySearch' | 'kDataBlockBinaryAndHash';
  /** Bits per key of a full bloom filter block (TiKV uses 10); none when absent. */
  bloomBitsPerKey?: number;
  /** Keys and values as hex strings; loaded through `ldb load` and compacted into SSTs. */
  kvs: Array<[string, string]>;
}

/** Creates an empty DB with ldb and rewrites its OPTIONS file; returns the DB path. */
function makeConfiguredDb(dir: string, o: Omit<RealDbOptions, 'kvs'>): string {
  const db = join(dir, 'db');
  mkdirSync(dir, { recursive: true });
  run('ldb', [`--db=${db}`, '--create_if_missing', 'put', 'seed', 'x']);
  run('ldb', [`--db=${db}`, 'delete', 'seed']);
  const optFile = readdirSync(db).filter((f) => f.startsWith('OPTIONS-')).sort().pop();
  if (!optFile) throw new Error('ldb wrote no OPTIONS file');
  let opts = readFileSync(join(db, optFile), 'utf8');
  const set = (key: string, value: string): void => {
    const re = new RegExp(`^(\\s+${key}=).*$`, 'gm');
    if (!re.test(opts)) throw new Error(`OPTIONS file has no ${key}`);
    opts = opts.replace(new RegExp(`^(\\s+${key}=).*$`, 'gm'), `$1${value}`);
  };
  set('format_version', String(o.formatVersion));
  set('checksum', 'kCRC32c');
  set('compression', o.compression);
  set('block_size', String(o.blockSize));
  set('index_block_restart_interval', String(o.indexBlockRestartInterval ?? 1));
  set('data_block_index_type', o.dataBlockIndexType ?? 'kDataBlockBinarySearch');
  set('filter_policy', o.bloomBitsPerKey ? `bloomfilter:${o.bloomBitsPerKey}:false` : 'nullptr');
  writeFileSync(join(db, optFile), opts);
  return db;
}

function ldbInput(kvs: Array<[string, string]>): string {
  return kvs.map(([k, v]) => `0x${k} ==> 0x${v}`).join('\n') + '\n';
}

/**
 * Makes real RocksDB SST files: creates a DB with ldb, rewrites its OPTIONS file (format_version, compression,
 * block size, CRC32C checksums; RocksDB 7.8 defaults to XXH3), loads the KVs and compacts. Returns the .sst paths.
 */
export function makeRealRocksDbSsts(dir: string, o: RealDbOptions): string[] {
  const db = makeConfiguredDb(dir, o);
  run('ldb', [`--db=${db}`, '--try_load_options', '--hex', 'load'], ldbInput(o.kvs));
  run('ldb', [`--db=${db}`, '--try_load_options', 'compact']);
  return readdirSync(db).filter((f) => f.endsWith('.sst')).map((f) => join(db, f));
}

/** Writes the KVs (sorted) with RocksDB's own SstFileWriter (`ldb write_extern_sst`); returns the file path. */
export function rocksDbSstFileWriter(dir: string, o: RealDbOptions): string {
  const db = makeConfiguredDb(dir, o);
  const file = join(dir, 'external.sst');
  run('ldb', [`--db=${db}`, '--try_load_options', '--hex', 'write_extern_sst', file], ldbInput(o.kvs));
  return file;
}

/**
 * Ingests `sstFile` into a fresh real RocksDB with `ldb ingest_extern_sst` (the SstFileWriter contract: external
 * file version property, global seqno, sorted internal keys) and returns the DB's contents as hex pairs.
 */
export function ldbIngestAndScan(dir: string, sstFile: string): Array<[string, string]> {
  const db = join(dir, 'ingest-db');
  mkdirSync(dir, { recursive: true });
  run('ldb', [`--db=${db}`, '--create_if_missing', 'put', 'seed', 'x']);
  run('ldb', [`--db=${db}`, 'delete', 'seed']);
  run('ldb', [`--db=${db}`, 'ingest_extern_sst', sstFile]);
  const out = run('ldb', [`--db=${db}`, 'scan', '--hex']);
  const rows: Array<[string, string]> = [];
  for (const line of out.split('\n')) {
    const m = /^0x([0-9A-F]*) : 0x([0-9A-F]*)$/.exec(line);
    if (m) rows.push([(m[1] as string).toLowerCase(), (m[2] as string).toLowerCase()]);
  }
  return rows;
}
