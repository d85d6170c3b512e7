import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KvChecksum } from '../../../../src/backup/crc64';
import { expectedTableStates } from '../../../../src/backup/generator/expected-state';
import { makeBackup, type MakeBackupOptions } from '../../../../src/backup/generator/make-backup';
import type { BackupFile } from '../../../../src/backup/manifest';
import { decodeMvccWrite } from '../../../../src/backup/mvcc-write';
import { openStorage } from '../../../../src/backup/open-storage';
import { readManifest } from '../../../../src/backup/read-manifest';
import { readSst } from '../../../../src/backup/sst';
import type { BackupStorage } from '../../../../src/backup/storage';
import { decodeMvccKey } from '../../../../src/plan/keys';

const opts = { seed: 3, tables: 8, rowsPerTable: 30, withSysTables: true };
const make: MakeBackupOptions = { seed: 3, tables: 8, rows: 30, metaVersion: 2, compression: 'snappy', incremental: false, withSysTables: true };
let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'brflow-expected-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Replays backup SSTs the way an ingest + MVCC read would: newest version per key wins, deletes remove. */
async function replay(storage: BackupStorage, files: BackupFile[], state: Map<string, { ts: bigint; value: Uint8Array | null }>): Promise<void> {
  const defaults = new Map<string, Uint8Array>();
  for (const f of files.filter((x) => x.cf === 'default')) {
    for (const e of readSst(await storage.read(f.name)).entries) {
      const { rawKey, ts } = decodeMvccKey(e.key);
      defaults.set(`${Buffer.from(rawKey).toString('hex')}@${ts}`, e.value);
    }
  }
  for (const f of files.filter((x) => x.cf === 'write')) {
    for (const e of readSst(await storage.read(f.name)).entries) {
      const { rawKey, ts } = decodeMvccKey(e.key);
      const k = Buffer.from(rawKey).toString('hex');
      const w = decodeMvccWrite(e.value);
      const value = w.type === 'delete' ? null : (w.shortValue ?? defaults.get(`${k}@${w.startTs}`));
      if (value === undefined) throw new Error(`no default-CF value for ${k}@${w.startTs}`);
      const cur = state.get(k);
      if (!cur || cur.ts < ts) state.set(k, { ts, value });
    }
  }
}

describe('expectedTableStates', () => {
  test('after a full backup it equals the checksums the backup records', async () => {
    const m = await readManifest(openStorage(await dir('full')));
    const expected = expectedTableStates(opts, false);
    expect(expected.map((e) => [e.db, e.table, e.crc64xor, e.totalKvs, e.totalBytes])).toEqual(
      m.tables.map((t) => [t.db, t.name, t.crc64xor, t.totalKvs, t.totalBytes]));
  });

  test('after full + incremental it equals replaying both backups SST by SST (deletes and newer versions applied)', async () => {
    const full = openStorage(await dir('full2'));
    const inc = openStorage(await dir('inc', true));
    const [fm, im] = await Promise.all([readManifest(full), readManifest(inc)]);
    const expected = expectedTableStates(opts, true);
    expect(expected.map((e) => e.table)).toEqual(im.tables.map((t) => t.name));
    for (const e of expected) {
      const state = new Map<string, { ts: bigint; value: Uint8Array | null }>();
      const it = im.tables.find((t) => t.physicalIds.includes(e.physicalIds[0]!))!;
      const ft = fm.tables.find((t) => t.id === it.id);
      if (ft) await replay(full, ft.files, state);
      await replay(inc, it.files, state);
      const sum = new KvChecksum();
      for (const [k, v] of [...state.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) if (v.value) sum.update(Buffer.from(k, 'hex'), v.value);
      expect([e.table, e.crc64xor, e.totalKvs, e.totalBytes]).toEqual([e.table, sum.crc64xor.toString(), sum.totalKvs.toString(), sum.totalBytes.toString()]);
    }
    // The increment really changed things: some table differs from its full-backup state.
    const before = expectedTableStates(opts, false);
    expect(expected.some((e) => before.find((b) => b.physicalIds[0] === e.physicalIds[0])?.crc64xor !== e.crc64xor)).toBe(true);
  });
});

async function dir(name: string, incremental = false): Promise<string> {
  const d = join(root, name);
  await makeBackup(openStorage(d), { ...make, incremental });
  return d;
}
