/**
 * Table properties (the `rocksdb.properties` meta block): a sorted key/value block. RocksDB's own numeric
 * properties are varint64; a few are fixed-width (noted at their use); user-collected properties are raw bytes.
 */

import { ByteWriter, readVarint } from './byte-writer';

/** Names of the properties brflow reads or writes (RocksDB TablePropertiesNames + SstFileWriter + BBT). */
export const Prop = {
  dataSize: 'rocksdb.data.size',
  indexSize: 'rocksdb.index.size',
  filterSize: 'rocksdb.filter.size',
  rawKeySize: 'rocksdb.raw.key.size',
  rawValueSize: 'rocksdb.raw.value.size',
  numDataBlocks: 'rocksdb.num.data.blocks',
  numEntries: 'rocksdb.num.entries',
  deletedKeys: 'rocksdb.deleted.keys',
  mergeOperands: 'rocksdb.merge.operands',
  numRangeDeletions: 'rocksdb.num.range-deletions',
  formatVersion: 'rocksdb.format.version',
  fixedKeyLen: 'rocksdb.fixed.key.length',
  columnFamilyId: 'rocksdb.column.family.id',
  columnFamilyName: 'rocksdb.column.family.name',
  comparator: 'rocksdb.comparator',
  mergeOperator: 'rocksdb.merge.operator',
  prefixExtractor: 'rocksdb.prefix.extractor.name',
  propertyCollectors: 'rocksdb.property.collectors',
  compression: 'rocksdb.compression',
  compressionOptions: 'rocksdb.compression_options',
  creationTime: 'rocksdb.creation.time',
  oldestKeyTime: 'rocksdb.oldest.key.time',
  fileCreationTime: 'rocksdb.file.creation.time',
  indexKeyIsUserKey: 'rocksdb.index.key.is.user.key',
  indexValueIsDeltaEncoded: 'rocksdb.index.value.is.delta.encoded',
  /** fixed32 LE BlockBasedTableOptions::IndexType. */
  indexType: 'rocksdb.block.based.table.index.type',
  prefixFiltering: 'rocksdb.block.based.table.prefix.filtering',
  wholeKeyFiltering: 'rocksdb.block.based.table.whole.key.filtering',
  /** fixed32 LE; 2 for files from SstFileWriter. Real RocksDB ingestion requires it. */
  externalSstVersion: 'rocksdb.external_sst_file.version',
  /** fixed64 LE; 0 as written. */
  externalSstGlobalSeqno: 'rocksdb.external_sst_file.global_seqno',
} as const;

/** Reads a varint64 property (undefined when absent or malformed). */
export function propVarint(props: ReadonlyMap<string, Uint8Array>, name: string): number | undefined {
  const v = props.get(name);
  if (!v) return undefined;
  const r = readVarint(v, 0, v.length);
  return r && r.next === v.length ? r.value : undefined;
}

/** Reads a text property. */
export function propString(props: ReadonlyMap<string, Uint8Array>, name: string): string | undefined {
  const v = props.get(name);
  return v ? new TextDecoder().decode(v) : undefined;
}

export function varintBytes(v: number): Uint8Array {
  const w = new ByteWriter(10);
  w.varint(v);
  return w.finish().slice();
}

export function fixed32Bytes(v: number): Uint8Array {
  const w = new ByteWriter(4);
  w.fixed32(v);
  return w.finish().slice();
}

export function fixed64Bytes(v: bigint): Uint8Array {
  const w = new ByteWriter(8);
  w.fixed64(v);
  return w.finish().slice();
}
