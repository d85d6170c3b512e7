/**
 * The SST footer (table/format.cc). Block-based tables since format_version 1 end in 53 bytes:
 * u8 checksum type, metaindex handle, index handle (varint pairs, zero-padded to 40 bytes), u32 format_version,
 * u64 magic 0x88e241b785f4cff7. The legacy (format_version 0) footer is 48 bytes: the handles padded to 40, then
 * the legacy magic 0xdb4775248b80fb57, with CRC32C implied.
 */

import type { BlockHandle } from './block-handle';
import { ByteWriter, readFixed32, readVarint } from './byte-writer';

export const FOOTER_SIZE = 53;
export const LEGACY_FOOTER_SIZE = 48;
const HANDLES_SIZE = 40;
/** Magic as stored (little-endian u64 0x88e241b785f4cff7). */
const MAGIC_LO = 0x85f4cff7;
const MAGIC_HI = 0x88e241b7;
const LEGACY_MAGIC_LO = 0x8b80fb57;
const LEGACY_MAGIC_HI = 0xdb477524;

/** RocksDB ChecksumType values. */
export const ChecksumType = { none: 0, crc32c: 1, xxHash: 2, xxHash64: 3, xxh3: 4 } as const;

export interface Footer {
  checksumType: number;
  formatVersion: number;
  metaindex: BlockHandle;
  index: BlockHandle;
  /** Bytes the footer occupies at the end of the file. */
  size: number;
}

export function encodeFooter(f: Omit<Footer, 'size'>): Uint8Array {
  const w = new ByteWriter(FOOTER_SIZE);
  w.byte(f.checksumType);
  w.varint(f.metaindex.offset);
  w.varint(f.metaindex.size);
  w.varint(f.index.offset);
  w.varint(f.index.size);
  w.padTo(1 + HANDLES_SIZE);
  w.fixed32(f.formatVersion);
  w.fixed32(MAGIC_LO);
  w.fixed32(MAGIC_HI);
  return w.finish();
}

/** Decodes the footer at the end of `file`, or returns a message saying what is wrong. */
export function decodeFooter(file: Uint8Array): Footer | string {
  const n = file.length;
  if (n < LEGACY_FOOTER_SIZE) return `file of ${n} bytes is shorter than an SST footer`;
  const lo = readFixed32(file, n - 8);
  const hi = readFixed32(file, n - 4);
  let pos: number;
  let f: Pick<Footer, 'checksumType' | 'formatVersion' | 'size'>;
  if (lo === MAGIC_LO && hi === MAGIC_HI) {
    if (n < FOOTER_SIZE) return `file of ${n} bytes is shorter than a format_version ≥ 1 footer`;
    const start = n - FOOTER_SIZE;
    const formatVersion = readFixed32(file, n - 12);
    if (formatVersion >= 6) {
      return `format_version ${formatVersion} (RocksDB ≥ 8.6 footer) is not supported; TiKV writes format_version 2`;
    }
    f = { checksumType: file[start] as number, formatVersion, size: FOOTER_SIZE };
    pos = start + 1;
  } else if (lo === LEGACY_MAGIC_LO && hi === LEGACY_MAGIC_HI) {
    f = { checksumType: ChecksumType.crc32c, formatVersion: 0, size: LEGACY_FOOTER_SIZE };
    pos = n - LEGACY_FOOTER_SIZE;
  } else {
    return `footer magic 0x${hi.toString(16).padStart(8, '0')}${lo.toString(16).padStart(8, '0')} is not a block-based table`;
  }
  const limit = pos + HANDLES_SIZE;
  const mo = readVarint(file, pos, limit);
  const ms = mo && readVarint(file, mo.next, limit);
  const io = ms && readVarint(file, ms.next, limit);
  const is = io && readVarint(file, io.next, limit);
  if (!mo || !ms || !io || !is) return 'footer block handles are malformed';
  return { ...f, metaindex: { offset: mo.value, size: ms.value }, index: { offset: io.value, size: is.value } };
}
