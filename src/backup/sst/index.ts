/**
 * RocksDB block-based SST files as TiKV's backup writes them, and a reader for what real RocksDB writes.
 *
 * - `await initSstCodecs()` once per process before any zstd SST is written or read (the zstd codec is
 *   WebAssembly and instantiates asynchronously); everything else is synchronous.
 * - `writeSst(entries, opts)`: sorted user keys → SST bytes (format_version 2, CRC32C, zstd by default).
 * - `readSst(bytes)`: footer + properties + every entry; `openSst(bytes).forEach(...)` visits entries without
 *   per-entry allocation (the path checksums use).
 * - Damage of any kind throws BrflowError(SstCorrupt) naming the file, block, offset and failed check.
 */
export { initSstCodecs, type SstCompression } from './compression';
export { writeSst, SST_FORMAT_VERSION, DEFAULT_BLOCK_SIZE, type SstEntryInput, type SstWriteOptions } from './sst-writer';
export { openSst, readSst, VALUE_TYPE_PUT, type SstEntry, type SstTable, type SstContents, type SstReadOptions } from './sst-reader';
export { Prop, propVarint, propString } from './properties';
