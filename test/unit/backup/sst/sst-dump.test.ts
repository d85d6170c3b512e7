/**
 * RocksDB itself (Debian rocksdb-tools 7.8 sst_dump and ldb) must accept brflow's SSTs: block checksums verify,
 * every entry scans back as (user key, seq 0, Put, value), the properties read as written, and a real DB ingests
 * the file as an external SST.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initSstCodecs, openSst, writeSst, type SstCompression } from '../../../../src/backup/sst';
import { hex, mixedKvs } from './sst-fixtures';
import { ldbIngestAndScan, sstDumpProperties, sstDumpScan, sstDumpVerify } from './rocksdb-tools';

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
