import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simTls } from '../../../src/cli/commands/sim';

describe('brflow sim --tls-*', () => {
  const dir = mkdtempSync(join(tmpdir(), 'brflow-sim-tls-'));
  const file = (name: string, body: string) => {
    writeFileSync(join(dir, name), body);
    return join(dir, name);
  };
  const ca = file('ca.pem', '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n');
  const cert = file('server.pem', '-----BEGIN CERTIFICATE-----\nserver\n-----END CERTIFICATE-----\n');
  const key = file('server.key', '-----BEGIN PRIVATE KEY-----\nk\n-----END PRIVATE KEY-----\n');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('none: plain text; all three: TLS, mutual with --tls-require-client-cert', () => {
    expect(simTls({})).toBeUndefined();
    const t = simTls({ tlsCa: ca, tlsCert: cert, tlsKey: key, tlsRequireClientCert: true });
    expect(t?.cert.toString()).toContain('server');
    expect(t?.requireClientCert).toBe(true);
    expect(simTls({ tlsCa: ca, tlsCert: cert, tlsKey: key })?.requireClientCert).toBe(false);
  });

  test('refused: a partial set, a real PD or TiDB, a client-cert demand without certificates', () => {
    expect(() => simTls({ tlsCert: cert, tlsKey: key })).toThrow(/--tls-ca, --tls-cert and --tls-key go together/);
    expect(() => simTls({ tlsCa: ca, tlsCert: cert, tlsKey: key, realPd: true })).toThrow(/simulated PD and TiDB only/);
    expect(() => simTls({ tlsRequireClientCert: true })).toThrow(/--tls-require-client-cert needs --tls-ca/);
  });
});
