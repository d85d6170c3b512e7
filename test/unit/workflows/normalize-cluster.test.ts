import { normalizeRestoreRequest } from '../../../src/workflows/normalize-request';

const problemsOf = (input: unknown): string[] => {
  const r = normalizeRestoreRequest(input);
  return 'problems' in r ? r.problems : [];
};

describe('the restore input names its target cluster', () => {
  test('addresses are kept as given; absent means the worker’s own cluster', () => {
    const r = normalizeRestoreRequest({
      storage: 's3://b/p',
      cluster: { pd: ['10.0.0.1:2379', 'http://pd-2.example:2379'], tidb: 'tidb.example:4000', tidbStatus: '[::1]:10080', tidbUser: 'br', tidbPasswordFile: '/etc/brflow/tidb.pw' },
    });
    expect(r).toEqual({ value: expect.objectContaining({ cluster: { pd: ['10.0.0.1:2379', 'http://pd-2.example:2379'], tidb: 'tidb.example:4000', tidbStatus: '[::1]:10080', tidbUser: 'br', tidbPasswordFile: '/etc/brflow/tidb.pw' } }) });
    const none = normalizeRestoreRequest({ storage: 's3://b/p' });
    expect('value' in none && none.value.cluster).toBe(undefined);
  });

  test('every problem is reported at once, each naming the field', () => {
    const p = problemsOf({ storage: 's3://b/p', cluster: { pd: ['nope', '10.0.0.1:2379'], tidbStatus: 'x', colour: 'red' } });
    expect(p).toEqual(expect.arrayContaining([
      expect.stringMatching(/^cluster\.colour: unknown field/),
      expect.stringMatching(/^cluster\.pd\[0\]: "nope" is not host:port/),
      expect.stringMatching(/^cluster\.tidb: required/),
      expect.stringMatching(/^cluster\.tidbStatus: "x" is not host:port/),
    ]));
    expect(p).toHaveLength(4);
    expect(problemsOf({ storage: 's3://b/p', cluster: { pd: [], tidb: 'h:4000' } })).toEqual([expect.stringMatching(/^cluster\.pd: required/)]);
    expect(problemsOf({ storage: 's3://b/p', cluster: 'pd:2379' })).toEqual([expect.stringMatching(/^cluster: expected an object/)]);
    expect(problemsOf({ storage: 's3://b/p', cluster: { pd: ['h:2379'], tidb: 'h:4000', tidbPasswordFile: 'relative.pw' } })).toEqual([expect.stringMatching(/absolute path/)]);
  });

  test('a secret in the input is refused and never echoed', () => {
    const secret = 'hunter2-very-secret';
    const p = problemsOf({ storage: 's3://b/p', cluster: { pd: [`root:${secret}@10.0.0.1:2379`], tidb: 'h:4000', tidbPassword: secret } });
    expect(p).toEqual(expect.arrayContaining([
      expect.stringMatching(/^cluster\.tidbPassword: secrets never go in the input/),
      expect.stringMatching(/^cluster\.pd\[0\]: the value is not host:port.*no credentials/),
    ]));
    expect(p.join('\n')).not.toContain(secret);
  });
});
