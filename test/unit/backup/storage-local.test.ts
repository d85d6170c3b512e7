import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStorage } from '../../../src/backup/local-storage';
import { openStorage } from '../../../src/backup/open-storage';
import { ErrorType } from '../../../src/plan/error-types';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('LocalStorage', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'brflow-local-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('write then read, range, size, exists and sorted list under a prefix', async () => {
    const s = openStorage(`local://${dir}`);
    expect(s.description).toBe(`local://${dir}`);
    await s.write('backupmeta', bytes('meta'));
    await s.write('1/2_3_write.sst', bytes('0123456789'));
    await s.write('1/1_3_default.sst', bytes('x'));
    expect(readFileSync(join(dir, '1', '2_3_write.sst'), 'utf8')).toBe('0123456789');
    expect(text(await s.read('backupmeta'))).toBe('meta');
    expect(text(await s.readRange('1/2_3_write.sst', 2, 5))).toBe('234');
    expect(await s.readRange('1/2_3_write.sst', 10, 10)).toHaveLength(0);
    expect(await s.size('1/2_3_write.sst')).toBe(10);
    expect(await s.exists('backupmeta')).toBe(true);
    expect(await s.exists('nope')).toBe(false);
    expect(await s.exists('1')).toBe(false);
    expect(await s.list()).toEqual(['1/1_3_default.sst', '1/2_3_write.sst', 'backupmeta']);
    expect(await s.list('1/')).toEqual(['1/1_3_default.sst', '1/2_3_write.sst']);
    expect(await s.list('backupmeta.')).toEqual([]);
  });

  test('a missing object is StorageNotFound naming the object and the location', async () => {
    const s = new LocalStorage(dir);
    for (const op of [() => s.read('backupmeta'), () => s.size('backupmeta'), () => s.readRange('backupmeta', 0, 1)]) {
      await expect(op()).rejects.toMatchObject({
        type: ErrorType.StorageNotFound,
        message: `object backupmeta not found in local://${dir}`,
      });
    }
  });

  test('a range past the end of the object is refused, not silently shortened', async () => {
    writeFileSync(join(dir, 'f'), 'abc');
    const s = new LocalStorage(dir);
    await expect(s.readRange('f', 1, 4)).rejects.toMatchObject({ type: ErrorType.SstCorrupt, message: expect.stringContaining('has 3 bytes') });
    await expect(s.readRange('f', 2, 1)).rejects.toMatchObject({ type: ErrorType.InvalidInput });
  });

  test('names that would escape the backup root are refused', async () => {
    mkdirSync(join(dir, 'inner'));
    const s = new LocalStorage(join(dir, 'inner'));
    writeFileSync(join(dir, 'secret'), 'x');
    for (const name of ['../secret', '/etc/passwd', 'a//b', './x', '']) {
      await expect(s.read(name)).rejects.toMatchObject({ type: ErrorType.InvalidInput });
    }
  });

  test('listing a folder that does not exist yet is empty', async () => {
    expect(await new LocalStorage(join(dir, 'absent')).list()).toEqual([]);
  });

  test('overwrite replaces the content and leaves no temp file', async () => {
    const s = new LocalStorage(dir);
    await s.write('a', bytes('one'));
    await s.write('a', bytes('two'));
    expect(text(await s.read('a'))).toBe('two');
    expect(await s.list()).toEqual(['a']);
  });
});
