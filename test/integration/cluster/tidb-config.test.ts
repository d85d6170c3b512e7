import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseHostPort, tidbConfigFromEnv } from '../../../src/cluster/tidb-config';
import { ErrorType } from '../../../src/plan/error-types';

// Pure config parsing; it lives with the TiDB client tests because test/unit/cluster belongs to another owner.
describe('tidbConfigFromEnv', () => {
  it('defaults to root@127.0.0.1:4000 with the status port 10080 on the same host', () => {
    expect(tidbConfigFromEnv({})).toEqual({ host: '127.0.0.1', port: 4000, statusAddress: '127.0.0.1:10080', user: 'root', password: '' });
  });

  it('reads address, status address, credentials, deadline and TLS files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'brflow-tidb-cfg-'));
    try {
      const pem = '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n';
      await writeFile(join(dir, 'ca.pem'), pem);
      const cfg = tidbConfigFromEnv({
        BRFLOW_TIDB_ADDRESS: 'tidb.internal:4001',
        BRFLOW_TIDB_USER: 'br',
        BRFLOW_TIDB_PASSWORD: 'pw',
        BRFLOW_TIDB_TIMEOUT_MS: '1500',
        BRFLOW_TIDB_SESSIONS: '16',
        BRFLOW_TIDB_CA: join(dir, 'ca.pem'),
      });
      expect(cfg).toEqual({ host: 'tidb.internal', port: 4001, statusAddress: 'tidb.internal:10080', user: 'br', password: 'pw', timeoutMs: 1500, sessions: 16, tls: { ca: Buffer.from(pem) } });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports every problem at once, naming the variables, and never the password', () => {
    let err: unknown;
    try {
      tidbConfigFromEnv({ BRFLOW_TIDB_ADDRESS: 'host:99999', BRFLOW_TIDB_TIMEOUT_MS: 'soon', BRFLOW_TIDB_SESSIONS: '0', BRFLOW_TIDB_CERT: '/c.pem', BRFLOW_TIDB_PASSWORD: 'topsecret' });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ type: ErrorType.InvalidInput });
    const msg = (err as Error).message;
    expect(msg).toContain('port 99999 is out of range');
    expect(msg).toContain('BRFLOW_TIDB_TIMEOUT_MS: "soon"');
    expect(msg).toContain('BRFLOW_TIDB_SESSIONS: "0" is not a whole number of sessions from 1 to 64');
    expect(msg).toContain('BRFLOW_TIDB_CERT/BRFLOW_TIDB_KEY need BRFLOW_TIDB_CA');
    expect(msg).not.toContain('topsecret');
  });

  it('parses IPv6 addresses in brackets', () => {
    expect(parseHostPort('[::1]:4000', 'x', 1)).toEqual({ host: '::1', port: 4000 });
    expect(tidbConfigFromEnv({ BRFLOW_TIDB_ADDRESS: '[::1]:4000' }).statusAddress).toBe('[::1]:10080');
  });
});
