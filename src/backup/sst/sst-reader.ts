/**
 * Reads RocksDB block-based tables (format_version 0–5): footer, metaindex, properties, index (internal- or
 * user-key separators, plain or delta-encoded handles, per the properties) and data blocks, verifying every
 * block's CRC32C and decompressing per the block's own trailer type. Any inconsistency is SstCorrupt naming the
 * block and the failed check.
 *
 * zstd blocks need `await initSstCodecs()` once per process first.
 */

import { crc32c, unmaskCrc32c } from '../crc32c';
import { BLOCK_TRAILER_SIZE, type BlockHandle } from './block-handle';
import { decodeBlockHandle, forEachBlockEntry, readIndexBlock, type IndexEntry } from './block-reader';
import { readFixed32 } from './byte-writer';
import { decompressBlockPayload } from './compression';
import { ChecksumType, decodeFooter, type Footer } from './footer';
import { Prop, propVarint } from './properties';
import { sstCorrupt } from './sst-corrupt';

/** RocksDB ValueType of kTypeValue (a Put). */
export const VALUE_TYPE_PUT = 1;

export interface SstEntry {
  /** User key (internal-key trailer removed). */
  key: Uint8Array;
  value: Uint8Array;
  /** Internal-key sequence number (0 in SstFileWriter output). */
  sequence: bigint;
  /** Internal-key value type: 1 Put, 0 Delete, … */
  valueType: number;
}

export interface SstReadOptions {
  /** Name for error messages (e.g. the backup object name). */
  name?: string;
  /** Verify block checksums. @default true */
  verifyChecksums?: boolean;
}

export interface SstTable {
  formatVersion: number;
  checksumType: number;
  properties: Map<string, Uint8Array>;
  /** Data block handles in key order. */
  dataBlocks: BlockHandle[];
  /** All entries in key order (decoded lazily, block by block). */
  entries(): Generator<SstEntry>;
  /**
   * Visits entries without allocating per-entry objects; `key`/`value` are views valid only during the call.
   * `block` is the index of the data block holding the entry.
   */
  forEach(visit: (key: Uint8Array, value: Uint8Array, valueType: number, block: number) => void): void;
}

const CHECKSUM_NAMES: Record<number, string> = { 2: 'xxHash', 3: 'xxHash64', 4: 'XXH3' };

function hex32(v: number): string {
  return `0x${v.toString(16).padStart(8, '0')}`;
}

/** Opens an SST held in memory: parses footer, metaindex, properties and index; data blocks are read on demand. */
export function openSst(file: Uint8Array, opts: SstReadOptions = {}): SstTable {
  const name = opts.name;
  const verify = opts.verifyChecksums ?? true;
  const footer = decodeFooter(file);
  if (typeof footer === 'string') throw sstCorrupt(name, footer);
  const fileLimit = file.length - footer.size;
  if (verify && footer.checksumType !== ChecksumType.none && footer.checksumType !== ChecksumType.crc32c) {
    const what = CHECKSUM_NAMES[footer.checksumType] ?? `type ${footer.checksumType}`;
    throw sstCorrupt(name, `block checksum ${what} is not supported (TiKV writes CRC32C); read with verifyChecksums: false to skip verification`);
  }

  const readBlock = (h: BlockHandle, what: string): Uint8Array => {
    const at = `${what} at offset ${h.offset}`;
    if (h.offset + h.size + BLOCK_TRAILER_SIZE > fileLimit) {
      throw sstCorrupt(name, `${at}: ${h.size}-byte block runs past the end of the data (file is ${file.length} bytes)`);
    }
    const end = h.offset + h.size;
    const type = file[end] as number;
    if (verify && footer.checksumType === ChecksumType.crc32c) {
      const stored = unmaskCrc32c(readFixed32(file, end + 1));
      const computed = crc32c(file, 0, h.offset, end + 1);
      if (stored !== computed) throw sstCorrupt(name, `${at}: crc32c mismatch (stored ${hex32(stored)}, computed ${hex32(computed)})`);
    }
    const raw = decompressBlockPayload(type, file.subarray(h.offset, end));
    if (typeof raw === 'string') throw sstCorrupt(name, `${at}: ${raw}`);
    return raw;
  };

  const metaindex = readBlock(footer.metaindex, 'metaindex block');
  let propsHandle: BlockHandle | undefined;
  const metaErr = forEachBlockEntry(metaindex, (key, value) => {
    const k = new TextDecoder().decode(key);
    if (k === 'rocksdb.properties' || k === 'rocksdb.stats') propsHandle = decodeBlockHandle(value);
  });
  if (metaErr) throw sstCorrupt(name, `metaindex block at offset ${footer.metaindex.offset}: ${metaErr}`);

  const properties = new Map<string, Uint8Array>();
  if (propsHandle) {
    const propsBlock = readBlock(propsHandle, 'properties block');
    const err = forEachBlockEntry(propsBlock, (key, value) => {
      properties.set(new TextDecoder().decode(key), value.slice());
    });
    if (err) throw sstCorrupt(name, `properties block at offset ${propsHandle.offset}: ${err}`);
  }

  const valueDelta = (propVarint(properties, Prop.indexValueIsDeltaEncoded) ?? 0) !== 0;
  const indexType = properties.get(Prop.indexType);
  if (indexType && indexType.length === 4) {
    const t = readFixed32(indexType, 0);
    // 0 binary search and 1 hash search share the index block layout; 2 (partitioned) and 3 (with first key) differ.
    if (t !== 0 && t !== 1) throw sstCorrupt(name, `index type ${t} (partitioned or first-key index) is not supported; TiKV writes a binary-search index`);
  }
  const indexRaw = readBlock(footer.index, 'index block');
  const index = readIndexBlock(indexRaw, valueDelta, BLOCK_TRAILER_SIZE);
  if (typeof index === 'string') throw sstCorrupt(name, `index block at offset ${footer.index.offset}: ${index}`);
  const dataBlocks = index.map((e: IndexEntry) => e.handle);

  const visitBlock = (h: BlockHandle, i: number, visit: (key: Uint8Array, value: Uint8Array, valueType: number, seqLo: number, seqHi: number) => void): void => {
    const block = readBlock(h, `data block ${i}`);
    let bad: string | undefined;
    const err = forEachBlockEntry(block, (ikey, value) => {
      if (bad) return;
      const n = ikey.length - 8;
      if (n < 0) {
        bad = `an internal key of ${ikey.length} bytes has no 8-byte trailer`;
        return;
      }
      const lo = readFixed32(ikey, n);
      const hi = readFixed32(ikey, n + 4);
      visit(ikey.subarray(0, n), value, lo & 0xff, lo, hi);
    });
    if (err ?? bad) throw sstCorrupt(name, `data block ${i} at offset ${h.offset}: ${err ?? bad}`);
  };

  return {
    formatVersion: footer.formatVersion,
    checksumType: footer.checksumType,
    properties,
    dataBlocks,
    *entries(): Generator<SstEntry> {
      for (let i = 0; i < dataBlocks.length; i++) {
        const batch: SstEntry[] = [];
        // Keys and values are copied into shared per-block arenas: one ArrayBuffer per ~block instead of two per
        // entry keeps the garbage collector out of the way when reading 100k files.
        let arena = new Uint8Array((dataBlocks[i] as BlockHandle).size * 2 + 1024);
        let used = 0;
        const copy = (b: Uint8Array): Uint8Array => {
          if (used + b.length > arena.length) {
            arena = new Uint8Array(Math.max(arena.length, b.length));
            used = 0;
          }
          const view = arena.subarray(used, used + b.length);
          view.set(b);
          used += b.length;
          return view;
        };
        visitBlock(dataBlocks[i] as BlockHandle, i, (key, value, valueType, lo, hi) => {
          // SstFileWriter output has sequence 0 everywhere; skip BigInt work on that common path.
          const sequence = hi === 0 && lo >>> 8 === 0 ? 0n : ((BigInt(hi) << 32n) | BigInt(lo)) >> 8n;
          batch.push({ key: copy(key), value: copy(value), valueType, sequence });
        });
        yield* batch;
      }
    },
    forEach(visit): void {
      for (let i = 0; i < dataBlocks.length; i++) visitBlock(dataBlocks[i] as BlockHandle, i, (k, v, t) => visit(k, v, t, i));
    },
  };
}

export interface SstContents {
  formatVersion: number;
  properties: Map<string, Uint8Array>;
  entries: SstEntry[];
}

/** Reads a whole SST into memory. */
export function readSst(file: Uint8Array, opts: SstReadOptions = {}): SstContents {
  const t = openSst(file, opts);
  return { formatVersion: t.formatVersion, properties: t.properties, entries: [...t.entries()] };
}

export type { Footer };
