/**
 * Writes a RocksDB block-based table the way TiKV's backup `SstFileWriter` does: format_version 2, CRC32C block
 * checksums, every key an internal key with sequence 0 and type Put, data blocks of ~blockSize with restart
 * interval 16, a binary-search index whose separators are each block's last key, no filter block, and the
 * SstFileWriter properties (`rocksdb.external_sst_file.version` = 2, `global_seqno` = 0).
 *
 * Layout: [data blocks][index][properties][metaindex][footer].
 */

import { BrflowError, ErrorType } from '../../plan/error-types';
import { crc32c, maskCrc32c } from '../crc32c';
import { BlockBuilder } from './block-builder';
import { BLOCK_TRAILER_SIZE, type BlockHandle } from './block-handle';
import { ByteWriter } from './byte-writer';
import { COMPRESSION_NAME, CompressionType, ZSTD_DEFAULT_LEVEL, compressBlockPayload, type SstCompression } from './compression';
import { ChecksumType, encodeFooter } from './footer';
import { Prop, fixed32Bytes, fixed64Bytes, varintBytes } from './properties';

/** One KV as given to the writer: a user key (the internal-key trailer is added) and its value. */
export interface SstEntryInput {
  key: Uint8Array;
  value: Uint8Array;
}

export interface SstWriteOptions {
  /** @default 'zstd' (BR's `--compression` default) */
  compression?: SstCompression;
  /** Target uncompressed data block size in bytes. @default 32768 (TiKV defaultcf/writecf) */
  blockSize?: number;
  /** @default 3 (RocksDB's default; what TiKV uses for BR's compression_level 0) */
  zstdLevel?: number;
  /** Extra properties (e.g. TiKV's `tikv.*` collectors). Strings are stored as UTF-8. */
  userProperties?: ReadonlyMap<string, Uint8Array | string> | Readonly<Record<string, Uint8Array | string>>;
  /** Column family recorded in the properties; TiKV builds its writers with the target CF. Omitted when absent. */
  columnFamily?: { id: number; name: string };
}

/** Format version TiKV configures (`format_version.unwrap_or(2)`). */
export const SST_FORMAT_VERSION = 2;
export const DEFAULT_BLOCK_SIZE = 32 * 1024;
const DATA_RESTART_INTERVAL = 16;
/** RocksDB `block_size_deviation` default: close a block early if the next entry would overflow it by >10%. */
const BLOCK_SIZE_DEVIATION = 10;
/** Internal-key trailer for (sequence 0, kTypeValue): u64 LE of (0 << 8 | 1). */
const PUT_TRAILER = Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0);
/** `kUnknownColumnFamily`: what SstFileWriter records without a column family handle. */
const UNKNOWN_CF_ID = 0x7fffffff;

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

class TableOut {
  readonly buf = new ByteWriter(64 * 1024);

  /** Appends payload + trailer (type, masked CRC32C over payload ‖ type) and returns its handle. */
  writeRaw(payload: Uint8Array, type: number): BlockHandle {
    const handle = { offset: this.buf.length, size: payload.length };
    this.buf.bytes(payload);
    this.buf.byte(type);
    const crc = crc32c(Uint8Array.of(type), crc32c(payload));
    this.buf.fixed32(maskCrc32c(crc));
    return handle;
  }

  /** Compresses like RocksDB: keep the compressed form only if it saves at least 12.5% (GoodCompressionRatio). */
  writeBlock(raw: Uint8Array, compression: SstCompression, zstdLevel: number): BlockHandle {
    if (compression !== 'none') {
      const packed = compressBlockPayload(compression, raw, zstdLevel);
      if (packed.length < raw.length - Math.floor(raw.length / 8)) return this.writeRaw(packed, CompressionType[compression]);
    }
    return this.writeRaw(raw, CompressionType.none);
  }
}

function encodeHandle(h: BlockHandle): Uint8Array {
  const w = new ByteWriter(20);
  w.varint(h.offset);
  w.varint(h.size);
  return w.finish().slice();
}

/**
 * Builds a whole SST in memory. Keys must be strictly increasing (bytewise). zstd needs
 * `await initSstCodecs()` once per process first.
 */
export function writeSst(entries: Iterable<SstEntryInput>, opts: SstWriteOptions = {}): Uint8Array {
  const compression = opts.compression ?? 'zstd';
  const blockSize = opts.blockSize ?? DEFAULT_BLOCK_SIZE;
  const zstdLevel = opts.zstdLevel ?? ZSTD_DEFAULT_LEVEL;
  if (!(blockSize > 0)) throw new BrflowError(ErrorType.InvalidInput, `blockSize ${blockSize} must be positive`);
  const deviationLimit = Math.floor((blockSize * (100 - BLOCK_SIZE_DEVIATION) + 99) / 100);

  const out = new TableOut();
  const data = new BlockBuilder(DATA_RESTART_INTERVAL);
  const index = new BlockBuilder(1);
  let prevKey: Uint8Array | undefined;
  let numEntries = 0;
  let numBlocks = 0;
  let rawKeySize = 0;
  let rawValueSize = 0;

  const flush = (): void => {
    const lastKey = data.lastKeyCopy();
    const handle = out.writeBlock(data.finish(), compression, zstdLevel);
    index.add(lastKey, encodeHandle(handle));
    data.reset();
    numBlocks++;
  };

  for (const { key, value } of entries) {
    if (prevKey && compareBytes(prevKey, key) >= 0) {
      throw new BrflowError(ErrorType.Internal, `SST entries must be strictly increasing: entry ${numEntries} is not after the previous key`);
    }
    prevKey = key;
    const internalLen = key.length + PUT_TRAILER.length;
    if (!data.isEmpty) {
      const cur = data.sizeEstimate;
      if (cur >= blockSize || (data.estimateSizeAfter(internalLen, value.length) > blockSize && cur > deviationLimit)) flush();
    }
    data.add(key, value, PUT_TRAILER);
    numEntries++;
    rawKeySize += internalLen;
    rawValueSize += value.length;
  }
  if (!data.isEmpty) flush();
  const dataSize = out.buf.length;

  const indexRaw = index.finish();
  const indexHandle = out.writeBlock(indexRaw, compression, zstdLevel);

  const props = new Map<string, Uint8Array>();
  const text = new TextEncoder();
  props.set(Prop.indexType, fixed32Bytes(0));
  props.set(Prop.prefixFiltering, text.encode('0'));
  props.set(Prop.wholeKeyFiltering, text.encode('1'));
  props.set(Prop.columnFamilyId, varintBytes(opts.columnFamily?.id ?? UNKNOWN_CF_ID));
  if (opts.columnFamily?.name) props.set(Prop.columnFamilyName, text.encode(opts.columnFamily.name));
  props.set(Prop.comparator, text.encode('leveldb.BytewiseComparator'));
  props.set(Prop.compression, text.encode(COMPRESSION_NAME[compression]));
  props.set(Prop.compressionOptions, text.encode(`window_bits=-14; level=${compression === 'zstd' ? zstdLevel : 32767}; strategy=0; max_dict_bytes=0; zstd_max_train_bytes=0; enabled=0; `));
  props.set(Prop.creationTime, varintBytes(0));
  props.set(Prop.dataSize, varintBytes(dataSize));
  props.set(Prop.deletedKeys, varintBytes(0));
  props.set(Prop.externalSstGlobalSeqno, fixed64Bytes(0n));
  props.set(Prop.externalSstVersion, fixed32Bytes(2));
  props.set(Prop.filterSize, varintBytes(0));
  props.set(Prop.fixedKeyLen, varintBytes(0));
  // The table-level `rocksdb.format.version` property belongs to plain tables; block-based tables record 0.
  props.set(Prop.formatVersion, varintBytes(0));
  props.set(Prop.indexKeyIsUserKey, varintBytes(0));
  props.set(Prop.indexSize, varintBytes(indexRaw.length + BLOCK_TRAILER_SIZE));
  props.set(Prop.indexValueIsDeltaEncoded, varintBytes(0));
  props.set(Prop.mergeOperands, varintBytes(0));
  props.set(Prop.mergeOperator, text.encode('nullptr'));
  props.set(Prop.numDataBlocks, varintBytes(numBlocks));
  props.set(Prop.numEntries, varintBytes(numEntries));
  props.set(Prop.numRangeDeletions, varintBytes(0));
  props.set(Prop.oldestKeyTime, varintBytes(0));
  props.set(Prop.prefixExtractor, text.encode('nullptr'));
  props.set(Prop.propertyCollectors, text.encode('[]'));
  props.set(Prop.rawKeySize, varintBytes(rawKeySize));
  props.set(Prop.rawValueSize, varintBytes(rawValueSize));
  const user = opts.userProperties;
  if (user) {
    const pairs = user instanceof Map ? [...user.entries()] : Object.entries(user);
    for (const [k, v] of pairs) props.set(k, typeof v === 'string' ? text.encode(v) : v);
  }
  const sortedNames = [...props.keys()]
    .map((k) => ({ k, b: text.encode(k) }))
    .sort((a, b) => compareBytes(a.b, b.b));
  // RocksDB 7.x writes the properties block with a single restart point (keys share the "rocksdb." prefix).
  const propBlock = new BlockBuilder(Number.MAX_SAFE_INTEGER);
  for (const { k, b } of sortedNames) propBlock.add(b, props.get(k) as Uint8Array);
  const propsHandle = out.writeRaw(propBlock.finish(), CompressionType.none);

  const meta = new BlockBuilder(1);
  meta.add(text.encode('rocksdb.properties'), encodeHandle(propsHandle));
  const metaHandle = out.writeRaw(meta.finish(), CompressionType.none);

  out.buf.bytes(encodeFooter({ checksumType: ChecksumType.crc32c, formatVersion: SST_FORMAT_VERSION, metaindex: metaHandle, index: indexHandle }));
  return out.buf.finish().slice();
}
