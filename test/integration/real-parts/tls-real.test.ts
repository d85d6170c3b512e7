import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterError } from '../../../src/cluster/errors';
import { connectPd } from '../../../src/cluster/pd';
import { PdHttp } from '../../../src/cluster/pd-http';
import { TidbClient } from '../../../src/cluster/tidb';
import type { TlsOptions } from '../../../src/cluster/tls';
import { startRealPd, type RealPd } from '../../../src/local-stack/real-pd';
import { startRealTidb, type RealTidb } from '../../../src/local-stack/real-tidb';
import { realTidbConfig } from '../../support/real-parts';
import { makeTestPki, type TestPki } from '../cluster/support/tls-certs';

/**
 * brflow's clients against the real PD v8.5.4 started with its TLS flags (--cacert/--cert/--key, https URLs)
 * and the real TiDB v8.5.3 with security.ssl-ca/ssl-cert/ssl-key and require_secure_transport (a system
 * variable since v8.0; the config key is gone): with the CA and a
 * client certificate they get TSO, version and config; without the certificate PD refuses them.
 */
describe('real PD and TiDB over TLS', () => {
  let dir: string;
  let pki: TestPki;
  let pd: RealPd;
  let tidb: RealTidb;
  let mutual: TlsOptions;
  const once = { name: 'once', attempts: 1, initialMs: 1, maxMs: 1 };

  /** PD's readiness over https with the client certificate (fetch cannot present one). */
  const httpsOk = (url: string): Promise<boolean> =>
    new Promise((resolve) => {
      const req = request(url, { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey, timeout: 2000 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('error', () => resolve(false));
      req.on('timeout', () => req.destroy());
      req.end();
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'brflow-real-tls-'));
    pki = await makeTestPki(dir);
    mutual = { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey };
    const files = { ca: join(dir, 'ca.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server.key') };
    await writeFile(join(dir, 'tidb.toml'), `[security]\nssl-ca = "${files.ca}"\nssl-cert = "${files.cert}"\nssl-key = "${files.key}"\n`);
    [pd, tidb] = await Promise.all([
      startRealPd({ scheme: 'https', extraArgs: ['--cacert', files.ca, '--cert', files.cert, '--key', files.key], probe: httpsOk }),
      startRealTidb({ extraArgs: ['-config', join(dir, 'tidb.toml')] }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([pd?.stop(), tidb?.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('PD gRPC with mutual TLS: the https leader URL and increasing timestamps', async () => {
    const client = await connectPd({ endpoints: [`https://${pd.address}`], tls: mutual, timeoutMs: 5000 });
    try {
      expect(client.leaderAddress).toBe(pd.address);
      const a = await client.getTs();
      expect(await client.getTs()).toBeGreaterThan(a);
    } finally {
      client.close();
    }
  });

  it('PD HTTP with mutual TLS: version and schedule config', async () => {
    const http = new PdHttp({ endpoints: pd.address, tls: mutual, timeoutMs: 5000 });
    expect(await http.version()).toBe('8.5.4');
    const config = await http.getScheduleConfig();
    expect(config).toHaveProperty('max-merge-region-size');
  });

  it('PD refuses a client without a certificate (gRPC and HTTP) and one in plain text', async () => {
    const caOnly: TlsOptions = { ca: pki.ca };
    const grpc = await connectPd({ endpoints: [pd.address], tls: caOnly, timeoutMs: 1500, connectTimeoutMs: 2000 }).catch((e: unknown) => e);
    expect(grpc).toBeInstanceOf(ClusterError);
    expect((grpc as ClusterError).message).toContain(pd.address);
    const http = await new PdHttp({ endpoints: pd.address, tls: caOnly, timeoutMs: 2000, retry: once }).version().catch((e: unknown) => e);
    expect(http).toBeInstanceOf(ClusterError);
    const plain = await connectPd({ endpoints: [pd.address], timeoutMs: 1500, connectTimeoutMs: 2000 }).catch((e: unknown) => e);
    expect(plain).toBeInstanceOf(ClusterError);
  });

  it('TiDB with require-secure-transport: brflow connects over TLS, and is refused in plain text', async () => {
    const secure = new TidbClient({ ...realTidbConfig(tidb), tls: { ca: pki.ca } });
    try {
      expect((await secure.version()).release).toBe('v8.5.3');
      // TiDB accepts this only from a session that is itself on TLS.
      await secure.executeStatements(undefined, ['SET GLOBAL require_secure_transport = ON']);
    } finally {
      await secure.close();
    }
    const plain = new TidbClient(realTidbConfig(tidb), { retry: once });
    try {
      await expect(plain.version()).rejects.toThrow(/insecure transport/i);
    } finally {
      await plain.close();
    }
  });
});
