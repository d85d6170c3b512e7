import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { catalogTables } from '../../../../src/backup/generator/catalog';
import { decodeKeyDatums } from '../../../../src/backup/generator/datum-key-codec';
import { makeBackup, type MakeBackupOptions } from '../../../../src/backup/generator/make-backup';
import { createPrng } from '../../../../src/backup/generator/prng';
import { decodeRowV2 } from '../../../../src/backup/generator/row-v2';
import { decodeMvccWrite } from '../../../../src/backup/mvcc-write';
import { openStorage } from '../../../../src/backup/open-storage';
import type { BackupStorage } from '../../../../src/backup/storage';
import { readManifest } from '../../../../src/backup/read-manifest';
import { readSst } from '../../../../src/backup/sst';
import { BackupMeta } from '../../../../src/proto/brpb';
import { decodeMvccKey, decodeTableId, fromHex, RECORD_PREFIX_LEN } from '../../../../src/plan/keys';

const base: MakeBackupOptions = { seed: 11, tables: 8, rows: 40, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false };
const dirs: string[] = [];
async function make(opts: Partial<MakeBackupOptions> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'brflow-gen-'));
  dirs.push(dir);
  await makeBackup(openStorage(dir), { ...base, ...opts });
  return dir;
}
async function files(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(d, e.name));
      else out.set(relative(dir, join(d, e.name)), await readFile(join(d, e.name)));
    }
  };
  await walk(dir);
  return out;
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('makeBackup', () => {
  test('is deterministic: the same seed writes the same objects byte for byte, another seed does not', async () => {
    const [a, b, c] = await Promise.all([make(), make(), make({ seed: 12 })]);
    const fa = await files(a);
    const fb = await files(b);
    expect([...fb.keys()].sort()).toEqual([...fa.keys()].sort());
    for (const [name, bytes] of fa) expect(fb.get(name)?.equals(bytes)).toBe(true);
    expect((await files(c)).get('backupmeta')?.equals(fa.get('backupmeta')!)).toBe(false);
  });

  test('decoding the stored rows gives back the generated int and varchar values', async () => {
    const dir = await make();
    const storage = openStorage(dir);
    const m = await readManifest(storage);
    const order = m.tables.find((t) => t.name === 'order')!;
    // Regenerate the expected rows straight from the catalog with the same seed and stream.
    const spec = catalogTables(1)[0]!.spec;
    const rng = createPrng(base.seed).fork('rows:shop.order');
    const expected = Array.from({ length: base.rows }, (_, n) => spec.columns.map((c) => c.gen(rng, n, base.rows)));
    const seen = new Map<bigint, { select: string }>();
    for (const f of order.files.filter((x) => x.cf === 'write')) {
      for (const e of readSst(await storage.read(f.name)).entries) {
        const { rawKey } = decodeMvccKey(e.key);
        if (rawKey[RECORD_PREFIX_LEN - 1] !== 0x72) continue; // index keys
        const handle = decodeKeyDatums(Uint8Array.of(3, ...rawKey.subarray(RECORD_PREFIX_LEN)))[0];
        const w = decodeMvccWrite(e.value);
        const row = decodeRowV2(w.shortValue!);
        expect(handle?.kind).toBe('int');
        seen.set((handle as { value: bigint }).value, { select: new TextDecoder().decode(row.values.get(2)!) });
      }
    }
    expect(seen.size).toBe(base.rows);
    expected.forEach((datums) => {
      const id = datums[0]!;
      const sel = datums[1]!;
      expect(id.kind === 'int' && seen.get(id.value)?.select).toBe(sel.kind === 'string' ? sel.value : undefined);
    });
  });

  test('long values go to default-CF files, every write-CF record of a long value has no short value', async () => {
    const dir = await make();
    const m = await readManifest(openStorage(dir));
    const docs = m.tables.find((t) => t.name === 'documents')!;
    const defaults = docs.files.filter((f) => f.cf === 'default');
    expect(defaults.length).toBeGreaterThan(0);
    for (const f of defaults) {
      const entries = readSst(await readFile(join(dir, f.name))).entries;
      expect(entries.every((e) => e.value.length > 255)).toBe(true);
      // The write file of the same range shares the name up to the CF suffix (BR pairs them that way).
      expect(docs.files.some((w) => w.cf === 'write' && w.name === f.name.replace(/_default\.sst$/, '_write.sst'))).toBe(true);
    }
    const body = decodeRowV2(readSst(await readFile(join(dir, defaults[0]!.name))).entries[0]!.value);
    expect(body.values.get(3)!.length).toBeGreaterThan(200);
  });

  test('schema checksums are the XOR/sum of the table and partition files; partitions and empty tables are kept', async () => {
    const m = await readManifest(openStorage(await make()));
    for (const t of m.tables) {
      const crc = t.files.reduce((x, f) => x ^ BigInt(f.crc64xor), 0n);
      const kvs = t.files.reduce((x, f) => x + BigInt(f.totalKvs), 0n);
      expect([t.crc64xor, t.totalKvs]).toEqual([crc.toString(), kvs.toString()]);
    }
    const metrics = m.tables.find((t) => t.name === 'metrics')!;
    expect(metrics.physicalIds).toHaveLength(4);
    const filePids = new Set(metrics.files.map((f) => decodeTableId(fromHex(f.startKey))));
    expect(filePids.size).toBeGreaterThanOrEqual(3); // every range partition received rows
    expect(m.tables.find((t) => t.name === 'empty_table')).toMatchObject({ files: [], totalKvs: '0' });
    expect(m.databases.map((d) => d.name)).toContain('café_数据');
  });

  test('meta v2 numbers metafiles with one shared counter; v1 keeps everything inline with ddls "[]"', async () => {
    const v2 = await files(await make({ incremental: true }));
    expect([...v2.keys()].filter((n) => n.startsWith('backupmeta.')).sort()).toEqual(
      ['backupmeta.datafile.000000001', 'backupmeta.ddl.000000003', 'backupmeta.schema.000000002']);
    const root = BackupMeta.decode(v2.get('backupmeta')!);
    expect(root.version).toBe(1);
    expect(root.fileIndex!.metaFiles[0]!.size).toBe(BigInt(v2.get('backupmeta.datafile.000000001')!.length));
    expect(new TextDecoder().decode(root.ddls)).toBe('[]');
    const v1 = BackupMeta.decode((await files(await make({ metaVersion: 1 }))).get('backupmeta')!);
    expect(v1.version).toBe(0);
    expect(v1.files.length).toBeGreaterThan(0);
    expect(new TextDecoder().decode(v1.ddls)).toBe('[]');
  });

  test('two-level v2 indexes with small leaves read back to the same manifest as a flat one', async () => {
    const flat = await readManifest(openStorage(await make()));
    const deepDir = await make({ metaLeafEntries: 10, metaTwoLevel: true });
    const deep = await readManifest(openStorage(deepDir));
    expect(deep.tables.map((t) => [t.name, t.files.length, t.crc64xor])).toEqual(flat.tables.map((t) => [t.name, t.files.length, t.crc64xor]));
    const root = BackupMeta.decode(await readFile(join(deepDir, 'backupmeta')));
    expect(root.fileIndex!.metaFiles).toHaveLength(1);
  });

  test('incremental: starts at the full backup end, carries DDL jobs with queries, deletes and several versions', async () => {
    const full = await readManifest(openStorage(await make()));
    const incDir = await make({ incremental: true });
    const inc = await readManifest(openStorage(incDir));
    expect(inc.startVersion).toBe(full.endVersion);
    expect(BigInt(inc.endVersion)).toBeGreaterThan(BigInt(inc.startVersion));
    expect(inc.ddlJobs.map((j) => [j.type, j.query])).toEqual([
      [1, 'CREATE DATABASE `inc_db`'],
      [3, expect.stringContaining('CREATE TABLE `new_items`')],
      [5, 'ALTER TABLE `order` ADD COLUMN `extra` VARCHAR(20)'],
      [14, 'RENAME TABLE `shop`.`documents` TO `shop`.`documents_v2`'],
      [4, 'DROP TABLE `empty_table`'],
    ]);
    // TSOs in the job JSON are exact (beyond 2^53).
    const raw = (await files(incDir)).get('backupmeta.ddl.000000003')!.toString();
    expect(raw).toMatch(/"start_ts":\d{18}/);
    expect(inc.tables.map((t) => t.name)).toEqual(expect.arrayContaining(['documents_v2', 'new_items']));
    expect(inc.tables.map((t) => t.name)).not.toContain('empty_table');
    expect(inc.tables.find((t) => t.name === 'order')!.info.cols.map((c) => c.name.O)).toContain('extra');
    let deletes = 0;
    const versionsPerKey = new Map<string, number>();
    for (const t of inc.tables) {
      expect(t.totalKvs).toBe('0'); // BR records no table checksum for incremental backups
      for (const f of t.files) {
        expect([f.startVersion, f.endVersion]).toEqual([inc.startVersion, inc.endVersion]);
        if (f.cf !== 'write') continue;
        for (const e of readSst(await readFile(join(incDir, f.name))).entries) {
          const { rawKey, ts } = decodeMvccKey(e.key);
          expect(ts > BigInt(inc.startVersion) && ts <= BigInt(inc.endVersion)).toBe(true);
          if (decodeMvccWrite(e.value).type === 'delete') deletes++;
          const k = Buffer.from(rawKey).toString('hex');
          versionsPerKey.set(k, (versionsPerKey.get(k) ?? 0) + 1);
        }
      }
    }
    expect(deletes).toBeGreaterThan(0);
    expect(Math.max(...versionsPerKey.values())).toBeGreaterThan(1);
  });

  test.each([4, 40])('file key ranges tile each backup range and hold only their own keys (%i rows)', async (rows) => {
    const dir = await make({ rows });
    const m = await readManifest(openStorage(dir));
    for (const t of m.tables) {
      const writes = t.files.filter((f) => f.cf === 'write').sort((a, b) => (a.startKey < b.startKey ? -1 : 1));
      for (let i = 0; i < writes.length; i++) {
        const f = writes[i]!;
        expect(f.startKey < f.endKey).toBe(true);
        // Within one backup range (same 11- or 19-byte prefix) the next file starts where this one ends.
        const next = writes[i + 1];
        const prefixLen = f.startKey.slice(20, 22) === '72' ? 22 : 38;
        // BR's ValidateFileRewriteRule needs both ends inside one record/index prefix (its rewrite rule).
        expect(f.endKey.slice(0, prefixLen)).toBe(f.startKey.slice(0, prefixLen));
        expect(f.endKey.length).toBeGreaterThan(prefixLen);
        if (next && next.startKey.slice(0, prefixLen) === f.startKey.slice(0, prefixLen)) expect(next.startKey).toBe(f.endKey);
        for (const e of readSst(await readFile(join(dir, f.name))).entries) {
          const k = Buffer.from(decodeMvccKey(e.key).rawKey).toString('hex');
          expect(k >= f.startKey && k < f.endKey).toBe(true);
        }
      }
    }
  });

  test('reports every bad option at once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'brflow-gen-'));
    dirs.push(dir);
    await expect(makeBackup(openStorage(dir), { ...base, seed: -1, tables: 0, metaVersion: 1, metaLeafEntries: 0 })).rejects.toThrow(
      /--seed -1 .*; --tables 0 .*; --meta-leaf-entries 0 must be a positive integer; --meta-leaf-entries and --meta-two-level shape v2 metafiles/);
    expect(await openStorage(dir).list()).toEqual([]);
  });

  test('a failing upload fails the run and no backupmeta is written', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'brflow-gen-'));
    dirs.push(dir);
    const real = openStorage(dir);
    let writes = 0;
    const flaky: BackupStorage = {
      description: real.description, read: (n) => real.read(n), readRange: (n, a, b) => real.readRange(n, a, b),
      exists: (n) => real.exists(n), list: (p) => real.list(p), size: (n) => real.size(n),
      write: async (n, b) => {
        if (++writes === 20) throw new Error('disk full');
        await real.write(n, b);
      },
    };
    await expect(makeBackup(flaky, base)).rejects.toThrow('disk full');
    expect(await real.exists('backupmeta')).toBe(false);
  });

  test('refuses a location that already holds a backup', async () => {
    const dir = await make();
    await expect(makeBackup(openStorage(dir), base)).rejects.toThrow(/already holds a backup \(backupmeta exists\)/);
  });
});
