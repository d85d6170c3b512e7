import { BrflowError, ErrorType, isBrflowError } from '../plan/error-types';
import { decodeTableId } from '../plan/keys';
import type { File, MetaFile, Schema } from '../proto/brpb';
import { decryptCtr, type BackupCipher } from './cipher';
import { backupFileChecksum, type FileChecksum } from './file-checksum';
import { BACKUP_META_NAME, decodeMetaFile, decodeSchema, META_V1 } from './meta-decode';
import { MAX_METAFILE_DEPTH, readRootMeta } from './meta-reader';
import { sha256Hex } from './sha256-hex';
import { initSstCodecs } from './sst';
import type { BackupStorage } from './storage';

/**
 * verify-backup: re-reads every metafile and data SST of a backup and recomputes what backupmeta records:
 * sha256 and size of each metafile (v2) and SST, crc64xor / total_kvs / total_bytes of each SST from its KVs,
 * and per table the XOR/sum over its (and its partitions') files against the Schema entry. Every mismatch is
 * collected as a problem naming the object, the check and both values; nothing stops at the first one.
 */
export interface VerifyProblem {
  /** Object name (SST or metafile) or `table <db>.<name>`. */
  object: string;
  /** Which check failed: sha256, size, crc64xor, total_kvs, total_bytes, exists, read, decode, sst. */
  check: string;
  expected: string;
  actual: string;
}

export interface VerifyTableResult {
  db: string;
  table: string;
  files: number;
  totalKvs: string;
  totalBytes: string;
  /** False when BR recorded no table checksum (incremental backups): only the files were checked. */
  checksumRecorded: boolean;
  ok: boolean;
}

export interface VerifyReport {
  storage: string;
  metaVersion: 1 | 2;
  startVersion: string;
  endVersion: string;
  metaFiles: number;
  dataFiles: number;
  totalKvs: string;
  totalBytes: string;
  sstBytes: number;
  tables: VerifyTableResult[];
  problems: VerifyProblem[];
  ok: boolean;
}

export interface VerifyOptions {
  /** Objects read at once (S3 latency hides behind this). @default 8 */
  concurrency?: number;
  /** Key of an encrypted backup (--crypter.method with --crypter.key-file or --crypter.key). */
  cipher?: BackupCipher;
}

interface Leaves {
  dataFiles: File[];
  schemas: Schema[];
  metaFiles: number;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function describe(e: unknown): string {
  return isBrflowError(e) || e instanceof Error ? e.message : String(e);
}

/** Reads an object, recording a problem instead of throwing when it is missing or unreadable. */
async function readObject(storage: BackupStorage, name: string, problems: VerifyProblem[]): Promise<Uint8Array | undefined> {
  try {
    if (!(await storage.exists(name))) {
      problems.push({ object: name, check: 'exists', expected: 'present', actual: 'missing' });
      return undefined;
    }
    return await storage.read(name);
  } catch (e) {
    problems.push({ object: name, check: 'read', expected: 'readable', actual: describe(e) });
    return undefined;
  }
}

/** Walks a v2 index tree, checking size and sha256 of every metafile on the way (BR: walkLeafMetaFile). */
async function walkIndex(storage: BackupStorage, root: MetaFile | undefined, out: Leaves, problems: VerifyProblem[], cipher: BackupCipher | undefined): Promise<void> {
  const visit = async (node: MetaFile, depth: number): Promise<void> => {
    if (node.metaFiles.length === 0) {
      out.dataFiles.push(...node.dataFiles);
      out.schemas.push(...node.schemas);
      return;
    }
    if (depth >= MAX_METAFILE_DEPTH) {
      problems.push({ object: 'backupmeta', check: 'depth', expected: `≤ ${MAX_METAFILE_DEPTH} levels`, actual: 'deeper' });
      return;
    }
    for (const entry of node.metaFiles) {
      out.metaFiles++;
      if (entry.cipherIv.length > 0 && !cipher) throw encrypted(storage);
      const stored = await readObject(storage, entry.name, problems);
      if (!stored) continue;
      // BR records size and sha256 of a metafile's plaintext.
      const bytes = entry.cipherIv.length > 0 && cipher ? decryptCtr(cipher, entry.cipherIv, stored) : stored;
      if (BigInt(bytes.length) !== entry.size) problems.push({ object: entry.name, check: 'size', expected: entry.size.toString(), actual: String(bytes.length) });
      const actual = sha256Hex(bytes);
      if (actual !== hex(entry.sha256)) problems.push({ object: entry.name, check: 'sha256', expected: hex(entry.sha256), actual });
      let child: MetaFile;
      try {
        child = decodeMetaFile(bytes, `metafile ${entry.name}`);
      } catch (e) {
        problems.push({ object: entry.name, check: 'decode', expected: 'a MetaFile protobuf', actual: describe(e) });
        continue;
      }
      await visit(child, depth + 1);
    }
  };
  if (root) await visit(root, 0);
}

function encrypted(storage: BackupStorage): BrflowError {
  return new BrflowError(ErrorType.BackupEncrypted, `the backup at ${storage.description} is encrypted; give its key with --crypter.method and --crypter.key-file`);
}

interface FileResult {
  file: File;
  sum?: FileChecksum;
  size: number;
}

async function checkDataFile(storage: BackupStorage, f: File, problems: VerifyProblem[], cipher: BackupCipher | undefined): Promise<FileResult> {
  const stored = await readObject(storage, f.name, problems);
  if (!stored) return { file: f, size: 0 };
  if (BigInt(stored.length) !== f.size) problems.push({ object: f.name, check: 'size', expected: f.size.toString(), actual: String(stored.length) });
  // TiKV hashes the SST as uploaded: the ciphertext of an encrypted backup.
  const sha = sha256Hex(stored);
  if (sha !== hex(f.sha256)) problems.push({ object: f.name, check: 'sha256', expected: hex(f.sha256), actual: sha });
  const bytes = f.cipherIv.length > 0 && cipher ? decryptCtr(cipher, f.cipherIv, stored) : stored;
  if (f.cf !== 'default' && f.cf !== 'write') {
    problems.push({ object: f.name, check: 'cf', expected: 'default or write', actual: JSON.stringify(f.cf) });
    return { file: f, size: bytes.length };
  }
  let sum: FileChecksum;
  try {
    sum = backupFileChecksum(bytes, f.cf, f.name);
  } catch (e) {
    problems.push({ object: f.name, check: 'sst', expected: 'a readable TiKV backup SST', actual: describe(e) });
    return { file: f, size: bytes.length };
  }
  const cmp = (check: string, recorded: bigint, actual: string) => {
    if (recorded.toString() !== actual) problems.push({ object: f.name, check, expected: recorded.toString(), actual });
  };
  cmp('crc64xor', f.crc64xor, sum.crc64xor);
  cmp('total_kvs', f.totalKvs, sum.totalKvs);
  cmp('total_bytes', f.totalBytes, sum.totalBytes);
  return { file: f, sum, size: bytes.length };
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Verifies a backup. Problems found in the data are returned in the report (ok = false).
 * @throws BrflowError(BackupMetaMissing) when there is no backupmeta, (BackupEncrypted) for encrypted
 *   backups without `cipher`, (BackupWrongKey) when `cipher` does not open backupmeta, (StorageNotFound | StorageUnavailable) when the location cannot be read at all.
 */
export async function verifyBackup(storage: BackupStorage, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const problems: VerifyProblem[] = [];
  let root;
  try {
    root = await readRootMeta(storage, opts.cipher ? { cipher: opts.cipher } : {});
  } catch (e) {
    // A damaged backupmeta is a finding about the backup, not an operator mistake.
    if (isBrflowError(e) && e.type === ErrorType.BackupMetaCorrupt) {
      problems.push({ object: BACKUP_META_NAME, check: 'decode', expected: 'a BackupMeta protobuf', actual: e.message });
      return {
        storage: storage.description, metaVersion: 1, startVersion: '0', endVersion: '0', metaFiles: 1, dataFiles: 0,
        totalKvs: '0', totalBytes: '0', sstBytes: 0, tables: [], problems, ok: false,
      };
    }
    throw e;
  }
  const meta = root.meta;
  const leaves: Leaves = { dataFiles: [], schemas: [], metaFiles: 1 };
  const metaVersion = meta.version === META_V1 ? 1 : 2;
  if (metaVersion === 1) {
    leaves.dataFiles.push(...meta.files);
    leaves.schemas.push(...meta.schemas);
  } else {
    await walkIndex(storage, meta.fileIndex, leaves, problems, opts.cipher);
    await walkIndex(storage, meta.schemaIndex, leaves, problems, opts.cipher);
    await walkIndex(storage, meta.ddlIndexes, { dataFiles: [], schemas: [], metaFiles: 0 }, problems, opts.cipher);
  }
  if (!opts.cipher && leaves.dataFiles.some((f) => f.cipherIv.length > 0)) throw encrypted(storage);

  await initSstCodecs();
  const results = await mapLimit(leaves.dataFiles, opts.concurrency ?? 8, (f) => checkDataFile(storage, f, problems, opts.cipher));

  // Tables: files are attributed by the physical table ID in their start key (BR's MapTableToFiles).
  const byPhysicalId = new Map<string, FileResult[]>();
  for (const r of results) {
    const id = String(decodeTableId(r.file.startKey));
    let list = byPhysicalId.get(id);
    if (!list) byPhysicalId.set(id, (list = []));
    list.push(r);
  }
  const tables: VerifyTableResult[] = [];
  const where = `the backup at ${storage.description}`;
  for (const [i, schema] of leaves.schemas.entries()) {
    let decoded;
    try {
      decoded = decodeSchema(schema, where);
    } catch (e) {
      problems.push({ object: `schema #${i + 1}`, check: 'decode', expected: 'TiDB DBInfo/TableInfo JSON', actual: describe(e) });
      continue;
    }
    const { db, table } = decoded;
    if (!table) continue;
    const mine = [table.id, ...(table.partition?.definitions ?? []).map((d) => d.id)].flatMap((id) => byPhysicalId.get(String(id)) ?? []);
    let crc = 0n;
    let kvs = 0n;
    let bytes = 0n;
    let complete = true;
    for (const r of mine) {
      if (!r.sum) {
        complete = false;
        continue;
      }
      crc ^= BigInt(r.sum.crc64xor);
      kvs += BigInt(r.sum.totalKvs);
      bytes += BigInt(r.sum.totalBytes);
    }
    const name = `${db.db_name.O}.${table.name.O}`;
    const before = problems.length;
    // A full backup always records the table checksum (an empty table's is 0/0/0); BR skips it for incremental ones.
    const recorded = meta.startVersion === 0n || schema.crc64xor !== 0n || schema.totalKvs !== 0n || schema.totalBytes !== 0n;
    if (recorded && complete) {
      const cmp = (check: string, exp: bigint, act: bigint) => {
        if (exp !== act) problems.push({ object: `table ${name}`, check, expected: exp.toString(), actual: act.toString() });
      };
      cmp('crc64xor', schema.crc64xor, crc);
      cmp('total_kvs', schema.totalKvs, kvs);
      cmp('total_bytes', schema.totalBytes, bytes);
    }
    const fileNames = new Set(mine.map((r) => r.file.name));
    const fileProblem = problems.slice(0, before).some((p) => fileNames.has(p.object));
    tables.push({
      db: db.db_name.O, table: table.name.O, files: mine.length, totalKvs: kvs.toString(), totalBytes: bytes.toString(),
      checksumRecorded: recorded, ok: problems.length === before && !fileProblem && complete,
    });
  }

  const sum = (f: (r: FileResult) => bigint) => results.reduce((n, r) => n + f(r), 0n).toString();
  return {
    storage: storage.description, metaVersion, startVersion: meta.startVersion.toString(), endVersion: meta.endVersion.toString(),
    metaFiles: leaves.metaFiles, dataFiles: leaves.dataFiles.length,
    totalKvs: sum((r) => BigInt(r.sum?.totalKvs ?? 0)), totalBytes: sum((r) => BigInt(r.sum?.totalBytes ?? 0)),
    sstBytes: results.reduce((n, r) => n + r.size, 0), tables, problems, ok: problems.length === 0,
  };
}
