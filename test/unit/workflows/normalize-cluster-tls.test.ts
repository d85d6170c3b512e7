import { normalizeRestoreRequest } from '../../../src/workflows/normalize-request';

const problemsOf = (input: unknown): string[] => {
  const r = normalizeRestoreRequest(input);
  return 'problems' in r ? r.problems : [];
};
const cluster = (tls: unknown) => ({ storage: 's3://b/p', cluster: { pd: ['10.0.0.1:2379'], tidb: '10.0.0.2:4000', tls } });

describe('cluster.tls in the restore input: PEM paths on the worker host, never PEM contents', () => {
  test('paths are kept; CA alone is server-verified TLS, with cert and key mutual TLS', () => {
    const mutual = normalizeRestoreRequest(cluster({ ca: '/etc/brflow/ca.pem', cert: '/etc/brflow/client.pem', key: '/etc/brflow/client-key.pem' }));
    expect('value' in mutual && mutual.value.cluster?.tls).toEqual({ ca: '/etc/brflow/ca.pem', cert: '/etc/brflow/client.pem', key: '/etc/brflow/client-key.pem' });
    const caOnly = normalizeRestoreRequest(cluster({ ca: '/etc/brflow/ca.pem' }));
    expect('value' in caOnly && caOnly.value.cluster?.tls).toEqual({ ca: '/etc/brflow/ca.pem' });
  });

  test('PEM text is refused naming the field, and never echoed', () => {
    const key = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n-----END PRIVATE KEY-----\n';
    const cert = '-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ\n-----END CERTIFICATE-----\n';
    const p = problemsOf(cluster({ ca: '/etc/brflow/ca.pem', cert, key }));
    expect(p).toEqual([
      expect.stringMatching(/^cluster\.tls\.cert: certificate or key contents never go in the input/),
      expect.stringMatching(/^cluster\.tls\.key: certificate or key contents never go in the input/),
    ]);
    expect(p.join('\n')).not.toContain('MII');
    // Base64 without the armour is no path either, and is not echoed.
    const bare = problemsOf(cluster({ ca: 'MIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUF' }));
    expect(bare).toEqual([expect.stringMatching(/^cluster\.tls\.ca: expected the absolute path of a PEM file/)]);
    expect(bare.join('\n')).not.toContain('MII');
  });

  test('every problem at once: relative paths, cert without key, no CA, unknown fields', () => {
    expect(problemsOf(cluster({ ca: 'ca.pem', cert: '/c.pem', verify: false }))).toEqual([
      expect.stringMatching(/^cluster\.tls\.verify: unknown field; known: ca, cert, key/),
      expect.stringMatching(/^cluster\.tls\.ca: expected the absolute path/),
      expect.stringMatching(/^cluster\.tls\.cert and cluster\.tls\.key go together/),
    ]);
    expect(problemsOf(cluster({ cert: '/c.pem', key: '/k.pem' }))).toEqual([expect.stringMatching(/^cluster\.tls\.ca: required with cluster\.tls/)]);
    expect(problemsOf(cluster('/etc/brflow/ca.pem'))).toEqual([expect.stringMatching(/^cluster\.tls: expected PEM file paths/)]);
  });

  test('cluster.tidbTls: false keeps TiDB\'s SQL port plain; only with cluster.tls, only a boolean', () => {
    const r = normalizeRestoreRequest({ storage: 's3://b/p', cluster: { pd: ['10.0.0.1:2379'], tidb: '10.0.0.2:4000', tls: { ca: '/ca.pem' }, tidbTls: false } });
    expect('value' in r && r.value.cluster).toMatchObject({ tls: { ca: '/ca.pem' }, tidbTls: false });
    expect(problemsOf({ storage: 's3://b/p', cluster: { pd: ['10.0.0.1:2379'], tidb: '10.0.0.2:4000', tidbTls: false } })).toEqual([expect.stringMatching(/^cluster\.tidbTls: only with cluster\.tls/)]);
    expect(problemsOf(cluster({ ca: '/ca.pem' })).length).toBe(0);
    expect(problemsOf({ storage: 's3://b/p', cluster: { pd: ['10.0.0.1:2379'], tidb: '10.0.0.2:4000', tls: { ca: '/ca.pem' }, tidbTls: 'no' } })).toEqual([expect.stringMatching(/^cluster\.tidbTls: expected true or false/)]);
  });
});
