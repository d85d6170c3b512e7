import { initSstCodecs, openSst, readSst, writeSst, Prop, propVarint, propString, type SstCompression } from '../../../../src/backup/sst';
import { ErrorType } from '../../../../src/plan/error-types';
import { hex, mixedKvs, xorshiftBytes } from './sst-fixtures';

const COMPRESSIONS: SstCompression[] = ['none', 'snappy', 'zlib', 'lz4', 'zstd'];
const TRAILER_TYPE: Record<SstCompression, number> = { none: 0, snappy: 1, zlib: 2, lz4: 4, zstd: 7 };

beforeAll(async () => {
  await initSstCodecs();
});

describe('writeSst → readSst', () => {
  const kvs = mixedKvs(3000);

  test.each(COMPRESSIONS)('%s: every entry comes back, over many blocks, with empty and 256+ byte values', (compression) => {
    const sst = writeSst(kvs, { compression, blockSize: 2048 });
    const r = readSst(sst);
    expect(r.formatVersion).toBe(2);
    expect(r.entries).toHaveLength(kvs.length);
    expect(r.entries.map((e) => `${hex(e.key)}:${hex(e.value)}`)).toEqual(kvs.map((kv) => `${hex(kv.key)}:${hex(kv.value)}`));
    expect(new Set(r.entries.map((e) => `${e.valueType}/${e.sequence}`))).toEqual(new Set(['1/0']));
    expect(kvs.some((kv) => kv.value.length === 0)).toBe(true);
    expect(kvs.some((kv) => kv.value.length > 255)).toBe(true);

    const t = openSst(sst);
    expect(t.dataBlocks.length).toBeGreaterThan(50);
    expect(propVarint(r.properties, Prop.numDataBlocks)).toBe(t.dataBlocks.length);
    expect(propVarint(r.properties, Prop.numEntries)).toBe(kvs.length);
    expect(propVarint(r.properties, Prop.rawKeySize)).toBe(kvs.reduce((s, kv) => s + kv.key.length + 8, 0));
    expect(propVarint(r.properties, Prop.rawValueSize)).toBe(kvs.reduce((s, kv) => s + kv.value.length, 0));
    expect(hex(r.properties.get(Prop.externalSstVersion) as Uint8Array)).toBe('02000000');
    expect(hex(r.properties.get(Prop.externalSstGlobalSeqno) as Uint8Array)).toBe('0000000000000000');
    expect(propString(r.properties, Prop.comparator)).toBe('leveldb.BytewiseComparator');
    // The iterator form yields the same entries.
    const seen: string[] = [];
    t.forEach((key, value) => seen.push(`${hex(key)}:${hex(value)}`));
    expect(seen).toEqual(kvs.map((kv) => `${hex(kv.key)}:${hex(kv.value)}`));
  });

  test('blocks are cut near blockSize: default 32 KiB gives few blocks, each data block ≤ blockSize + one entry', () => {
    const big = writeSst(kvs, { compression: 'none' });
    const blocks = openSst(big).dataBlocks;
    const total = kvs.reduce((s, kv) => s + kv.key.length + 8 + kv.value.length, 0);
    expect(blocks.length).toBeGreaterThanOrEqual(Math.floor(total / (32 * 1024)));
    expect(blocks.length).toBeLessThanOrEqual(Math.ceil(total / (32 * 1024 * 0.85)) + 1);
    for (const h of blocks.slice(0, -1)) expect(h.size).toBeLessThanOrEqual(32 * 1024 + 1000);
  });

  test.each(COMPRESSIONS.filter((c) => c !== 'none'))('%s: compressible blocks are stored compressed, random ones raw (12.5%% rule)', (compression) => {
    const text = writeSst(mixedKvs(400).map((kv) => ({ key: kv.key, value: new Uint8Array(300).fill(0x61) })), { compression, blockSize: 4096 });
    const random = writeSst(mixedKvs(400).map((kv, i) => ({ key: kv.key, value: xorshiftBytes(300, i + 1) })), { compression, blockSize: 4096 });
    const types = (sst: Uint8Array) => openSst(sst).dataBlocks.map((h) => sst[h.offset + h.size]);
    expect(new Set(types(text))).toEqual(new Set([TRAILER_TYPE[compression]]));
    // Random values do not compress; only the repetitive key prefixes do, far less than 12.5%.
    expect(new Set(types(random))).toEqual(new Set([0]));
    expect(readSst(random).entries.map((e) => hex(e.value))).toEqual(mixedKvs(400).map((_, i) => hex(xorshiftBytes(300, i + 1))));
  });

  test('user properties and column family are recorded and read back', () => {
    const sst = writeSst(kvs.slice(0, 10), {
      compression: 'zstd',
      userProperties: { 'tikv.num_rows': new Uint8Array([5]), 'tikv.note': 'hello' },
      columnFamily: { id: 2, name: 'write' },
    });
    const r = readSst(sst);
    expect(hex(r.properties.get('tikv.num_rows') as Uint8Array)).toBe('05');
    expect(propString(r.properties, 'tikv.note')).toBe('hello');
    expect(propString(r.properties, Prop.columnFamilyName)).toBe('write');
    expect(propVarint(r.properties, Prop.columnFamilyId)).toBe(2);
    expect(propString(r.properties, Prop.compression)).toBe('ZSTD');
  });

  test('a legacy (format_version 0) footer is read: 48 bytes, legacy magic, CRC32C implied', () => {
    const sst = writeSst(kvs.slice(0, 500), { compression: 'snappy', blockSize: 1024 });
    const footer = sst.subarray(sst.length - 53);
    // Same handles (bytes 1..40 of the new footer), then the legacy magic 0xdb4775248b80fb57.
    const legacy = new Uint8Array(sst.length - 5);
    legacy.set(sst.subarray(0, sst.length - 53));
    legacy.set(footer.subarray(1, 41), sst.length - 53);
    legacy.set([0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb], legacy.length - 8);
    const r = readSst(legacy);
    expect(r.formatVersion).toBe(0);
    expect(r.entries.map((e) => hex(e.key))).toEqual(kvs.slice(0, 500).map((kv) => hex(kv.key)));
  });

  test('an empty table is readable', () => {
    const r = readSst(writeSst([], { compression: 'zstd' }));
    expect(r.entries).toEqual([]);
    expect(propVarint(r.properties, Prop.numEntries)).toBe(0);
  });

  test('keys out of order or repeated are refused', () => {
    const a = { key: new Uint8Array([1, 2]), value: new Uint8Array(0) };
    const b = { key: new Uint8Array([1, 1]), value: new Uint8Array(0) };
    expect(() => writeSst([a, b], { compression: 'none' })).toThrow(expect.objectContaining({ type: ErrorType.Internal, message: expect.stringMatching(/strictly increasing: entry 1/) }));
    expect(() => writeSst([a, a], { compression: 'none' })).toThrow(/strictly increasing/);
  });
});
