/**
 * RocksDB itself (Debian rocksdb-tools 7.8 sst_dump and ldb) must accept brflow's SSTs: block checksums verify,
 * every entry scans back as (user key, seq 0, Put, value), the properties read as written, and a real DB ingests
 * the file as an external SST.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { initSstCodecs, openSst, Prop, propVarint, writeSst, type SstCompression } from '../../../../src/backup/sst';
import { hex, mixedKvs } from './sst-fixtures';
import { ldbIngestAndScan, rocksDbSstFileWriter, sstDumpProperties, sstDumpScan, sstDumpVerify } from './rocksdb-tools';

const EXPECTED_ALGO: Record<SstCompression, string> = { none: 'NoCompression', snappy: 'Snappy', zlib: 'Zlib', lz4: 'LZ4', zstd: 'ZSTD' };

let dir: string;
beforeAll(async () => {
  await initSstCodecs();
  dir = mkdtempSync(join(tmpdir(), 'brflow-sstdump-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('RocksDB tools accept brflow SSTs', () => {
  const kvs = mixedKvs(2500);

  test.each(['none', 'snappy', 'zlib', 'lz4', 'zstd'] as SstCompression[])('%s: verify passes, scan returns every entry, properties match', (compression) => {
    const sst = writeSst(kvs, { compression, blockSize: 4096, columnFamily: { id: 2, name: 'write' } });
    expect(openSst(sst).dataBlocks.length).toBeGreaterThan(10);
    const file = join(dir, `${compression}.sst`);
    writeFileSync(file, sst);

    expect(sstDumpVerify(file)).toMatch(/The file is ok/);
    const scanned = sstDumpScan(file);
    expect(scanned.map((e) => `${e.keyHex}:${e.valueHex}`)).toEqual(kvs.map((kv) => `${hex(kv.key)}:${hex(kv.value)}`));
    expect(new Set(scanned.map((e) => `${e.seq}/${e.type}`))).toEqual(new Set(['0/1']));

    const props = sstDumpProperties(file);
    expect(props.get('# entries')).toBe(String(kvs.length));
    expect(props.get('# data blocks')).toBe(String(openSst(sst).dataBlocks.length));
    expect(props.get('SST file compression algo')).toBe(EXPECTED_ALGO[compression]);
    expect(props.get('column family name')).toBe('write');
    expect(props.get('comparator name')).toBe('leveldb.BytewiseComparator');
    expect(props.get('# rocksdb.external_sst_file.version')).toBe('0x02000000');
  });

  test.each(['none', 'zstd', 'lz4'] as SstCompression[])('%s: real RocksDB ingests the file as an external SST and serves every KV', (compression) => {
    const file = join(dir, `ingest-${compression}.sst`);
    writeFileSync(file, writeSst(kvs, { compression, blockSize: 8192 }));
    const rows = ldbIngestAndScan(join(dir, `ingest-${compression}`), file);
    expect(rows.map(([k, v]) => `${k}:${v}`)).toEqual(kvs.map((kv) => `${hex(kv.key)}:${hex(kv.value)}`));
  });

  test('data blocks are byte-identical to RocksDB SstFileWriter output (format_version 2, uncompressed)', () => {
    const theirsFile = rocksDbSstFileWriter(join(dir, 'sfw-none'), {
      compression: 'kNoCompression', formatVersion: 2, blockSize: 1024, kvs: kvs.map((kv): [string, string] => [hex(kv.key), hex(kv.value)]),
    });
    const theirs = new Uint8Array(readFileSync(theirsFile));
    const ours = writeSst(kvs, { compression: 'none', blockSize: 1024 });
    const dataSize = propVarint(openSst(theirs).properties, Prop.dataSize) as number;
    expect(openSst(ours).dataBlocks).toEqual(openSst(theirs).dataBlocks);
    expect(propVarint(openSst(ours).properties, Prop.dataSize)).toBe(dataSize);
    expect(Buffer.from(ours.subarray(0, dataSize)).equals(Buffer.from(theirs.subarray(0, dataSize)))).toBe(true);
  });

  test('zstd: blocks are cut where RocksDB SstFileWriter cuts them (compressed bytes differ only by zstd build)', () => {
    const theirsFile = rocksDbSstFileWriter(join(dir, 'sfw-zstd'), {
      compression: 'kZSTD', formatVersion: 2, blockSize: 4096, kvs: kvs.map((kv): [string, string] => [hex(kv.key), hex(kv.value)]),
    });
    const theirs = openSst(new Uint8Array(readFileSync(theirsFile)));
    const ours = openSst(writeSst(kvs, { compression: 'zstd', blockSize: 4096 }));
    expect(ours.dataBlocks.length).toBe(theirs.dataBlocks.length);
    // Same entries in the same blocks: the cut points come from raw sizes, which must match exactly.
    const layout = (t: ReturnType<typeof openSst>) => {
      const perBlock: string[][] = t.dataBlocks.map(() => []);
      t.forEach((k, _v, _t, block) => (perBlock[block] as string[]).push(hex(k)));
      return perBlock;
    };
    expect(layout(ours)).toEqual(layout(theirs));
  });

  test('lz4 with tiny blocks of low-entropy values decodes in real liblz4', () => {
    const tricky = Array.from({ length: 300 }, (_, i) => ({
      key: new TextEncoder().encode(`k${String(i).padStart(5, '0')}`),
      value: new Uint8Array(13 + (i % 40)).fill(0x61 + (i % 3)),
    }));
    const file = join(dir, 'lz4-edge.sst');
    writeFileSync(file, writeSst(tricky, { compression: 'lz4', blockSize: 64 + (tricky.length % 7) }));
    expect(sstDumpVerify(file)).toMatch(/The file is ok/);
    expect(sstDumpScan(file).map((e) => e.valueHex)).toEqual(tricky.map((kv) => hex(kv.value)));
  });
});
