import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStorage } from '../../../src/backup/local-storage';
import { toStorageBackend } from '../../../src/backup/storage-backend';
import { openBatchImport } from '../../../src/cluster/batch-import';
import { checksumTable } from '../../../src/cluster/checksum';
import { connectCluster, type ClusterConnection } from '../../../src/cluster/cluster-connection';
import { importFiles, type RangeCheckpoint } from '../../../src/cluster/import-files';
import { importSstClient, supportsBatchDownload } from '../../../src/cluster/import-sst';
import { splitAndScatter } from '../../../src/cluster/region-split';
import { DownloadRequest } from '../../../src/proto/import_sstpb';
import { recordKey, toHex } from '../../../src/plan/keys';
import { buildTableRewrite, checksumRequests, type TableRewrite } from '../../../src/plan/rewrite-rules';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/server';
import { tableInfoFor, writeTableBackup, type TableBackup } from './support/table-backup';

/**
 * The worker's RPCs per batch on the simulator, counted by the simulator itself (inspector rpcCalls): one
 * region scan per batch, one BatchDownload per column family and rule per peer where a region holds several
 * files of them, one MultiIngest per region. A regression to one request per file (or one scan per range) fails.
 */
describe('batch import: RPCs per batch', () => {
  let dir: string;
  let backup: TableBackup;
  let rw: TableRewrite;
  let sim: SimulatorHandle;
  let conn: ClusterConnection;
  const OLD_ID = 610;
  const NEW_ID = 710;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'brflow-batch-import-'));
    backup = await writeTableBackup(new LocalStorage(dir), OLD_ID, 300);
    rw = buildTableRewrite(backup.info, tableInfoFor(NEW_ID));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    conn.close();
    await sim.stop();
  });

  async function start(opts: { batchDownload?: boolean } = {}): Promise<void> {
    sim = await startSimulator({ stores: 3, scatterPolls: 1, ...opts });
    conn = await connectCluster({ pdEndpoints: sim.pdAddress });
    // One region for the table's records and one for its index: both record halves (4 files) share a region,
    // as they do when the planner merged small ranges into one.
    await splitAndScatter(conn, rw.rules.map((r) => r.newKeyPrefix));
  }

  /** The batch as the planner would hand it over after merging: the record files, then the index file. */
  function batchRanges() {
    const isIndex = (name: string) => backup.files.find((f) => f.name === name)!.startKey.includes('5f69');
    return [
      { files: backup.files.filter((f) => !isIndex(f.name)), rules: rw.rules },
      { files: backup.files.filter((f) => isIndex(f.name)), rules: rw.rules },
    ];
  }

  const calls = () => sim.inspector.snapshot().rpcCalls;
  const delta = (before: Record<string, number>, rpc: string) => (calls()[rpc] ?? 0) - (before[rpc] ?? 0);

  /** The restored checksum equals the backup's; `clean`: nothing was left staged (no attempt failed half-way). */
  async function expectRestored(clean = true): Promise<void> {
    const sum = await checksumTable(conn, checksumRequests(rw), await conn.pd.getTs());
    expect({ crc64xor: sum.crc64xor.toString(), totalKvs: sum.totalKvs.toString(), totalBytes: sum.totalBytes.toString() }).toEqual(backup.checksum);
    if (clean) expect(sim.state.stores().map((s) => sim.state.stagedCount(s.id))).toEqual([0, 0, 0]);
  }

  it('scans regions once per batch and downloads several SSTs of a region in one BatchDownload per peer', async () => {
    await start();
    const ranges = batchRanges();
    expect(ranges[0]!.files.filter((f) => f.cf === 'write')).toHaveLength(2);
    expect(ranges[0]!.files.filter((f) => f.cf === 'default')).toHaveLength(2);
    expect(ranges[1]!.files.map((f) => f.cf).sort()).toEqual(['default', 'write']);
    const files = ranges.reduce((a, r) => a + r.files.length, 0);
    expect(await supportsBatchDownload(conn.channels, await conn.pd.getAllStores())).toBe(true);

    const before = calls();
    const batch = openBatchImport(conn, ranges, { storageBackend: toStorageBackend(dir), batchDownload: true, sleep: async () => undefined });
    await Promise.all(ranges.map((_, i) => batch.importRange(i)));

    expect(delta(before, 'ScanRegions')).toBe(1);
    expect(batch.regions?.scans).toBe(1);
    // Records: the two write files in one request, the two default files in another; the index's two files
    // (one per CF) each alone.
    expect(delta(before, 'BatchDownload')).toBe(2 * 3);
    expect(delta(before, 'Download')).toBe(2 * 3);
    expect(delta(before, 'Download') + delta(before, 'BatchDownload')).toBeLessThan(files * 3);
    expect(delta(before, 'MultiIngest')).toBe(2);
    // Every file was still read on every peer and ingested exactly once.
    const c = sim.inspector.snapshot().counters;
    for (const f of backup.files) {
      expect(c.downloadsByName[f.name]).toBe(3);
      expect(c.ingestsByName[f.name]).toBe(1);
    }
    await expectRestored();
  });

  it('rescans the batch once after a region error and still restores exactly', async () => {
    await start();
    sim.faults.injectRegionError({ rpc: 'BatchDownload', kind: 'EpochNotMatch', count: 1 });
    const ranges = batchRanges();
    const before = calls();
    const batch = openBatchImport(conn, ranges, { storageBackend: toStorageBackend(dir), batchDownload: true, sleep: async () => undefined });
    const results = await Promise.all(ranges.map((_, i) => batch.importRange(i)));
    expect(results.flatMap((r) => r.retries.map((x) => x.kind))).toEqual(['epoch-not-match']);
    expect(delta(before, 'ScanRegions')).toBe(2);
    // The peers that staged before the failure keep their orphan SSTs, as TiKV does until its cleanup runs.
    await expectRestored(false);
  });

  it('keeps the single-file form for stores without BatchDownload (UNIMPLEMENTED), one Download per file per peer', async () => {
    await start({ batchDownload: false });
    expect(await supportsBatchDownload(conn.channels, await conn.pd.getAllStores())).toBe(false);
    const ranges = batchRanges();
    const before = calls();
    const batch = openBatchImport(conn, ranges, { storageBackend: toStorageBackend(dir), batchDownload: false, sleep: async () => undefined });
    for (let i = 0; i < ranges.length; i++) await batch.importRange(i);
    expect(delta(before, 'BatchDownload')).toBe(0);
    expect(delta(before, 'Download')).toBe(backup.files.length * 3);
    expect(delta(before, 'ScanRegions')).toBe(1);
    await expectRestored();
  });

  it('checksums a table (record range and its index) from one region scan, and rescans only after a region error', async () => {
    await start();
    const ranges = batchRanges();
    const batch = openBatchImport(conn, ranges, { storageBackend: toStorageBackend(dir), batchDownload: true, sleep: async () => undefined });
    await Promise.all(ranges.map((_, i) => batch.importRange(i)));
    expect(checksumRequests(rw).length).toBeGreaterThan(1);
    let before = calls();
    await expectRestored();
    expect(delta(before, 'ScanRegions')).toBe(1);
    expect(delta(before, 'Coprocessor')).toBe(checksumRequests(rw).length);
    // A region error on the shared view: that request scans its piece again and the sum is still exact.
    sim.faults.injectRegionError({ rpc: 'Coprocessor', kind: 'EpochNotMatch', count: 1 });
    before = calls();
    await expectRestored();
    expect(delta(before, 'ScanRegions')).toBe(2);
    expect(sim.faults.snapshot().fired['Coprocessor']).toBe(1);
  });

  it('a range cut after its first region resumes from the checkpoint it reported: the ingested region is not ingested again', async () => {
    await start();
    // The record range over two regions, cut where its second half's files start.
    const half2 = backup.files.find((f) => f.name.includes(`${OLD_ID}_2_`) || f.name.includes(`${OLD_ID}_3_`))!;
    const rule = rw.rules.find((r) => half2.startKey.startsWith(r.oldKeyPrefix))!;
    await splitAndScatter(conn, [rule.newKeyPrefix + half2.startKey.slice(rule.oldKeyPrefix.length)]);
    const ranges = batchRanges();
    const first = ranges[0]!.files.filter((f) => f.startKey !== half2.startKey).map((f) => f.name);
    const second = ranges[0]!.files.filter((f) => f.startKey === half2.startKey).map((f) => f.name);
    expect([first.length, second.length]).toEqual([2, 2]);
    const ingested = () => sim.inspector.snapshot().counters.ingestsByName;

    // The worker dies right after the first region went through (its checkpoint reported, nothing after).
    const checkpoints: RangeCheckpoint[] = [];
    const cut = openBatchImport(conn, ranges, { storageBackend: toStorageBackend(dir), batchDownload: true, sleep: async () => undefined });
    await expect(cut.importRange(0, {
      onProgress: (k) => {
        checkpoints.push(k);
        if (!k.inRegion) throw new Error('worker lost');
      },
    })).rejects.toThrow('worker lost');
    expect(checkpoints).toHaveLength(1);
    expect(checkpoints[0]!.inRegion).toBeUndefined();
    expect(first.map((n) => ingested()[n] ?? 0)).toEqual([1, 1]);
    expect(second.map((n) => ingested()[n] ?? 0)).toEqual([0, 0]);

    // Its retry, on another worker, passes the checkpoint back: only the second region is imported.
    const retry = openBatchImport(conn, ranges, { storageBackend: toStorageBackend(dir), batchDownload: true, sleep: async () => undefined });
    const r = await retry.importRange(0, { resumeAt: checkpoints[0]! });
    expect(r.regionsIngested).toBe(1);
    await retry.importRange(1);
    expect(backup.files.map((f) => [f.name, ingested()[f.name]])).toEqual(backup.files.map((f) => [f.name, 1]));
    await expectRestored(false);
  });

  // Between the cut and the retry, the region may stay as it was, or the next table's batch splits at its own
  // start: the region the range was cut in (open-ended, the cluster's last) then ends there. The range's keys and
  // files are the same either way; with the split, the region is not.
  it.each([
    ['stays as it was', false],
    ['is cut past the range by a later split', true],
  ] as const)('a range cut inside a region, one file per ingest round, resumes after the files it ingested when the region %s', async (_how, splitBetween) => {
    await start();
    const ranges = batchRanges();
    // The record range in one region: its two write files first (plan order), then its two default files.
    const names = ranges[0]!.files.map((f) => f.name);
    const ingested = () => sim.inspector.snapshot().counters.ingestsByName;
    const checkpoints: RangeCheckpoint[] = [];
    const cut = openBatchImport(conn, ranges, { storageBackend: toStorageBackend(dir), batchDownload: true, sleep: async () => undefined });
    await expect(cut.importRange(0, {
      filesPerIngest: 1,
      onProgress: (c) => {
        checkpoints.push(c);
        if (c.inRegion?.files === 2) throw new Error('worker lost');
      },
    })).rejects.toThrow('worker lost');
    expect(checkpoints.map((c) => c.inRegion?.files)).toEqual([1, 2]);
    expect(names.map((n) => ingested()[n] ?? 0)).toEqual([1, 1, 0, 0]);
    if (splitBetween) await splitAndScatter(conn, [toHex(recordKey(NEW_ID + 1, 0))]);

    const retry = openBatchImport(conn, ranges, { storageBackend: toStorageBackend(dir), batchDownload: true, sleep: async () => undefined });
    await retry.importRange(0, { resumeAt: checkpoints.at(-1)!, filesPerIngest: 1 });
    await retry.importRange(1);
    // The two files already in were not ingested again.
    expect(backup.files.map((f) => [f.name, ingested()[f.name]])).toEqual(backup.files.map((f) => [f.name, 1]));
    await expectRestored(false);
  });

  it('without a batch, each range scans for itself (the per-range form importFiles keeps)', async () => {
    await start();
    const ranges = batchRanges();
    const before = calls();
    for (const r of ranges) await importFiles(conn, r.files, r.rules, { storageBackend: toStorageBackend(dir), batchDownload: true, sleep: async () => undefined });
    expect(delta(before, 'ScanRegions')).toBe(ranges.length);
    await expectRestored();
  });
});

describe('simulated TiKV BatchDownload', () => {
  it('refuses a request mixing column families, naming them, and stages nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'brflow-batch-cf-'));
    const sim = await startSimulator({ stores: 1 });
    const conn = await connectCluster({ pdEndpoints: sim.pdAddress });
    try {
      const backup = await writeTableBackup(new LocalStorage(dir), 620, 50);
      const region = (await conn.pd.scanRegions(new Uint8Array(0), new Uint8Array(0), 1))[0]!;
      const meta = (cf: string) => ({ uuid: Buffer.alloc(16, 1), cfName: cf, regionId: region.region.id, regionEpoch: region.region.regionEpoch });
      const [w, d] = [backup.files.find((f) => f.cf === 'write')!, backup.files.find((f) => f.cf === 'default')!];
      const res = await importSstClient(conn.channels, sim.state.stores()[0]!.address).batchDownload(DownloadRequest.fromPartial({
        sst: meta('write'), ssts: { [w.name]: meta('write'), [d.name]: meta('default') }, storageBackend: toStorageBackend(dir),
      }));
      expect(res.error?.message).toBe('batch download supports a single column family, got default, write');
      expect(sim.state.stagedCount(sim.state.stores()[0]!.id)).toBe(0);
    } finally {
      conn.close();
      await sim.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
