/**
 * Block compression as RocksDB's block-based table stores it (util/compression.h, format_version ≥ 2):
 * snappy is raw snappy (it carries its own length); zlib, lz4, lz4hc and zstd are `varint32 uncompressed_len`
 * followed by raw deflate / a raw LZ4 block / a zstd frame.
 *
 * zstd comes from a WebAssembly module that must be instantiated asynchronously once per process:
 * call {@link initSstCodecs} (idempotent) before reading or writing zstd SSTs. Everything else is synchronous.
 */

import { deflateRawSync, inflateRawSync } from 'node:zlib';
import * as snappy from 'snappyjs';
import * as zstd from '@bokuweb/zstd-wasm';
import { BrflowError, ErrorType } from '../../plan/error-types';
import { ByteWriter, readVarint } from './byte-writer';
import { lz4CompressBlock, lz4DecompressBlock } from './lz4-block';

/** RocksDB `CompressionType` byte values found in block trailers. */
export const CompressionType = {
  none: 0,
  snappy: 1,
  zlib: 2,
  bzip2: 3,
  lz4: 4,
  lz4hc: 5,
  xpress: 6,
  zstd: 7,
} as const;

/** Compressions the writer can produce. */
export type SstCompression = 'none' | 'snappy' | 'zlib' | 'lz4' | 'zstd';

/** The `rocksdb.compression` property value RocksDB writes for each type (CompressionTypeToString). */
export const COMPRESSION_NAME: Record<SstCompression, string> = {
  none: 'NoCompression',
  snappy: 'Snappy',
  zlib: 'Zlib',
  lz4: 'LZ4',
  zstd: 'ZSTD',
};

/** RocksDB's default zstd level (ZSTD_CLEVEL_DEFAULT); what TiKV uses when BR sends compression_level 0. */
export const ZSTD_DEFAULT_LEVEL = 3;

let zstdReady = false;
let zstdInit: Promise<void> | undefined;

/** Instantiates the zstd WebAssembly module. Idempotent and safe to call concurrently. */
export async function initSstCodecs(): Promise<void> {
  if (zstdReady) return;
  zstdInit ??= zstd.init().then(() => {
    zstdReady = true;
  });
  await zstdInit;
}

function requireZstd(): void {
  if (!zstdReady) {
    throw new BrflowError(ErrorType.Internal, 'zstd codec used before initialisation: await initSstCodecs() once at start-up');
  }
}

function withLengthPrefix(rawLen: number, body: Uint8Array): Uint8Array {
  const w = new ByteWriter(body.length + 5);
  w.varint(rawLen);
  w.bytes(body);
  return w.finish();
}

/** Compresses one block payload in RocksDB's stored form for `kind` (format_version ≥ 2). */
export function compressBlockPayload(kind: Exclude<SstCompression, 'none'>, raw: Uint8Array, zstdLevel = ZSTD_DEFAULT_LEVEL): Uint8Array {
  switch (kind) {
    case 'snappy':
      return snappy.compress(raw);
    case 'lz4':
      return withLengthPrefix(raw.length, lz4CompressBlock(raw));
    case 'zlib':
      // RocksDB's zlib uses window_bits -14: a raw deflate stream without zlib header.
      return withLengthPrefix(raw.length, deflateRawSync(raw, { windowBits: 14 }));
    case 'zstd':
      requireZstd();
      return withLengthPrefix(raw.length, zstd.compress(raw, zstdLevel));
  }
}

/**
 * The content size a zstd frame header declares: a number, 'absent', or an error message. Checked against the
 * block's own length prefix before decompressing, because the wasm decoder sizes its output buffer from this
 * header, and a damaged header must not make it allocate gigabytes or write past a failed allocation.
 */
function zstdFrameContentSize(f: Uint8Array): number | 'absent' | string {
  if (f.length < 5 || f[0] !== 0x28 || f[1] !== 0xb5 || f[2] !== 0x2f || f[3] !== 0xfd) return 'zstd frame magic missing';
  const fhd = f[4] as number;
  const fcsFlag = fhd >>> 6;
  const singleSegment = (fhd >>> 5) & 1;
  let pos = 5 + (singleSegment ? 0 : 1) + ([0, 1, 2, 4][fhd & 3] as number);
  const size = [singleSegment ? 1 : 0, 2, 4, 8][fcsFlag] as number;
  if (size === 0) return 'absent';
  if (pos + size > f.length) return 'zstd frame header truncated';
  let v = 0;
  for (let i = size - 1; i >= 0; i--) v = v * 256 + (f[pos + i] as number);
  pos += size;
  return size === 2 ? v + 256 : v;
}

/**
 * Decompresses a stored block payload of trailer type `type`. Returns the raw block, or an error message the caller
 * turns into SstCorrupt naming the block.
 */
export function decompressBlockPayload(type: number, payload: Uint8Array): Uint8Array | string {
  if (type === CompressionType.none) return payload;
  if (type === CompressionType.snappy) {
    try {
      // Snappy's best ratio is a 3-byte copy of 64 bytes (~21×); a larger declared length is damage, refused
      // before snappyjs allocates it.
      return snappy.uncompress(payload, payload.length * 24 + 1024);
    } catch (e) {
      return `snappy decompression failed (${(e as Error).message})`;
    }
  }
  if (type === CompressionType.zlib || type === CompressionType.lz4 || type === CompressionType.lz4hc || type === CompressionType.zstd) {
    const len = readVarint(payload, 0, Math.min(payload.length, 5));
    if (!len || len.value > 0xffffffff) return 'uncompressed-length prefix is malformed';
    const body = payload.subarray(len.next);
    if (type === CompressionType.lz4 || type === CompressionType.lz4hc) return lz4DecompressBlock(body, len.value);
    let out: Uint8Array;
    try {
      if (type === CompressionType.zlib) {
        out = new Uint8Array(inflateRawSync(body, { windowBits: 15, maxOutputLength: Math.max(len.value, 1) }));
      } else {
        requireZstd();
        const declared = zstdFrameContentSize(body);
        if (typeof declared === 'string' && declared !== 'absent') return declared;
        if (typeof declared === 'number' && declared !== len.value) return `zstd frame declares ${declared} bytes, the block declares ${len.value}`;
        out = zstd.decompress(body, { defaultHeapSize: Math.max(len.value, 1) });
      }
    } catch (e) {
      if (e instanceof BrflowError) throw e;
      return `${type === CompressionType.zstd ? 'zstd' : 'zlib'} decompression failed (${(e as Error).message})`;
    }
    if (out.length !== len.value) return `decompressed to ${out.length} bytes, the block declares ${len.value}`;
    return out;
  }
  const names: Record<number, string> = { 3: 'bzip2', 6: 'xpress' };
  return `compression type ${type}${names[type] ? ` (${names[type]})` : ''} is not supported`;
}
