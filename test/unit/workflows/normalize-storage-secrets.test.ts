import { normalizeRestoreRequest } from '../../../src/workflows/normalize-request';

function problemsOf(raw: unknown): string[] {
  const r = normalizeRestoreRequest(raw);
  return 'problems' in r ? r.problems : [];
}

describe('a storage URL whose query could hold a credential', () => {
  test.each([
    ['s3://bkt/p?token=T0PSEKRET', 'token'],
    ['s3://bkt/p?X-Amz-Signature=T0PSEKRET&X-Amz-Credential=AKID', 'X-Amz-Signature'],
    ['s3://bkt/p?region=r&sig=T0PSEKRET', 'sig'],
    ['s3://bkt/p?password=T0PSEKRET', 'password'],
    ['s3://bkt/p?endpoint=http://minio:T0PSEKRET@10.0.0.1:9000', 'endpoint'],
  ])('%s is refused, naming the field and parameter, never the value', (storage, param) => {
    const p = problemsOf({ storage });
    expect(p).toEqual([expect.stringMatching(new RegExp(`^storage: the URL carries credentials \\(query parameter .*"${param}"`))]);
    expect(p.join('\n')).not.toContain('T0PSEKRET');
  });

  test('the S3 options are no credential', () => {
    expect(problemsOf({ storage: 's3://bkt/p?endpoint=http://127.0.0.1:9000&region=us-east-1&force-path-style=true' })).toEqual([]);
  });
});
