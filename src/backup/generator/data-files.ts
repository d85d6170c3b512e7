import { createHash } from 'node:crypto';
import { appendTs, compareBytes, concatBytes, encodeBytes, recordPrefix, tablePrefix } from '../../plan/keys';
import { encryptCtr, syntheticIv, type BackupCipher } from '../cipher';
import { KvChecksum } from '../crc64';
import { encodeMvccWrite, SHORT_VALUE_MAX_LEN } from '../mvcc-write';
import { type SstCompression, type SstEntryInput, writeSst } from '../sst';
import type { Dataset, KvVersion } from './dataset';
import type { Prng } from './prng';

/**
 * Lays a dataset out as TiKV's backup writes it: per physical table one backup range for the records and one
 * per index, each range cut into "regions", each region one write-CF SST plus a default-CF SST when some value
 * exceeds 255 bytes. Keys in the SSTs are 'z' ‖ memcomparable(raw) ‖ ^ts; file checksums count each version
 * once, in the default-CF file when its value lives there (TiKV components/backup writer.rs).
 */
export interface DataFile {
  name: string;
  cf: 'default' | 'write';
  /** Length of the stored SST in bytes. */
  size: number;
  sha256: Uint8Array;
  /** Raw TiDB keys; end exclusive. */
  startKey: Uint8Array;
  endKey: Uint8Array;
  startVersion: bigint;
  endVersion: bigint;
  crc64xor: bigint;
  totalKvs: bigint;
  totalBytes: bigint;
  physicalId: number;
  /** IV of an encrypted file (the SST is stored AES-CTR encrypted; size and sha256 are of the stored bytes). */
  cipherIv?: Uint8Array;
}

export interface DataFileOptions {
  compression: SstCompression;
  /** Unix ms written into file names (the fake clock's backup time). */
  unixMs: number;
  /** At most this many regions per backup range. @default 3 */
  regionsPerRange?: number;
  /** Encrypts every SST as TiKV's backup does with BR --crypter.method: AES-CTR, IV in File.cipher_iv. */
  cipher?: BackupCipher;
}

const DATA_KEY_PREFIX = new Uint8Array([0x7a]); // 'z'
const STORES = 3;
const FIRST_REGION_ID = 1000;

interface Range {
  start: Uint8Array;
  end: Uint8Array;
  versions: KvVersion[];
}

function prefixNext(p: Uint8Array): Uint8Array {
  const out = Uint8Array.from(p);
  for (let i = out.length - 1; i >= 0; i--) {
    out[i] = ((out[i] as number) + 1) & 0xff;
    if (out[i] !== 0) return out;
  }
  // kv.Key.PrefixNext of all-0xff bytes: the key itself followed by 0x00.
  return concatBytes(p, new Uint8Array([0]));
}

const BYTES_FLAG = 0x01; // codec encoding of MinNotNull
const MAX_FLAG_NEXT = new Uint8Array([0xfb]); // PrefixNext of MaxValue's flag 0xfa
const MIN_INT_HANDLE = new Uint8Array(8); // i64cmp(MinInt64)
const MAX_INT_HANDLE = new Uint8Array(8).fill(0xff); // i64cmp(MaxInt64)

/**
 * Backup ranges of one physical table, as BR builds them (backup BuildTableRanges → distsql): the record range
 * [t{id}_r‖i64cmp(MinInt64), t{id}_r‖PrefixNext(i64cmp(MaxInt64))) for int handles or [t{id}_r‖0x01, t{id}_r‖0xfb)
 * for common handles, and [t{id}_i{idx}‖0x00, t{id}_i{idx}‖0xfb) per index. Both ends stay inside the record /
 * index prefix, which BR's ValidateFileRewriteRule requires of every file's start and end key.
 */
function rangesOf(pid: number, commonHandle: boolean, versions: KvVersion[]): Range[] {
  const rec = recordPrefix(pid);
  const byIndex = new Map<string, Range>();
  const records: KvVersion[] = [];
  const tp = tablePrefix(pid);
  for (const v of versions) {
    if (v.key[tp.length + 1] === 0x72) {
      records.push(v);
      continue;
    }
    const prefix = v.key.subarray(0, tp.length + 10);
    const k = Buffer.from(prefix).toString('hex');
    let r = byIndex.get(k);
    if (!r) byIndex.set(k, (r = { start: concatBytes(prefix, new Uint8Array([0])), end: concatBytes(prefix, MAX_FLAG_NEXT), versions: [] }));
    r.versions.push(v);
  }
  const out: Range[] = [];
  if (records.length > 0) {
    out.push(commonHandle
      ? { start: concatBytes(rec, new Uint8Array([BYTES_FLAG])), end: concatBytes(rec, MAX_FLAG_NEXT), versions: records }
      : { start: concatBytes(rec, MIN_INT_HANDLE), end: concatBytes(rec, prefixNext(MAX_INT_HANDLE)), versions: records });
  }
  out.push(...[...byIndex.values()].sort((a, b) => compareBytes(a.start, b.start)));
  return out;
}

/** SST order: raw key ascending, then newer commit first (the ^ts suffix). */
function sortVersions(vs: KvVersion[]): KvVersion[] {
  return [...vs].sort((a, b) => compareBytes(a.key, b.key) || (a.commitTs > b.commitTs ? -1 : a.commitTs < b.commitTs ? 1 : 0));
}

function sha256(b: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(b).digest());
}

/** Receives each SST as it is built, so only one region's files are in memory at a time. */
export type DataFileSink = (file: DataFile, bytes: Uint8Array) => Promise<void>;

/**
 * Builds every data file of the dataset, in backup-range order, handing each to `sink`. Versions are
 * generated table by table and dropped once their files are out.
 */
export async function buildDataFiles(ds: Dataset, opts: DataFileOptions, rng: Prng, sink: DataFileSink): Promise<DataFile[]> {
  const out: DataFile[] = [];
  const ctx = { regionId: FIRST_REGION_ID, maxRegions: opts.regionsPerRange ?? 3, rng, opts, ds };
  for (const table of ds.tables) {
    const versions = table.versions();
    for (const pid of table.physicalIds) {
      for (const range of rangesOf(pid, table.info.is_common_handle, versions.get(pid) ?? [])) {
        for (const { file, bytes } of rangeFiles(range, pid, ctx)) {
          await sink(file, bytes);
          out.push(file);
        }
      }
      versions.delete(pid);
    }
  }
  return out;
}

/** Cuts one backup range into regions (between distinct keys, so every version of a key stays in one file). */
function rangeFiles(range: Range, pid: number, ctx: { regionId: number; maxRegions: number; rng: Prng; opts: DataFileOptions; ds: Dataset }): BuiltFile[] {
  const sorted = sortVersions(range.versions);
  const keyStarts: number[] = [];
  sorted.forEach((v, i) => {
    if (i === 0 || compareBytes(sorted[i - 1]!.key, v.key) !== 0) keyStarts.push(i);
  });
  const regions = Math.min(ctx.maxRegions, keyStarts.length);
  const cuts = Array.from({ length: regions }, (_, r) => keyStarts[Math.floor((r * keyStarts.length) / regions)]!);
  const out: BuiltFile[] = [];
  for (let r = 0; r < regions; r++) {
    const from = cuts[r]!;
    const to = r + 1 < regions ? cuts[r + 1]! : sorted.length;
    const chunk = sorted.slice(from, to);
    const start = r === 0 ? range.start : chunk[0]!.key;
    const end = to < sorted.length ? sorted[to]!.key : range.end;
    ctx.regionId += ctx.rng.int(1, 7);
    const store = (ctx.regionId % STORES) + 1;
    const epochVersion = ctx.rng.int(1, 60);
    const base = `${store}/${ctx.regionId}_${epochVersion}_${Buffer.from(sha256(encodeBytes(start))).toString('hex')}_${ctx.opts.unixMs}`;
    out.push(...regionFiles(chunk, { base, start, end, pid, ds: ctx.ds, compression: ctx.opts.compression, cipher: ctx.opts.cipher }));
  }
  return out;
}

interface BuiltFile {
  file: DataFile;
  bytes: Uint8Array;
}

function regionFiles(chunk: KvVersion[], f: { base: string; start: Uint8Array; end: Uint8Array; pid: number; ds: Dataset; compression: SstCompression; cipher: BackupCipher | undefined }): BuiltFile[] {
  const write: SstEntryInput[] = [];
  const deflt: SstEntryInput[] = [];
  const writeSum = new KvChecksum();
  const defaultSum = new KvChecksum();
  for (const v of chunk) {
    const encoded = concatBytes(DATA_KEY_PREFIX, encodeBytes(v.key));
    if (v.value === null) {
      write.push({ key: appendTs(encoded, v.commitTs), value: encodeMvccWrite({ type: 'delete', startTs: v.startTs }) });
      writeSum.update(v.key, new Uint8Array(0));
    } else if (v.value.length > SHORT_VALUE_MAX_LEN) {
      write.push({ key: appendTs(encoded, v.commitTs), value: encodeMvccWrite({ type: 'put', startTs: v.startTs }) });
      deflt.push({ key: appendTs(encoded, v.startTs), value: v.value });
      defaultSum.update(v.key, v.value);
    } else {
      write.push({ key: appendTs(encoded, v.commitTs), value: encodeMvccWrite({ type: 'put', startTs: v.startTs, shortValue: v.value }) });
      writeSum.update(v.key, v.value);
    }
  }
  // Default-CF keys carry start_ts, so their order can differ from the write CF's.
  deflt.sort((a, b) => compareBytes(a.key, b.key));
  const file = (cf: 'default' | 'write', entries: SstEntryInput[], sum: KvChecksum): BuiltFile => {
    const name = `${f.base}_${cf}.sst`;
    const plain = writeSst(entries, { compression: f.compression });
    // TiKV hashes what it uploads: with a crypter that is the ciphertext (backup writer.rs: Sha256Reader over
    // the EncrypterReader). CTR keeps the length, so size is the same either way.
    const enc = f.cipher ? encryptCtr(f.cipher, plain, syntheticIv(f.cipher, name, plain)) : undefined;
    const bytes = enc ? enc.data : plain;
    return {
      bytes,
      file: {
        name, cf, size: bytes.length, sha256: sha256(bytes), startKey: f.start, endKey: f.end,
        startVersion: f.ds.startVersion, endVersion: f.ds.endVersion,
        crc64xor: sum.crc64xor, totalKvs: sum.totalKvs, totalBytes: sum.totalBytes, physicalId: f.pid,
        ...(enc ? { cipherIv: enc.iv } : {}),
      },
    };
  };
  const files: BuiltFile[] = [];
  if (deflt.length > 0) files.push(file('default', deflt, defaultSum));
  files.push(file('write', write, writeSum));
  return files;
}
