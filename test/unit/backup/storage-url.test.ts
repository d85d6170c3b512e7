import { isBrflowError, ErrorType } from '../../../src/plan/error-types';
import { formatStorageSpec, parseStorageUrl, redactStorageUrl, storageUrlForDisplay } from '../../../src/backup/storage-url';

function rejection(url: string): { type: string; message: string } {
  try {
    parseStorageUrl(url);
  } catch (e) {
    if (isBrflowError(e)) return { type: e.type, message: e.message };
    throw e;
  }
  throw new Error(`${url} was accepted`);
}

describe('parseStorageUrl', () => {
  test.each([
    ['/data/backup', { kind: 'local', path: '/data/backup' }],
    ['backups/full', { kind: 'local', path: 'backups/full' }],
    ['local:///data/backup', { kind: 'local', path: '/data/backup' }],
    ['file:///data/my%20backup', { kind: 'local', path: '/data/my backup' }],
    ['local://rel/dir', { kind: 'local', path: 'rel/dir' }],
    ['s3://bucket', { kind: 's3', bucket: 'bucket', prefix: '', forcePathStyle: true }],
    ['s3://my-bucket/a/b/', { kind: 's3', bucket: 'my-bucket', prefix: 'a/b', forcePathStyle: true }],
    ['S3://bkt/p?endpoint=http://127.0.0.1:9000/&region=us-west-2&force-path-style=false',
      { kind: 's3', bucket: 'bkt', prefix: 'p', endpoint: 'http://127.0.0.1:9000', region: 'us-west-2', forcePathStyle: false }],
    ['s3://bkt/p?s3.endpoint=https://minio.local&force_path_style=true',
      { kind: 's3', bucket: 'bkt', prefix: 'p', endpoint: 'https://minio.local', forcePathStyle: true }],
  ])('%s', (url, spec) => {
    expect(parseStorageUrl(url)).toEqual(spec);
  });

  test.each([
    ['', 'is empty'],
    ['s3:/b', 'is not a URL'],
    ['gcs://bucket/p', 'unsupported scheme "gcs"'],
    ['s3://Bad_Bucket/p', 'bucket name'],
    ['s3://b', 'bucket name'],
    ['s3://bkt/p?endpoint=127.0.0.1:9000', 'has endpoint "127.0.0.1:9000"'],
    ['s3://bkt/p?force-path-style=yes', 'force-path-style=yes'],
    ['s3://bkt/p?colour=red', 'unknown option "colour"'],
    ['s3://bkt/p?region=a&region=b', 'repeats the option "region"'],
    ['local://', 'names no folder'],
    ['local:///x?y=1', 'query'],
  ])('rejects %j with InvalidStorageUrl naming the URL and the accepted forms', (url, why) => {
    const r = rejection(url);
    expect(r.type).toBe(ErrorType.InvalidStorageUrl);
    expect(r.message).toContain(why);
    expect(r.message).toContain('Accepted forms: a folder path, local:///abs/path');
  });

  test.each([
    ['s3://bkt/p?access-key=AKIAEXAMPLE&secret-access-key=TOPSECRET', '"access-key"'],
    ['s3://bkt/p?region=x&s3.secret_access_key=TOPSECRET', '"s3.secret_access_key"'],
    ['s3://bkt/p?session-token=TOPSECRET', '"session-token"'],
    ['s3://AKIAEXAMPLE:TOPSECRET@bkt/p', 'credentials before the bucket'],
  ])('rejects credentials in %s, points at the AWS environment and never echoes the secret', (url, what) => {
    const r = rejection(url);
    expect(r.type).toBe(ErrorType.InvalidStorageUrl);
    expect(r.message).toContain(what);
    expect(r.message).toContain('AWS_ACCESS_KEY_ID');
    expect(r.message).not.toContain('TOPSECRET');
    expect(r.message).not.toContain('AKIAEXAMPLE');
  });

  test('redactStorageUrl masks userinfo and every value but the S3 options', () => {
    expect(redactStorageUrl('s3://k:s@b/p?region=r&secret-access-key=s2&access-key=k2'))
      .toBe('s3://***@b/p?region=r&secret-access-key=***&access-key=***');
    expect(redactStorageUrl('s3://b/p?endpoint=http://h:1&token=T0K&X-Amz-Signature=S1G&s3.region=r'))
      .toBe('s3://b/p?endpoint=http://h:1&token=***&X-Amz-Signature=***&s3.region=r');
  });

  test('an unknown parameter, or an endpoint with userinfo, is refused without its value in the message', () => {
    const r = rejection('s3://bkt/p?token=T0PSEKRET');
    expect(r.message).toContain('"token"');
    expect(r.message).not.toContain('T0PSEKRET');
    const e = rejection('s3://bkt/p?endpoint=http://minio:T0PSEKRET@10.0.0.1:9000');
    expect(e.message).toContain('has endpoint with credentials');
    expect(e.message).not.toContain('T0PSEKRET');
  });

  test('storageUrlForDisplay keeps only the S3 options: no userinfo, credential, unknown parameter or fragment', () => {
    expect(storageUrlForDisplay('s3://bkt/p?endpoint=http://h:1&region=r&force-path-style=false')).toBe('s3://bkt/p?endpoint=http://h:1&region=r&force-path-style=false');
    expect(storageUrlForDisplay('s3://AK:SK@bkt/p?access-key=A&secret-access-key=B&region=r')).toBe('s3://bkt/p?region=r');
    expect(storageUrlForDisplay('s3://bkt/p?X-Amz-Signature=S&sig=S&token=T#frag')).toBe('s3://bkt/p');
    expect(storageUrlForDisplay('s3://bkt/p?endpoint=http://u:pw@h:1')).toBe('s3://bkt/p');
    expect(storageUrlForDisplay('local:///backups/x')).toBe('local:///backups/x');
    expect(storageUrlForDisplay('/backups/x?y')).toBe('/backups/x');
  });

  test('formatStorageSpec gives a canonical URL that parses back to the same spec', () => {
    for (const url of ['/abs/dir', 's3://bkt', 's3://bkt/a/b?endpoint=http://h:1&region=r', 's3://bkt/p?force-path-style=false']) {
      const spec = parseStorageUrl(url);
      expect(parseStorageUrl(formatStorageSpec(spec))).toEqual(spec);
    }
    expect(formatStorageSpec(parseStorageUrl('s3://bkt/a?endpoint=http://h:1'))).toBe('s3://bkt/a?endpoint=http://h:1&force-path-style=true');
  });
});
