import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStorage } from '../../../src/backup/local-storage';
import { toStorageBackend } from '../../../src/backup/storage-backend';
import { checksumTable, verifyChecksum } from '../../../src/cluster/checksum';
import { connectCluster, type ClusterConnection } from '../../../src/cluster/cluster-connection';
import { importFiles, type ImportFilesResult } from '../../../src/cluster/import-files';
import { splitAndScatter } from '../../../src/cluster/region-split';
import { groupFileRanges } from '../../../src/plan/ranges';
import { buildTableRewrite, checksumRequests, type TableRewrite } from '../../../src/plan/rewrite-rules';
import { splitCandidates } from '../../../src/plan/split-keys';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/server';
import { recordKey, toHex } from '../../../src/plan/keys';
import { newRanges, tableInfoFor, writeTableBackup, type TableBackup } from './support/table-backup';

/**
 * Download to every peer + ingest at the leader, then the coprocessor checksum, through the clients only.
 * Each retryable failure path is injected through the simulator's fault API; the data must still checksum
 * exactly like the backup.
 */
describe('importFiles + checksumTable', () => {
  let dir: string;
  let backup: TableBackup;
  let sim: SimulatorHandle;
  let conn: ClusterConnection;
  const OLD_ID = 600;
  const NEW_ID = 700;
  let rw: TableRewrite;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'brflow-import-'));
    backup = await writeTableBackup(new LocalStorage(dir), OLD_ID, 300);
    rw = buildTableRewrite(backup.info, tableInfoFor(NEW_ID));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    sim = await startSimulator({ stores: 3, scatterPolls: 1 });
    conn = await connectCluster({ pdEndpoints: sim.pdAddress });
  });
  afterEach(async () => {
    conn.close();
    await sim.stop();
  });

  /** Split as BR does, then import every range; returns the per-range results. */
  async function restoreTable(table: TableBackup, tr: TableRewrite): Promise<ImportFilesResult[]> {
    const ranges = newRanges(groupFileRanges(table.files), tr);
    await splitAndScatter(conn, splitCandidates(tr.rules.map((r) => r.newKeyPrefix), ranges.map((r) => r.newEndKey)));
    const out: ImportFilesResult[] = [];
    for (const r of ranges) {
      out.push(await importFiles(conn, r.files, tr.rules, { storageBackend: toStorageBackend(dir), sleep: async () => undefined }));
    }
    return out;
  }

  async function expectRestored(tr: TableRewrite): Promise<void> {
    const sum = await checksumTable(conn, checksumRequests(tr), await conn.pd.getTs());
    expect({ crc64xor: sum.crc64xor.toString(), totalKvs: sum.totalKvs.toString(), totalBytes: sum.totalBytes.toString() }).toEqual(backup.checksum);
    verifyChecksum(`t${NEW_ID}`, sum, backup.checksum);
  }

  it('restores a table under a new ID: the rule-aware checksum equals the backup, every peer holds the data', async () => {
    const res = await restoreTable(backup, rw);
    expect(res.reduce((a, r) => a + r.sstsIngested, 0)).toBeGreaterThanOrEqual(backup.files.length);
    expect(res.flatMap((r) => r.retries)).toEqual([]);
    await expectRestored(rw);
    // Without a rule the cluster's own view of the new table has the same KV count as the backup.
    expect(sim.inspector.tableChecksum(NEW_ID)?.totalKvs).toBe(backup.checksum.totalKvs);
    expect(sim.inspector.tableChecksum(OLD_ID)).toBeUndefined();
    // Downloads went to every peer: with 3 replicas, 3 downloads per ingested SST.
    const c = sim.inspector.snapshot().counters;
    const downloads = Object.values(c.downloadsByStore).reduce((a, b) => a + b, 0);
    const ingests = Object.values(c.ingestsByName).reduce((a, b) => a + b, 0);
    expect(downloads).toBe(3 * ingests);
  });

  it('restores with identity IDs and matches the simulator\'s own table checksum exactly', async () => {
    const id = buildTableRewrite(backup.info, backup.info);
    await restoreTable(backup, id);
    await expectRestored(id);
    const own = sim.inspector.tableChecksum(OLD_ID)!;
    expect({ crc64xor: own.crc64xor, totalKvs: own.totalKvs, totalBytes: own.totalBytes }).toEqual(backup.checksum);
  });

  it('imports a merged range (all files in one call) downloading each file only where its keys are', async () => {
    const ranges = newRanges(groupFileRanges(backup.files), rw);
    await splitAndScatter(conn, splitCandidates(rw.rules.map((r) => r.newKeyPrefix), ranges.map((r) => r.newEndKey)));
    const res = await importFiles(conn, backup.files, rw.rules, { storageBackend: toStorageBackend(dir), sleep: async () => undefined });
    expect(res.regionsIngested).toBe(ranges.length);
    const byName = sim.inspector.snapshot().counters.downloadsByName;
    // Three peers, one region per file: three downloads of each file, none into regions it has no keys in.
    for (const f of backup.files) expect(byName[f.name]).toBe(3);
    await expectRestored(rw);
  });

  it('is idempotent: importing the same files twice leaves the same data', async () => {
    await restoreTable(backup, rw);
    await restoreTable(backup, rw);
    await expectRestored(rw);
  });

  it.each(['Download', 'MultiIngest'])('retries %s after gRPC UNAVAILABLE', async (rpc) => {
    sim.faults.injectUnavailable({ rpc, count: 2 });
    await restoreTable(backup, rw);
    expect(sim.faults.snapshot().unavailable).toEqual([]);
    await expectRestored(rw);
  });

  it.each(['NotLeader', 'ServerIsBusy'] as const)('handles %s at ingest on the leader without starting over', async (kind) => {
    sim.faults.injectRegionError({ rpc: 'MultiIngest', kind, count: 2 });
    const res = await restoreTable(backup, rw);
    expect(sim.faults.snapshot().regionErrors).toEqual([]);
    expect(res.flatMap((r) => r.retries)).toEqual([]);
    await expectRestored(rw);
  });

  it.each(['EpochNotMatch', 'KeyNotInRegion', 'RegionNotFound'] as const)('rescans regions after %s at ingest and reports it', async (kind) => {
    sim.faults.injectRegionError({ rpc: 'MultiIngest', kind, count: 1 });
    const res = await restoreTable(backup, rw);
    const retries = res.flatMap((r) => r.retries.map((x) => x.kind));
    expect(retries).toEqual([{ EpochNotMatch: 'epoch-not-match', KeyNotInRegion: 'key-not-in-region', RegionNotFound: 'region-not-found' }[kind]]);
    await expectRestored(rw);
  });

  it('tells onWaiting the store it waits on while that store is down, and when the wait ends', async () => {
    const ranges = newRanges(groupFileRanges(backup.files), rw);
    await splitAndScatter(conn, splitCandidates(rw.rules.map((r) => r.newKeyPrefix), ranges.map((r) => r.newEndKey)));
    const seen: Array<{ storeId?: string; address: string } | undefined> = [];
    sim.faults.storeDown(3);
    // The first try fails on store 3; the store comes back while the loop backs off (no real sleep here).
    let tries = 0;
    const sleep = async (): Promise<void> => {
      if (++tries === 2) sim.faults.storeUp(3);
    };
    for (const r of ranges) {
      await importFiles(conn, r.files, rw.rules, { storageBackend: toStorageBackend(dir), sleep, onWaiting: (w) => seen.push(w && { ...(w.storeId !== undefined ? { storeId: w.storeId } : {}), address: w.address }) });
    }
    const address = sim.state.stores().find((s) => s.id === 3)!.address;
    expect(seen).toEqual([{ storeId: '3', address }, undefined]);
    await expectRestored(rw);
  });

  it('rescans after a region error at download', async () => {
    sim.faults.injectRegionError({ rpc: 'Download', kind: 'EpochNotMatch', count: 1 });
    const res = await restoreTable(backup, rw);
    expect(res.flatMap((r) => r.retries.map((x) => x.kind))).toEqual(['epoch-not-match']);
    await expectRestored(rw);
  });

  it('imports into regions that split after the scan (real EpochNotMatch, not scripted)', async () => {
    const ranges = newRanges(groupFileRanges(backup.files), rw);
    await splitAndScatter(conn, splitCandidates(rw.rules.map((r) => r.newKeyPrefix), ranges.map((r) => r.newEndKey)));
    // Split every region once more behind the client's back after its first scan: an ingest must meet a stale epoch.
    let injected = false;
    const origScan = conn.pd.scanRegions.bind(conn.pd);
    conn.pd.scanRegions = async (s, e, l) => {
      const page = await origScan(s, e, l);
      if (!injected && page.length > 0) {
        injected = true;
        const r = page[0]!.region;
        const inner = sim.state.regionById(Number(r.id))!;
        const key = Buffer.concat([Buffer.from(r.startKey), Buffer.from([0x80])]);
        sim.state.split(inner.id, [key]);
      }
      return page;
    };
    const out: ImportFilesResult[] = [];
    for (const r of ranges) out.push(await importFiles(conn, r.files, rw.rules, { storageBackend: toStorageBackend(dir), sleep: async () => undefined }));
    expect(out.flatMap((r) => r.retries.map((x) => x.kind))).toContain('epoch-not-match');
    await expectRestored(rw);
  });

  it('follows a real leader transfer between the region scan and the ingest', async () => {
    const ranges = newRanges(groupFileRanges(backup.files), rw);
    await splitAndScatter(conn, splitCandidates(rw.rules.map((r) => r.newKeyPrefix), ranges.map((r) => r.newEndKey)));
    const moved = new Set<number>();
    const origScan = conn.pd.scanRegions.bind(conn.pd);
    conn.pd.scanRegions = async (s, e, l) => {
      const page = await origScan(s, e, l);
      for (const info of page) {
        const r = sim.state.regionById(Number(info.region.id))!;
        if (moved.has(r.id)) continue;
        // PD told us the old leader; raft elects another one right after.
        const other = r.peers.find((p) => p.storeId !== r.leaderStoreId)!;
        sim.state.transferLeader(r.id, other.storeId);
        moved.add(r.id);
      }
      return page;
    };
    const before = sim.inspector.snapshot().counters.ingestsByStore;
    const out: ImportFilesResult[] = [];
    for (const r of ranges) out.push(await importFiles(conn, r.files, rw.rules, { storageBackend: toStorageBackend(dir), sleep: async () => undefined }));
    expect(moved.size).toBeGreaterThan(0);
    // NotLeader is handled at the ingest, on the leader TiKV named: no unit had to start over.
    expect(out.flatMap((r) => r.retries)).toEqual([]);
    expect(sim.inspector.snapshot().counters.ingestsByStore).not.toEqual(before);
    await expectRestored(rw);
  });

  it('checksum follows region errors: NotLeader and EpochNotMatch on Coprocessor still give the exact sum', async () => {
    await restoreTable(backup, rw);
    sim.faults.injectRegionError({ rpc: 'Coprocessor', kind: 'NotLeader', count: 1 });
    sim.faults.injectRegionError({ rpc: 'Coprocessor', kind: 'EpochNotMatch', count: 1 });
    await expectRestored(rw);
    expect(sim.faults.snapshot().regionErrors).toEqual([]);
  });

  it('checksums regions concurrently (≥ 7 record regions, 200 ms each, 4 at a time) and still sums exactly', async () => {
    await restoreTable(backup, rw);
    await splitAndScatter(conn, [50, 100, 150, 200, 250].map((h) => toHex(recordKey(NEW_ID, h))));
    sim.faults.addLatency({ rpc: 'Coprocessor', ms: 200 });
    const t0 = Date.now();
    await expectRestored(rw);
    const elapsed = Date.now() - t0;
    sim.faults.clear();
    // The record range alone spans ≥ 7 regions: one at a time would take ≥ 1.6 s with the index request.
    expect(elapsed).toBeLessThan(1400);
  });

  it('verifyChecksum names the table and the three values on a mismatch', () => {
    expect(() => verifyChecksum('db.t', { crc64xor: 1n, totalKvs: 2n, totalBytes: 3n }, backup.checksum)).toThrow(/checksum of db\.t does not match.*total_kvs 2 vs/);
  });
});
