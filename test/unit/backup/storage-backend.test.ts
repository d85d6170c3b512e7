import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openStorageFromBackend, toStorageBackend } from '../../../src/backup/storage-backend';
import { S3Storage } from '../../../src/backup/s3-storage';
import { ErrorType } from '../../../src/plan/error-types';
import { StorageBackend } from '../../../src/proto/brpb';

describe('toStorageBackend', () => {
  test('local paths become absolute Local backends', () => {
    expect(toStorageBackend('rel/dir')).toEqual({ local: { path: resolve('rel/dir') } });
    expect(toStorageBackend('local:///data/b')).toEqual({ local: { path: '/data/b' } });
  });

  test('s3 URLs become S3 backends without any credential, and survive the wire', () => {
    const backend = toStorageBackend('s3://bkt/pre/fix?endpoint=http://127.0.0.1:9000&region=us-east-1');
    expect(backend.s3).toMatchObject({
      endpoint: 'http://127.0.0.1:9000', region: 'us-east-1', bucket: 'bkt', prefix: 'pre/fix', forcePathStyle: true,
      accessKey: '', secretAccessKey: '', sessionToken: '',
    });
    const wire = StorageBackend.encode(backend).finish();
    expect(StorageBackend.decode(wire)).toEqual(backend);
  });
});

describe('openStorageFromBackend', () => {
  test('a Local backend reads the folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'brflow-backend-'));
    try {
      writeFileSync(join(dir, 'x.sst'), 'sst');
      const s = openStorageFromBackend(toStorageBackend(dir));
      expect(new TextDecoder().decode(await s.read('x.sst'))).toBe('sst');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an S3 backend opens an S3 storage at the same location', () => {
    const s = openStorageFromBackend(toStorageBackend('s3://bkt/p?endpoint=http://127.0.0.1:9/&region=r'));
    expect(s).toBeInstanceOf(S3Storage);
    expect(s.description).toBe('s3://bkt/p?endpoint=http://127.0.0.1:9&region=r&force-path-style=true');
    (s as S3Storage).close();
  });

  test('noop and empty backends are refused', () => {
    expect(() => openStorageFromBackend({ noop: {} })).toThrow(expect.objectContaining({ type: ErrorType.InvalidInput }));
    expect(() => openStorageFromBackend({})).toThrow(expect.objectContaining({ type: ErrorType.InvalidInput }));
  });
});
