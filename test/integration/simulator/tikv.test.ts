import { status } from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendTs, concatBytes, encodeBytes, encodeKeyPrefix, recordKey, recordPrefix, tablePrefix } from '../../../src/plan/keys';
import { ChecksumRequest, ChecksumResponse } from '../../../src/proto/checksum';
import { SwitchMode, type ImportSSTClient, type SSTMeta } from '../../../src/proto/import_sstpb';
import { Context } from '../../../src/proto/kvrpcpb';
import type { Region } from '../../../src/proto/metapb';
import { ManualClock } from '../../../src/simulator/clock';
import { cipherFromKey, encryptCtr } from '../../../src/backup/cipher';
import { crc64 } from '../../../src/backup/crc64';
import { EncryptionMethod } from '../../../src/proto/encryptionpb';
import { encodeMvccWrite } from '../../../src/backup/mvcc-write';
import { initSstCodecs, writeSst } from '../../../src/backup/sst';
import type { ScriptedRegionErrorKind } from '../../../src/simulator/faults';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/server';
import { call, grpcCode, importClient, tikvClient } from './support/grpc-clients';

const OLD_ID = 100;
const NEW_ID = 200;
const COMMIT_TS = 400_000_000_000_000_000n;
const START_TS = COMMIT_TS - 10n;
const z = (enc: Uint8Array) => concatBytes(new Uint8Array([0x7a]), enc);

/** Rows 1..5 with short values, row 6 with a 300-byte value in the default CF: what a TiKV backup writes. */
function backupRows(): { rows: { key: Uint8Array; value: Uint8Array }[]; write: Uint8Array; dflt: Uint8Array } {
  const rows = [1, 2, 3, 4, 5].map((h) => ({ key: recordKey(OLD_ID, h), value: new Uint8Array([0x80, h, h + 1]) }));
  const big = { key: recordKey(OLD_ID, 6), value: new Uint8Array(300).fill(7) };
  const write = rows.map((r) => ({
    key: z(appendTs(encodeBytes(r.key), COMMIT_TS)),
    value: encodeMvccWrite({ type: 'put', startTs: START_TS, shortValue: r.value }),
  }));
  write.push({ key: z(appendTs(encodeBytes(big.key), COMMIT_TS)), value: encodeMvccWrite({ type: 'put', startTs: START_TS }) });
  const dflt = [{ key: z(appendTs(encodeBytes(big.key), START_TS)), value: big.value }];
  return { rows: [...rows, big], write: writeSst(write), dflt: writeSst(dflt) };
}

describe('simulated TiKV over real sockets', () => {
  let sim: SimulatorHandle;
  let clock: ManualClock;
  let dir: string;
  let region: Region;
  const clients: ImportSSTClient[] = [];
  const imp = (storeId: number) => {
    const c = importClient(sim.stores.find((s) => s.id === storeId)!.address);
    clients.push(c);
    return c;
  };
  const leaderOf = (r: Region) => sim.state.regionById(Number(r.id))!.leaderStoreId;
  const ctx = (r: Region, storeId: number) =>
    Context.fromPartial({ regionId: r.id, regionEpoch: r.regionEpoch, peer: r.peers.find((p) => Number(p.storeId) === storeId) });

  beforeAll(() => initSstCodecs());
  beforeEach(async () => {
    clock = new ManualClock();
    sim = await startSimulator({ clock, stores: 3, importModeTimeoutMs: 2000, pdMembers: 1, tidb: false });
    dir = await mkdtemp(join(tmpdir(), 'brflow-sim-test-'));
    const b = backupRows();
    await mkdir(join(dir, '1'));
    await writeFile(join(dir, '1', 'r_write.sst'), b.write);
    await writeFile(join(dir, '1', 'r_default.sst'), b.dflt);
    // Split so one region covers exactly the new table's keys, like BR's split at rule prefixes.
    const r0 = sim.state.regions()[0]!;
    const t = tikvClient(sim.stores.find((s) => s.id === r0.leaderStoreId)!.address);
    const res = await call(t.splitRegion.bind(t), {
      context: Context.fromPartial({ regionId: BigInt(r0.id), regionEpoch: { confVer: BigInt(r0.epoch.confVer), version: BigInt(r0.epoch.version) } }),
      splitKey: Buffer.alloc(0),
      splitKeys: [Buffer.from(recordPrefix(NEW_ID)), Buffer.from(tablePrefix(NEW_ID + 1))],
      isRawKv: false,
    });
    t.close();
    region = res.regions[1]!;
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** BR v5.3 asks for the region's part of the new prefix; the region here is exactly that part. */
  const sstMeta = (r: Region, cf: string): SSTMeta => {
    return {
      uuid: randomBytes(16),
      range: { start: Buffer.from(r.startKey), end: Buffer.from(r.endKey) },
      crc32: 0,
      length: 0n,
      cfName: cf,
      regionId: r.id,
      regionEpoch: r.regionEpoch,
      endKeyExclusive: false,
      totalKvs: 0n,
      totalBytes: 0n,
      apiVersion: 0,
      cipherIv: Buffer.alloc(0),
    };
  };

  /** BR v5.3's download: same request (same uuid) to every peer, legacy encoded rule prefixes. */
  async function downloadToAllPeers(r: Region, cf: 'write' | 'default'): Promise<SSTMeta> {
    const meta = sstMeta(r, cf);
    let last;
    for (const p of r.peers) {
      const c = imp(Number(p.storeId));
      last = await call(c.download.bind(c), {
        ssts: {},
        sst: meta,
        resolvedTs: 0n,
        name: `1/r_${cf}.sst`,
        rewriteRule: {
          oldKeyPrefix: Buffer.from(encodeKeyPrefix(recordPrefix(OLD_ID))),
          newKeyPrefix: Buffer.from(encodeKeyPrefix(recordPrefix(NEW_ID))),
          newTimestamp: 0n,
          ignoreAfterTimestamp: 0n,
          ignoreBeforeTimestamp: 0n,
        },
        storageBackend: { local: { path: dir } },
        isRawKv: false,
        cipherInfo: undefined,
        storageCacheId: '',
        requestType: 0,
        context: undefined,
        sortedRewriteRules: [],
      });
      expect(last.error).toBeUndefined();
      expect(last.isEmpty).toBe(false);
    }
    // BR drops the 8-byte ts suffix of the answered range.
    return { ...meta, range: { start: last!.range!.start.subarray(0, -8), end: last!.range!.end.subarray(0, -8) } };
  }

  async function checksumOnLeader(r: Region) {
    const leader = leaderOf(r);
    const t = tikvClient(sim.stores.find((s) => s.id === leader)!.address);
    try {
      return await call(t.coprocessor.bind(t), {
        context: ctx(r, leader),
        tp: 105n,
        data: Buffer.from(ChecksumRequest.encode({ scanOn: 0, algorithm: 0, rule: { oldPrefix: Buffer.from(recordPrefix(OLD_ID)), newPrefix: Buffer.from(recordPrefix(NEW_ID)) } }).finish()),
        ranges: [{ start: Buffer.from(recordPrefix(NEW_ID)), end: Buffer.from(tablePrefix(NEW_ID + 1)) }],
        isCacheEnabled: false,
        cacheIfMatchVersion: 0n,
        startTs: COMMIT_TS + 1000n,
        schemaVer: 0n,
      });
    } finally {
      t.close();
    }
  }

  it('downloads a real SST with the rewrite rule, ingests it on the leader, and checksums like the backup', async () => {
    const write = await downloadToAllPeers(region, 'write');
    const dflt = await downloadToAllPeers(region, 'default');
    expect(sim.inspector.snapshot().counters.downloadsByName).toEqual({ '1/r_write.sst': 3, '1/r_default.sst': 3 });
    const leader = leaderOf(region);
    const c = imp(leader);
    const ing = await call(c.multiIngest.bind(c), { context: ctx(region, leader), ssts: [write, dflt] });
    expect(ing.error).toBeUndefined();
    expect(sim.inspector.snapshot().counters.ingestsByName).toEqual({ '1/r_write.sst': 1, '1/r_default.sst': 1 });

    const { rows } = backupRows();
    let crc = 0n;
    let bytes = 0n;
    for (const r of rows) {
      crc ^= crc64(r.value, crc64(r.key));
      bytes += BigInt(r.key.length + r.value.length);
    }
    const resp = await checksumOnLeader(region);
    expect(resp.regionError).toBeUndefined();
    expect(resp.otherError).toBe('');
    const sum = ChecksumResponse.decode(resp.data);
    expect(sum).toEqual({ checksum: crc, totalKvs: BigInt(rows.length), totalBytes: bytes });

    // The data sits under the new table ID on every peer; the inspector sees it there.
    const t200 = sim.inspector.tableChecksum(NEW_ID)!;
    expect(t200.totalKvs).toBe(String(rows.length));
    expect(t200.totalBytes).toBe(bytes.toString());
    expect(sim.inspector.tableChecksum(OLD_ID)).toBeUndefined();

    // A repeated ingest of a consumed uuid is a StaleCommand, as in TiKV.
    const again = await call(c.multiIngest.bind(c), { context: ctx(region, leader), ssts: [write] });
    expect(again.error?.staleCommand).toBeDefined();
  });

  it('rejects ingest on a follower (NotLeader with the leader) and with a stale epoch (EpochNotMatch)', async () => {
    const write = await downloadToAllPeers(region, 'write');
    const leader = leaderOf(region);
    const follower = Number(region.peers.find((p) => Number(p.storeId) !== leader)!.storeId);
    const f = imp(follower);
    const nl = await call(f.multiIngest.bind(f), { context: ctx(region, follower), ssts: [write] });
    expect(Number(nl.error?.notLeader?.leader?.storeId)).toBe(leader);

    sim.state.split(Number(region.id), [encodeBytes(recordKey(NEW_ID, 3))]);
    const l = imp(leader);
    const en = await call(l.multiIngest.bind(l), { context: ctx(region, leader), ssts: [write] });
    expect(en.error?.epochNotMatch?.currentRegions).toHaveLength(2);
  });

  it('refuses a download for a region the store does not hold at that epoch', async () => {
    const meta = sstMeta(region, 'write');
    const c = imp(leaderOf(region));
    const res = await call(c.download.bind(c), {
      ssts: {}, sst: { ...meta, regionEpoch: { confVer: 1n, version: 1n } }, resolvedTs: 0n, name: '1/r_write.sst', rewriteRule: undefined,
      storageBackend: { local: { path: dir } }, isRawKv: false, cipherInfo: undefined, storageCacheId: '', requestType: 0, context: undefined, sortedRewriteRules: [],
    });
    expect(res.error?.storeError?.epochNotMatch).toBeDefined();
  });

  it('reports is_empty when no key falls in the requested range', async () => {
    const other = sim.state.regions()[0]!;
    const meta = { ...sstMeta(region, 'write'), regionId: BigInt(other.id), regionEpoch: { confVer: BigInt(other.epoch.confVer), version: BigInt(other.epoch.version) }, range: { start: Buffer.alloc(0), end: Buffer.from(other.endKey) } };
    const c = imp(other.leaderStoreId);
    const res = await call(c.download.bind(c), {
      ssts: {}, sst: meta, resolvedTs: 0n, name: '1/r_write.sst',
      rewriteRule: { oldKeyPrefix: Buffer.from(encodeKeyPrefix(recordPrefix(OLD_ID))), newKeyPrefix: Buffer.from(encodeKeyPrefix(recordPrefix(NEW_ID))), newTimestamp: 0n, ignoreAfterTimestamp: 0n, ignoreBeforeTimestamp: 0n },
      storageBackend: { local: { path: dir } }, isRawKv: false, cipherInfo: undefined, storageCacheId: '', requestType: 0, context: undefined, sortedRewriteRules: [],
    });
    expect(res.error).toBeUndefined();
    expect(res.isEmpty).toBe(true);
  });

  it('decrypts an encrypted backup SST with the request cipher_info and the SST meta IV', async () => {
    const key = randomBytes(16);
    const enc = encryptCtr(cipherFromKey(key), backupRows().write);
    await writeFile(join(dir, '1', 'enc_write.sst'), enc.data);
    const leader = leaderOf(region);
    const c = imp(leader);
    const req = (withKey: boolean) => ({
      ssts: {}, sst: { ...sstMeta(region, 'write'), cipherIv: Buffer.from(enc.iv) }, resolvedTs: 0n, name: '1/enc_write.sst',
      rewriteRule: { oldKeyPrefix: Buffer.from(encodeKeyPrefix(recordPrefix(OLD_ID))), newKeyPrefix: Buffer.from(encodeKeyPrefix(recordPrefix(NEW_ID))), newTimestamp: 0n, ignoreAfterTimestamp: 0n, ignoreBeforeTimestamp: 0n },
      storageBackend: { local: { path: dir } }, isRawKv: false,
      cipherInfo: withKey ? { cipherType: EncryptionMethod.AES128_CTR, cipherKey: key } : undefined,
      storageCacheId: '', requestType: 0, context: undefined, sortedRewriteRules: [],
    });
    const ok = await call(c.download.bind(c), req(true));
    expect(ok.error).toBeUndefined();
    expect(ok.isEmpty).toBe(false);
    const bad = await call(c.download.bind(c), req(false));
    expect(bad.error?.message).toMatch(/Corruption/);
  });

  it('keeps import mode per store and lets it lapse after the timeout unless refreshed', async () => {
    const c = imp(1);
    await call(c.switchMode.bind(c), { mode: SwitchMode.Import, ranges: [] });
    expect((await call(c.getMode.bind(c), {})).mode).toBe(SwitchMode.Import);
    expect(sim.inspector.snapshot().stores.map((s) => s.mode)).toEqual(['Import', 'Normal', 'Normal']);
    clock.advance(1500);
    await call(c.switchMode.bind(c), { mode: SwitchMode.Import, ranges: [] });
    clock.advance(1500);
    expect((await call(c.getMode.bind(c), {})).mode).toBe(SwitchMode.Import);
    clock.advance(500);
    expect((await call(c.getMode.bind(c), {})).mode).toBe(SwitchMode.Normal);
  });

  it('enforces the download speed limit as a byte rate', async () => {
    const leader = leaderOf(region);
    const c = imp(leader);
    const size = backupRows().write.length;
    const limit = Math.ceil(size / 0.3); // ≈300 ms per download
    await call(c.setDownloadSpeedLimit.bind(c), { speedLimit: BigInt(limit) });
    expect(sim.inspector.snapshot().stores.find((s) => s.id === leader)!.speedLimit).toBe(limit);
    const t0 = Date.now();
    await downloadToAllPeers({ ...region, peers: region.peers.filter((p) => Number(p.storeId) === leader) }, 'write');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
  });

  it.each<Exclude<ScriptedRegionErrorKind, 'Other'>>(['NotLeader', 'EpochNotMatch', 'ServerIsBusy', 'RegionNotFound', 'KeyNotInRegion'])(
    'answers a scripted %s on MultiIngest once, then serves',
    async (kind) => {
      const write = await downloadToAllPeers(region, 'write');
      const leader = leaderOf(region);
      sim.faults.injectRegionError({ rpc: 'MultiIngest', kind, count: 1, target: leader });
      const c = imp(leader);
      const bad = await call(c.multiIngest.bind(c), { context: ctx(region, leader), ssts: [write] });
      const field = { NotLeader: 'notLeader', EpochNotMatch: 'epochNotMatch', ServerIsBusy: 'serverIsBusy', RegionNotFound: 'regionNotFound', KeyNotInRegion: 'keyNotInRegion' }[kind];
      expect(bad.error?.[field as 'notLeader']).toBeDefined();
      const good = await call(c.multiIngest.bind(c), { context: ctx(region, leader), ssts: [write] });
      expect(good.error).toBeUndefined();
    },
  );

  it('answers scripted region errors on SplitRegion and Coprocessor too', async () => {
    sim.faults.injectRegionError({ rpc: 'Coprocessor', kind: 'NotLeader', count: 1 });
    expect((await checksumOnLeader(region)).regionError?.notLeader).toBeDefined();
    expect((await checksumOnLeader(region)).regionError).toBeUndefined();
    sim.faults.injectRegionError({ rpc: 'SplitRegion', kind: 'ServerIsBusy', count: 1 });
    const leader = leaderOf(region);
    const t = tikvClient(sim.stores.find((s) => s.id === leader)!.address);
    const res = await call(t.splitRegion.bind(t), { context: ctx(region, leader), splitKey: Buffer.alloc(0), splitKeys: [Buffer.from(recordKey(NEW_ID, 2))], isRawKv: false });
    t.close();
    expect(res.regionError?.serverIsBusy).toBeDefined();
  });

  it('answers UNAVAILABLE for a scripted fault and while a store is down, and serves again after', async () => {
    const c = imp(2);
    sim.faults.injectUnavailable({ rpc: 'GetMode', count: 1, target: 2 });
    expect(await grpcCode(call(c.getMode.bind(c), {}))).toBe(status.UNAVAILABLE);
    expect(await grpcCode(call(c.getMode.bind(c), {}))).toBeUndefined();
    sim.faults.storeDown(2);
    expect(await grpcCode(call(c.switchMode.bind(c), { mode: SwitchMode.Import, ranges: [] }))).toBe(status.UNAVAILABLE);
    expect(sim.inspector.snapshot().stores.find((s) => s.id === 2)!.down).toBe(true);
    sim.faults.storeUp(2);
    expect(await grpcCode(call(c.switchMode.bind(c), { mode: SwitchMode.Import, ranges: [] }))).toBeUndefined();
    sim.faults.addLatency({ rpc: 'GetMode', ms: 120, target: 2 });
    const t0 = Date.now();
    await call(c.getMode.bind(c), {});
    expect(Date.now() - t0).toBeGreaterThanOrEqual(110);
  });

  it('fails leaders over to live peers when a store goes down, if asked to', async () => {
    const sim2 = await startSimulator({ stores: 3, pdMembers: 1, tidb: false, failoverOnStoreDown: true });
    try {
      const r = sim2.state.regions()[0]!;
      await fetch(`${sim2.adminUrl}/stores/${r.leaderStoreId}/down`, { method: 'POST' });
      const after = sim2.state.regionById(r.id)!;
      expect(after.leaderStoreId).not.toBe(r.leaderStoreId);
      expect(after.epoch).toEqual(r.epoch);
    } finally {
      await sim2.stop();
    }
  });

  it('exposes faults and inspection over the admin HTTP API', async () => {
    const post = (path: string, body: unknown) => fetch(`${sim.adminUrl}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    expect((await post('/faults/region-error', { rpc: 'Download', kind: 'ServerIsBusy', count: 2, target: 1 })).status).toBe(200);
    expect((await post('/faults/region-error', { rpc: 'Download', kind: 'Nope', count: 2 })).status).toBe(400);
    expect((await post('/stores/3/down', {})).status).toBe(200);
    const state = (await (await fetch(`${sim.adminUrl}/state`)).json()) as { faults: { regionErrors: unknown[]; downStores: number[] }; regions: unknown[] };
    expect(state.faults.regionErrors).toEqual([{ rpc: 'Download', kind: 'ServerIsBusy', count: 2, target: 1 }]);
    expect(state.faults.downStores).toEqual([3]);
    expect(state.regions).toHaveLength(3);
    expect((await fetch(`${sim.adminUrl}/faults`, { method: 'DELETE' })).status).toBe(200);
    expect(sim.faults.snapshot().downStores).toEqual([]);
    expect(await (await fetch(`${sim.adminUrl}/checksums`)).json()).toEqual([]);
    sim.state.gc.updateService('br-x', 60, 40n);
    expect(await (await post('/gc', { safePoint: '100' })).json()).toEqual({ gcSafePoint: '40' });
    expect((await post('/gc', { safePoint: 100 })).status).toBe(400);
  });
});
