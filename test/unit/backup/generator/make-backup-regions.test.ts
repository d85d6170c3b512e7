import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeBackup, type MakeBackupOptions } from '../../../../src/backup/generator/make-backup';
import { openStorage } from '../../../../src/backup/open-storage';
import { readManifest } from '../../../../src/backup/read-manifest';

/** regionsPerRange: the same rows cut into more (smaller) files, each table's checksum unchanged. */
test('regionsPerRange cuts each backup range into more files while every table keeps its rows and checksum', async () => {
  const base: MakeBackupOptions = { seed: 5, tables: 3, rows: 120, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false };
  const dirs: string[] = [];
  try {
    const read = async (extra: Partial<MakeBackupOptions>) => {
      const dir = await mkdtemp(join(tmpdir(), 'brflow-gen-regions-'));
      dirs.push(dir);
      await makeBackup(openStorage(dir), { ...base, ...extra });
      return readManifest(openStorage(dir));
    };
    const dflt = await read({});
    const three = await read({ regionsPerRange: 3 });
    const many = await read({ regionsPerRange: 12 });
    const fileCount = (m: Awaited<ReturnType<typeof read>>) => m.tables.map((t) => t.files.length);
    // 3 is the default.
    expect(fileCount(three)).toEqual(fileCount(dflt));
    for (const [i, n] of fileCount(many).entries()) expect(n).toBeGreaterThan(fileCount(dflt)[i]!);
    const sums = (m: Awaited<ReturnType<typeof read>>) => m.tables.map((t) => [t.db, t.name, t.crc64xor, t.totalKvs, t.totalBytes]);
    expect(sums(many)).toEqual(sums(dflt));
  } finally {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  }
});
