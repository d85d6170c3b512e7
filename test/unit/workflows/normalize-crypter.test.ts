import { normalizeRestoreRequest } from '../../../src/workflows/normalize-request';

const problemsOf = (raw: unknown): string[] => {
  const r = normalizeRestoreRequest(raw);
  return 'problems' in r ? r.problems : [];
};

const KEY = '9f'.repeat(32);

describe('crypter: the key of an encrypted backup, by file on the worker', () => {
  test('a BR method and an absolute key-file path pass through (upper-case BR spelling kept lower-case)', () => {
    const r = normalizeRestoreRequest({ storage: 's3://b/p', crypter: { method: 'AES256-CTR', keyFile: '/etc/brflow/backup.key' } });
    expect(r).toEqual({ value: expect.objectContaining({ crypter: { method: 'aes256-ctr', keyFile: '/etc/brflow/backup.key' } }) });
  });

  test('absent: the request has no crypter (the workers’ default or a plaintext backup)', () => {
    const r = normalizeRestoreRequest({ storage: 's3://b/p' });
    expect('value' in r && 'crypter' in r.value).toBe(false);
  });

  test('the key itself is refused under any field name, and never echoed', () => {
    const inputs = [
      { storage: 's3://b/p', crypter: { method: 'aes256-ctr', key: KEY } },
      { storage: 's3://b/p', crypter: { method: 'aes256-ctr', keyFile: '/k', cipherKey: KEY } },
      { storage: 's3://b/p', crypterKey: KEY },
      { storage: 's3://b/p', crypter: { method: 'aes256-ctr', keyFile: KEY } },
    ];
    const problems = inputs.map(problemsOf);
    expect(problems[0]).toEqual(expect.arrayContaining([expect.stringMatching(/^crypter\.key: the backup key never goes in the input .* crypter\.keyFile/)]));
    expect(problems[1]).toEqual([expect.stringMatching(/^crypter\.cipherKey: the backup key never goes in the input/)]);
    expect(problems[2]).toEqual([expect.stringMatching(/^crypterKey: secrets never go in the input/)]);
    expect(problems[3]).toEqual([expect.stringMatching(/^crypter\.keyFile: expected the absolute path of the key file on the worker host/)]);
    for (const p of problems.flat()) expect(p).not.toContain(KEY.slice(0, 16));
  });

  test('a method BR has but brflow does not (SM4, plaintext), or none, names the accepted ones', () => {
    for (const method of ['sm4-ctr', 'plaintext', undefined]) {
      expect(problemsOf({ storage: 's3://b/p', crypter: { method, keyFile: '/k' } })).toEqual([
        'crypter.method: expected one of aes128-ctr, aes192-ctr, aes256-ctr (BR --crypter.method)',
      ]);
    }
    expect(problemsOf({ storage: 's3://b/p', crypter: 'aes256-ctr' })).toEqual([expect.stringMatching(/^crypter: expected an object like/)]);
    expect(problemsOf({ storage: 's3://b/p', crypter: { method: 'aes128-ctr', keyFile: 'rel/k' } })).toEqual([expect.stringMatching(/^crypter\.keyFile: expected the absolute path/)]);
  });
});
