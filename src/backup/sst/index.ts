// The SST API other modules use; internals (blocks, footer, codecs) stay private to this folder.
export { initSstCodecs, type SstCompression } from './compression';
export { writeSst, SST_FORMAT_VERSION, DEFAULT_BLOCK_SIZE, type SstEntryInput, type SstWriteOptions } from './sst-writer';
export { openSst, readSst, VALUE_TYPE_PUT, type SstEntry, type SstTable, type SstContents, type SstReadOptions } from './sst-reader';
export { Prop, propVarint, propString } from './properties';
