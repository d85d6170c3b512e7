import type { PolicyInfo } from '../../plan/placement-sql';
import { extractPhysical } from '../../plan/keys';
import { BrflowError, ErrorType } from '../../plan/error-types';
import type { BackupCipher } from '../cipher';
import { initSstCodecs, type SstCompression } from '../sst';
import type { BackupStorage } from '../storage';
import { buildDataFiles } from './data-files';
import type { ExtraTableKind } from './catalog';
import { generateDataset, type SchemaObjectSpec, type TiFlashReplicaSpec } from './dataset';
import { BACKUP_META, buildMetaObjects, groupByPhysicalId } from './meta-writer';
import { createPrng } from './prng';

/**
 * make-backup: generates a deterministic BR-format backup (same options → byte-identical objects) and writes
 * it to a storage. Objects are written data first and `backupmeta` last, so an interrupted run never leaves
 * something that looks like a complete backup.
 */
export interface MakeBackupOptions {
  seed: number;
  /** Tables in the catalog (the first 8 cover every feature; more are clones). @default 8 */
  tables: number;
  /** Rows per (non-empty) table. @default 100 */
  rows: number;
  metaVersion: 1 | 2;
  compression: SstCompression;
  incremental: boolean;
  withSysTables: boolean;
  /**
   * Regions (so files per column family) each backup range is cut into: more = more, smaller files, as a
   * table spread over many regions backs up. @default 3
   */
  regionsPerRange?: number;
  /** v2 only: entries per leaf metafile and whether to add an intermediate level. */
  metaLeafEntries?: number;
  metaTwoLevel?: boolean;
  /** Tables ("db.table") that had TiFlash replicas in the backed-up cluster. @default none */
  tiflashReplicas?: readonly TiFlashReplicaSpec[];
  /** TableInfo fields (foreign keys, CHECK constraints, TTL, placement) to give tables. @default none */
  schemaObjects?: readonly SchemaObjectSpec[];
  /** Placement policies (model.PolicyInfo) the backed-up cluster had, written to backupmeta `policies`. @default none */
  placementPolicies?: readonly PolicyInfo[];
  /** Add a sequence and two views, one over the other, to the `shop` database (generator/views-sequences.ts). @default false */
  viewsAndSequences?: boolean;
  /** Tables added after the catalog's: `expression-index` (shop.gadgets), `list-columns` (shop.regions_list). @default none */
  extraTables?: readonly ExtraTableKind[];
  /**
   * Encrypt as BR --crypter.method/--crypter.key does: data files, metafiles and backupmeta (IVs derived from
   * key, name and content, so the output stays reproducible). @default plaintext
   */
  cipher?: BackupCipher;
}

export interface MakeBackupTableSummary {
  db: string;
  table: string;
  id: number;
  physicalIds: number[];
  rows: number;
  files: number;
  totalKvs: string;
  totalBytes: string;
  crc64xor: string;
  features: string[];
}

export interface MakeBackupSummary {
  storage: string;
  metaVersion: 1 | 2;
  compression: SstCompression;
  seed: number;
  clusterId: string;
  startVersion: string;
  endVersion: string;
  databases: string[];
  tables: MakeBackupTableSummary[];
  dataFiles: number;
  metaFiles: string[];
  totalKvs: string;
  totalBytes: string;
  sstBytes: number;
  ddlJobs: number;
  /** True when written encrypted (make-backup --encrypt). */
  encrypted: boolean;
}

/** BR's lock marker (br/pkg/metautil: LockFile content), 78 bytes. */
export const BACKUP_LOCK = 'backup.lock';
const LOCK_TEXT = "DO NOT DELETE\nThis file exists to remind other backup jobs won't use this path";

/** SST uploads in flight at once. */
const WRITE_CONCURRENCY = 8;

export const MAKE_BACKUP_DEFAULTS = { seed: 1, tables: 8, rows: 100, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false } as const;

export function validateMakeBackupOptions(o: MakeBackupOptions): void {
  const problems: string[] = [];
  if (!Number.isSafeInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff) problems.push(`--seed ${o.seed} must be an integer from 0 to 4294967295`);
  if (!Number.isSafeInteger(o.tables) || o.tables < 1 || o.tables > 10_000) problems.push(`--tables ${o.tables} must be an integer from 1 to 10000`);
  if (!Number.isSafeInteger(o.rows) || o.rows < 0 || o.rows > 1_000_000) problems.push(`--rows ${o.rows} must be an integer from 0 to 1000000`);
  if (o.metaVersion !== 1 && o.metaVersion !== 2) problems.push(`--meta-version ${String(o.metaVersion)} must be 1 or 2`);
  if (!['zstd', 'lz4', 'snappy', 'none'].includes(o.compression)) problems.push(`--compression ${o.compression} must be one of zstd, lz4, snappy, none`);
  if (o.metaLeafEntries !== undefined && (!Number.isSafeInteger(o.metaLeafEntries) || o.metaLeafEntries < 1)) {
    problems.push(`--meta-leaf-entries ${o.metaLeafEntries} must be a positive integer`);
  }
  if (o.metaVersion === 1 && (o.metaLeafEntries !== undefined || o.metaTwoLevel)) {
    problems.push('--meta-leaf-entries and --meta-two-level shape v2 metafiles; use them with --meta-version 2');
  }
  if (problems.length > 0) throw new BrflowError(ErrorType.InvalidInput, problems.join('; '));
}

export async function makeBackup(storage: BackupStorage, opts: MakeBackupOptions): Promise<MakeBackupSummary> {
  validateMakeBackupOptions(opts);
  for (const name of [BACKUP_META, BACKUP_LOCK]) {
    if (await storage.exists(name)) {
      throw new BrflowError(ErrorType.InvalidInput, `${storage.description} already holds a backup (${name} exists); choose an empty location`);
    }
  }
  await initSstCodecs();
  const ds = generateDataset({
    seed: opts.seed, tables: opts.tables, rowsPerTable: opts.rows, incremental: opts.incremental, withSysTables: opts.withSysTables,
    ...(opts.tiflashReplicas ? { tiflashReplicas: opts.tiflashReplicas } : {}),
    ...(opts.schemaObjects ? { schemaObjects: opts.schemaObjects } : {}),
    ...(opts.placementPolicies ? { placementPolicies: opts.placementPolicies } : {}),
    ...(opts.viewsAndSequences ? { viewsAndSequences: true } : {}),
    ...(opts.extraTables ? { extraTables: opts.extraTables } : {}),
  });
  const unixMs = Number(extractPhysical(ds.endVersion));
  await storage.write(BACKUP_LOCK, new TextEncoder().encode(LOCK_TEXT));
  // SSTs go out as they are built, a few at a time (S3 latency); the metadata follows once all have landed.
  const pending = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  const sink = async (name: string, bytes: Uint8Array): Promise<void> => {
    // Each upload settles into `failure` so no rejection is left unobserved; the first one is rethrown.
    const p: Promise<void> = storage.write(name, bytes).then(
      () => void pending.delete(p),
      (error: unknown) => {
        pending.delete(p);
        failure ??= { error };
      },
    );
    pending.add(p);
    if (pending.size >= WRITE_CONCURRENCY) await Promise.race(pending);
    if (failure) throw failure.error;
  };
  const files = await buildDataFiles(ds, { compression: opts.compression, unixMs, ...(opts.cipher ? { cipher: opts.cipher } : {}), ...(opts.regionsPerRange !== undefined ? { regionsPerRange: opts.regionsPerRange } : {}) }, createPrng(opts.seed).fork('regions'), (f, bytes) => sink(f.name, bytes));
  await Promise.all(pending);
  if (failure) throw failure.error;
  const meta = buildMetaObjects(ds, files, { metaVersion: opts.metaVersion, leafEntries: opts.metaLeafEntries, twoLevel: opts.metaTwoLevel, ...(opts.cipher ? { cipher: opts.cipher } : {}) });
  // backupmeta is the last object of meta (see buildMetaObjects), so it lands last.
  for (const m of meta) await storage.write(m.name, m.bytes);

  const byPid = groupByPhysicalId(files);
  const tables = ds.tables.map((t): MakeBackupTableSummary => {
    const mine = t.physicalIds.flatMap((id) => byPid.get(id) ?? []);
    return {
      db: t.db.db_name.O, table: t.info.name.O, id: t.info.id, physicalIds: t.physicalIds, rows: t.rowCount, files: mine.length,
      totalKvs: mine.reduce((n, f) => n + f.totalKvs, 0n).toString(),
      totalBytes: mine.reduce((n, f) => n + f.totalBytes, 0n).toString(),
      crc64xor: mine.reduce((n, f) => n ^ f.crc64xor, 0n).toString(),
      features: t.features,
    };
  });
  return {
    storage: storage.description, metaVersion: opts.metaVersion, compression: opts.compression, seed: opts.seed,
    clusterId: ds.clusterId.toString(), startVersion: ds.startVersion.toString(), endVersion: ds.endVersion.toString(),
    databases: ds.databases.map((d) => d.db_name.O), tables, dataFiles: files.length, metaFiles: meta.map((m) => m.name),
    totalKvs: files.reduce((n, f) => n + f.totalKvs, 0n).toString(), totalBytes: files.reduce((n, f) => n + f.totalBytes, 0n).toString(),
    sstBytes: files.reduce((n, f) => n + f.size, 0), ddlJobs: ds.ddlJobs.length, encrypted: opts.cipher !== undefined,
  };
}
