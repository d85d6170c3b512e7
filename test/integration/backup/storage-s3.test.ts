import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { openStorage } from '../../../src/backup/open-storage';
import { S3Storage } from '../../../src/backup/s3-storage';
import { openStorageFromBackend, toStorageBackend } from '../../../src/backup/storage-backend';
import { readManifest } from '../../../src/backup/read-manifest';
import { ErrorType } from '../../../src/plan/error-types';
import { testS3Endpoint } from '../../support/env';
import { readRealBr } from '../../unit/backup/meta-fixtures';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

// Real S3 server from global-setup; credentials reach the SDK through the AWS environment only.
describe('S3Storage against a real S3 server', () => {
  const bucket = `brflow-storage-${Date.now().toString(36)}`;
  let endpoint: string;
  let admin: S3Client;
  const opened: S3Storage[] = [];
  const open = (url: string): S3Storage => {
    const s = openStorage(url);
    if (!(s instanceof S3Storage)) throw new Error(`${url} did not open an S3Storage`);
    opened.push(s);
    return s;
  };

  beforeAll(async () => {
    endpoint = testS3Endpoint();
    admin = new S3Client({
      endpoint, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
    });
    await admin.send(new CreateBucketCommand({ Bucket: bucket }));
    // An object outside the backup prefix must never show up in the backup's listing.
    await admin.send(new PutObjectCommand({ Bucket: bucket, Key: 'other/backupmeta', Body: 'x' }));
  });
  afterAll(() => {
    for (const s of opened) s.close();
    admin.destroy();
  });

  test('write, read, range read, size, exists and list round-trip under a prefix', async () => {
    const s = open(`s3://${bucket}/backups/full?endpoint=${endpoint}`);
    await s.write('backupmeta', bytes('meta'));
    await s.write('1/2_3_write.sst', bytes('0123456789'));
    await s.write('1/1_3_default.sst', bytes('d'));
    expect(text(await s.read('backupmeta'))).toBe('meta');
    expect(text(await s.readRange('1/2_3_write.sst', 3, 7))).toBe('3456');
    expect(await s.readRange('1/2_3_write.sst', 4, 4)).toHaveLength(0);
    expect(await s.size('1/2_3_write.sst')).toBe(10);
    expect(await s.exists('backupmeta')).toBe(true);
    expect(await s.exists('backupmeta.schema.000000001')).toBe(false);
    expect(await s.list()).toEqual(['1/1_3_default.sst', '1/2_3_write.sst', 'backupmeta']);
    expect(await s.list('1/')).toEqual(['1/1_3_default.sst', '1/2_3_write.sst']);
  });

  test('list pages through more than one ListObjectsV2 page (1000 keys)', async () => {
    const s = open(`s3://${bucket}/many?endpoint=${endpoint}`);
    const names = Array.from({ length: 1003 }, (_, i) => `f${String(i).padStart(5, '0')}`);
    for (let i = 0; i < names.length; i += 50) {
      await Promise.all(names.slice(i, i + 50).map((n) => s.write(n, bytes(n))));
    }
    expect(await s.list()).toEqual(names);
  });

  test('a missing object is StorageNotFound naming the object and the location', async () => {
    const s = open(`s3://${bucket}/backups/empty?endpoint=${endpoint}`);
    const expected = { type: ErrorType.StorageNotFound, message: `object backupmeta not found in ${s.description}` };
    await expect(s.read('backupmeta')).rejects.toMatchObject(expected);
    await expect(s.size('backupmeta')).rejects.toMatchObject(expected);
    await expect(s.readRange('backupmeta', 0, 4)).rejects.toMatchObject(expected);
  });

  test('a missing bucket is StorageNotFound naming the bucket', async () => {
    const s = open(`s3://no-such-bucket-brflow/p?endpoint=${endpoint}`);
    await expect(s.read('backupmeta')).rejects.toMatchObject({
      type: ErrorType.StorageNotFound, message: expect.stringContaining('bucket no-such-bucket-brflow does not exist'),
    });
  });

  test('a range past the end of an object is refused, not silently shortened', async () => {
    const s = open(`s3://${bucket}/ranges?endpoint=${endpoint}`);
    await s.write('short', bytes('abc'));
    await expect(s.readRange('short', 1, 10)).rejects.toMatchObject({ type: ErrorType.SstCorrupt });
    await expect(s.readRange('short', 5, 10)).rejects.toMatchObject({ type: ErrorType.SstCorrupt });
  });

  test('the StorageBackend sent to TiKV reads the same objects with the reader\'s own credentials', async () => {
    const url = `s3://${bucket}/backups/full?endpoint=${endpoint}`;
    const backend = toStorageBackend(url);
    expect(backend.s3?.accessKey).toBe('');
    expect(backend.s3?.secretAccessKey).toBe('');
    const tikvSide = openStorageFromBackend(backend) as S3Storage;
    opened.push(tikvSide);
    expect(text(await tikvSide.readRange('1/2_3_write.sst', 0, 2))).toBe('01');
  });

  test('readManifest reads a real BR v2 backup from S3 exactly as from a folder', async () => {
    const s = open(`s3://${bucket}/real/v2?endpoint=${endpoint}`);
    for (const name of ['backupmeta', 'backupmeta.schema.000000001', 'backup.lock']) await s.write(name, readRealBr(`v2-500tables/${name}`));
    const m = await readManifest(s);
    expect([m.metaVersion, m.clusterId, m.endVersion, m.tables.length]).toEqual([2, '7211076907329653533', '440691270926467074', 500]);
    await expect(readManifest(open(`s3://${bucket}/real/none?endpoint=${endpoint}`))).rejects.toMatchObject({
      type: ErrorType.BackupMetaMissing,
      message: `no backupmeta at s3://${bucket}/real/none?endpoint=${endpoint}&force-path-style=true: is this a BR backup folder?`,
    });
  });

  test('an unreachable endpoint fails as StorageUnavailable after bounded retries', async () => {
    const s = open(`s3://${bucket}/p?endpoint=http://127.0.0.1:1`);
    const started = Date.now();
    await expect(s.read('backupmeta')).rejects.toMatchObject({ type: ErrorType.StorageUnavailable });
    expect(Date.now() - started).toBeLessThan(60_000);
  });
});
