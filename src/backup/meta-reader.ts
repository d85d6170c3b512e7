import { BrflowError, ErrorType } from '../plan/error-types';
import type { BackupMeta, File, MetaFile, RawRange, Schema } from '../proto/brpb';
import { CIPHER_IV_LENGTH, CIPHER_KEY_OPTION, decryptCtr, type BackupCipher } from './cipher';
import {
  BACKUP_META_NAME, META_V1, META_V2, decodeMetaFile, joinDdlEntries,
} from './meta-decode';
import { decodePlausibleBackupMeta } from './meta-plausibility';
import { hasMetaFileEntries } from './meta-leaf-scan';
import { sniffUnreadableMeta } from './meta-sniff';
import { sha256Hex } from './sha256-hex';
import type { BackupStorage } from './storage';

/** How an operator gives brflow the key; named when an encrypted backup comes without one. */
const HOW_TO_GIVE_KEY = 'give its key: the restore input\'s crypter {"method": "aes256-ctr", "keyFile": "/path/on/worker"} ' +
  '(or BRFLOW_CRYPTER_METHOD and BRFLOW_CRYPTER_KEY_FILE on the workers), or --crypter.method with --crypter.key-file on the command line';

export interface MetaReadOptions {
  /** Key of an encrypted backup (AES128/192/256-CTR, as BR's --crypter.method and --crypter.key give it). */
  cipher?: BackupCipher;
}

/** The root BackupMeta and whether it was stored encrypted. */
export interface RootMeta {
  meta: BackupMeta;
  encrypted: boolean;
}

/**
 * Index trees deeper than this are treated as corrupt: BR writes one or two levels, and a cycle
 * in a crafted backup must not recurse forever.
 */
export const MAX_METAFILE_DEPTH = 16;

/**
 * Reads and decodes `backupmeta`. An encrypted one (16-byte IV ‖ AES-CTR ciphertext, newer BR) is
 * recognised because it does not decode to a plausible BackupMeta (meta-plausibility.ts: random bytes
 * essentially never do); it is then decrypted with the key.
 *
 * @throws BrflowError(BackupMetaMissing) when there is no backupmeta, (BackupEncrypted) when it is
 *   encrypted and no key was given, (BackupMetaCorrupt) when it cannot be decoded.
 */
export async function readRootMeta(storage: BackupStorage, opts: MetaReadOptions = {}): Promise<RootMeta> {
  if (!(await storage.exists(BACKUP_META_NAME))) {
    throw new BrflowError(ErrorType.BackupMetaMissing,
      `no ${BACKUP_META_NAME} at ${storage.description}: is this a BR backup folder?`);
  }
  const bytes = await storage.read(BACKUP_META_NAME);
  const where = `${BACKUP_META_NAME} at ${storage.description}`;
  const plain = decodePlausibleBackupMeta(bytes);
  if ('meta' in plain) {
    checkVersion(plain.meta, where);
    return { meta: plain.meta, encrypted: false };
  }
  if (!opts.cipher) {
    const sniffed = sniffUnreadableMeta(bytes);
    if (sniffed.kind === 'damaged') {
      throw new BrflowError(ErrorType.BackupMetaCorrupt,
        `${where} is damaged: ${sniffed.reason} (${plain.notMeta}); re-copy the backup or take it again (\`brflow verify-backup\` checks every file)`);
    }
    throw new BrflowError(ErrorType.BackupEncrypted,
      `${where} is encrypted (BR ${CIPHER_KEY_OPTION}); ${HOW_TO_GIVE_KEY}`);
  }
  if (bytes.length <= CIPHER_IV_LENGTH) {
    throw new BrflowError(ErrorType.BackupMetaCorrupt, `${where} is ${bytes.length} bytes: too short for a BackupMeta`);
  }
  const cipher = opts.cipher;
  const decrypted = decryptCtr(cipher, bytes.subarray(0, CIPHER_IV_LENGTH), bytes.subarray(CIPHER_IV_LENGTH));
  const decoded = decodePlausibleBackupMeta(decrypted);
  if (!('meta' in decoded)) {
    // CTR has no authentication: a wrong key yields random bytes, which is all we can tell.
    throw new BrflowError(ErrorType.BackupWrongKey,
      `${where} does not decrypt to a BackupMeta with ${cipher.source ?? 'the given key'}: the key or the method is not the one the backup was taken with (or the file is damaged)`);
  }
  checkVersion(decoded.meta, where);
  return { meta: decoded.meta, encrypted: true };
}

/** Loads one metafile named by an index entry: read, decrypt if it has an IV, check size and SHA-256, decode. */
export type MetaFileLoader = (entry: File) => Promise<MetaFile>;

/**
 * Walks a meta v2 index tree depth-first, in stored order, calling `visit` on every leaf: a node
 * without `meta_files` is a leaf (BR's walkLeafMetaFile does the same, ignoring leaf content of
 * inner nodes). The root is the MetaFile embedded in backupmeta (file_index, schema_index, …).
 */
export async function walkMetaFile(
  root: MetaFile | undefined, load: MetaFileLoader, visit: (leaf: MetaFile) => void | Promise<void>,
): Promise<void> {
  const seen = new Set<string>();
  const walk = async (node: MetaFile, depth: number): Promise<void> => {
    if (node.metaFiles.length === 0) {
      await visit(node);
      return;
    }
    if (depth >= MAX_METAFILE_DEPTH) {
      throw new BrflowError(ErrorType.BackupMetaCorrupt, `metafile index is deeper than ${MAX_METAFILE_DEPTH} levels`);
    }
    for (const entry of node.metaFiles) {
      if (seen.has(entry.name)) {
        throw new BrflowError(ErrorType.BackupMetaCorrupt, `metafile ${entry.name} is referenced twice in the index`);
      }
      seen.add(entry.name);
      await walk(await load(entry), depth + 1);
    }
  };
  if (root) await walk(root, 0);
}

/** The loader meta-reader uses: storage + optional key; checks size and SHA-256 of the plaintext. */
export function storageMetaFileLoader(storage: BackupStorage, opts: MetaReadOptions = {}): MetaFileLoader {
  const loadBytes = storageMetaBytesLoader(storage, opts);
  return async (entry) => {
    const { bytes, where } = await loadBytes(entry);
    return decodeMetaFile(bytes, where);
  };
}

/** A metafile's checked plaintext, and how errors about it name it. */
export interface MetaFileBytes {
  bytes: Uint8Array;
  where: string;
}

/** Loads one metafile named by an index entry: read, decrypt if it has an IV, check size and SHA-256; not decoded. */
export type MetaBytesLoader = (entry: File) => Promise<MetaFileBytes>;

/** storageMetaFileLoader without the decoding, for readers that stream a leaf (meta-leaf-scan.ts). */
export function storageMetaBytesLoader(storage: BackupStorage, opts: MetaReadOptions = {}): MetaBytesLoader {
  return async (entry) => {
    const where = `metafile ${entry.name} at ${storage.description}`;
    let bytes = await storage.read(entry.name);
    if (entry.cipherIv.length > 0) {
      if (!opts.cipher) {
        throw new BrflowError(ErrorType.BackupEncrypted,
          `${where} is encrypted (BR ${CIPHER_KEY_OPTION}); ${HOW_TO_GIVE_KEY}`);
      }
      bytes = decryptCtr(opts.cipher, entry.cipherIv, bytes);
    }
    // BR records size and SHA-256 of the plaintext (metautil walkLeafMetaFile checks the hash).
    if (BigInt(bytes.length) !== entry.size) {
      throw new BrflowError(ErrorType.BackupMetaCorrupt,
        `${where} has ${bytes.length} bytes but backupmeta records ${entry.size}: the file is truncated or replaced`);
    }
    const actual = sha256Hex(bytes);
    const expected = Buffer.from(entry.sha256).toString('hex');
    if (actual !== expected) {
      throw new BrflowError(ErrorType.BackupMetaCorrupt,
        `${where} has SHA-256 ${actual} but backupmeta records ${expected}` +
        (entry.cipherIv.length > 0 ? ': the key is wrong or the file is corrupt' : ': the file is corrupt or replaced'));
    }
    return { bytes, where };
  };
}

/**
 * A leaf of a meta v2 index tree: the MetaFile embedded in backupmeta when the tree is that one node (already
 * decoded), or a loaded metafile's checked bytes, left for the caller to stream.
 */
export type MetaLeaf = { decoded: MetaFile } | MetaFileBytes;

/**
 * walkMetaFile over bytes: inner nodes (small: index entries) are decoded, leaves are handed over undecoded,
 * one at a time, so a reader can stream them and drop each before the next is read.
 */
export async function walkMetaLeaves(
  root: MetaFile | undefined, load: MetaBytesLoader, visit: (leaf: MetaLeaf) => void | Promise<void>,
): Promise<void> {
  if (!root) return;
  if (root.metaFiles.length === 0) {
    await visit({ decoded: root });
    return;
  }
  const seen = new Set<string>();
  const walk = async (entries: readonly File[], depth: number): Promise<void> => {
    if (depth >= MAX_METAFILE_DEPTH) {
      throw new BrflowError(ErrorType.BackupMetaCorrupt, `metafile index is deeper than ${MAX_METAFILE_DEPTH} levels`);
    }
    for (const entry of entries) {
      if (seen.has(entry.name)) {
        throw new BrflowError(ErrorType.BackupMetaCorrupt, `metafile ${entry.name} is referenced twice in the index`);
      }
      seen.add(entry.name);
      const leaf = await load(entry);
      if (hasMetaFileEntries(leaf.bytes, leaf.where)) await walk(decodeMetaFile(leaf.bytes, leaf.where).metaFiles, depth + 1);
      else await visit(leaf);
    }
  };
  await walk(root.metaFiles, 0);
}

/** Everything a backup's metadata lists, gathered from v1 inline fields or v2 index trees. */
export interface MetaContents<F = File> {
  /** Each data file as `mapFile` made it (the decoded File by default). */
  dataFiles: F[];
  schemas: Schema[];
  rawRanges: RawRange[];
  /** The DDL jobs as one JSON array text. */
  ddlsJson: string;
  /** True when any metafile entry carried a cipher IV. */
  encryptedMetafiles: boolean;
}

/**
 * Collects data files, schemas, raw ranges and DDLs of a backup, v1 or v2. `mapFile` turns each data file into
 * what the caller keeps as soon as its metafile leaf is decoded, so the decoded messages (and the metafile
 * bytes their key fields point into) are garbage leaf by leaf instead of all alive at once.
 */
export async function readMetaContents(root: BackupMeta, load: MetaFileLoader): Promise<MetaContents>;
export async function readMetaContents<F>(root: BackupMeta, load: MetaFileLoader, mapFile: (f: File) => F): Promise<MetaContents<F>>;
export async function readMetaContents<F>(root: BackupMeta, load: MetaFileLoader, mapFile?: (f: File) => F): Promise<MetaContents<F | File>> {
  const map: (f: File) => F | File = mapFile ?? ((f: File) => f);
  if (root.version === META_V1) {
    return {
      dataFiles: root.files.map((f) => map(f)), schemas: root.schemas, rawRanges: root.rawRanges,
      ddlsJson: new TextDecoder().decode(root.ddls), encryptedMetafiles: false,
    };
  }
  let encryptedMetafiles = false;
  const tracked: MetaFileLoader = (entry) => {
    if (entry.cipherIv.length > 0) encryptedMetafiles = true;
    return load(entry);
  };
  const out: MetaContents<F | File> = { dataFiles: [], schemas: [], rawRanges: [], ddlsJson: '[]', encryptedMetafiles: false };
  await walkMetaFile(root.fileIndex, tracked, (leaf) => {
    for (const f of leaf.dataFiles) out.dataFiles.push(map(f));
  });
  await walkMetaFile(root.schemaIndex, tracked, (leaf) => { out.schemas.push(...leaf.schemas); });
  await walkMetaFile(root.rawRangeIndex, tracked, (leaf) => { out.rawRanges.push(...leaf.rawRanges); });
  const ddls: Uint8Array[] = [];
  await walkMetaFile(root.ddlIndexes, tracked, (leaf) => { ddls.push(...leaf.ddls); });
  out.ddlsJson = joinDdlEntries(ddls);
  out.encryptedMetafiles = encryptedMetafiles;
  return out;
}

function checkVersion(meta: BackupMeta, where: string): void {
  if (meta.version !== META_V1 && meta.version !== META_V2) {
    throw new BrflowError(ErrorType.BackupMetaCorrupt,
      `${where} has metadata version ${meta.version}; brflow reads versions ${META_V1} (v1) and ${META_V2} (v2)`);
  }
}
