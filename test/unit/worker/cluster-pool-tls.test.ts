import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ActivityDeps } from '../../../src/activities/deps';
import type { TlsOptions } from '../../../src/cluster/tls';
import { ClusterPool } from '../../../src/worker/cluster-pool';
import type { ClusterTarget } from '../../../src/worker/cluster-deps';

/** What the pool hands to connect for a cluster an input names: which TLS goes to PD/TiKV, TiDB SQL and TiDB status. */
describe('ClusterPool: TLS of a cluster an input names', () => {
  const dir = mkdtempSync(join(tmpdir(), 'brflow-pool-tls-'));
  const file = (name: string, body: string) => {
    writeFileSync(join(dir, name), body);
    return join(dir, name);
  };
  const paths = {
    ca: file('ca.pem', '-----BEGIN CERTIFICATE-----\ninput-ca\n-----END CERTIFICATE-----\n'),
    cert: file('c.pem', '-----BEGIN CERTIFICATE-----\ninput-client\n-----END CERTIFICATE-----\n'),
    key: file('c.key', '-----BEGIN PRIVATE KEY-----\ninput-key\n-----END PRIVATE KEY-----\n'),
  };
  const workerTls: TlsOptions = { ca: Buffer.from('worker-ca') };
  const tidbDefaults = { host: '127.0.0.1', port: 4000, statusAddress: '127.0.0.1:10080', user: 'root', password: '' };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function targetFor(ref: Parameters<ClusterPool['lease']>[0], opts: { tlsDefault?: TlsOptions; tidbTls?: TlsOptions } = {}): Promise<ClusterTarget> {
    let seen: ClusterTarget | undefined;
    const pool = new ClusterPool({
      tidbDefaults: { ...tidbDefaults, ...(opts.tidbTls ? { tls: opts.tidbTls } : {}) },
      ...(opts.tlsDefault ? { tlsDefault: opts.tlsDefault } : {}),
      connect: async (t) => {
        seen = t;
        return { deps: {} as ActivityDeps, close: async () => undefined };
      },
    });
    (await pool.lease(ref)).release();
    await pool.close();
    return seen!;
  }
  const base = { pd: ['127.0.0.1:2379'], tidb: '127.0.0.1:4000' };

  test('cluster.tls serves PD/TiKV and TiDB (SQL and status), over the worker defaults', async () => {
    const t = await targetFor({ ...base, tls: paths }, { tlsDefault: workerTls, tidbTls: workerTls });
    expect(t.tls?.ca.toString()).toContain('input-ca');
    expect(t.tls?.key?.toString()).toContain('input-key');
    expect(t.tidb.tls).toBe(t.tls);
    expect(t.tidb.statusTls).toBe(t.tls);
  });

  test('cluster.tidbTls false: the SQL port in plain text, the status port keeps the cluster TLS', async () => {
    const t = await targetFor({ ...base, tls: paths, tidbTls: false });
    expect(t.tls?.ca.toString()).toContain('input-ca');
    expect(t.tidb.tls).toBeUndefined();
    expect(t.tidb.statusTls).toBe(t.tls);
  });

  test('no cluster.tls: the worker BRFLOW_CLUSTER_* and TiDB defaults; none: plain text', async () => {
    const t = await targetFor(base, { tlsDefault: workerTls, tidbTls: workerTls });
    expect(t.tls).toBe(workerTls);
    expect(t.tidb.tls).toBe(workerTls);
    const plain = await targetFor(base);
    expect(plain.tls).toBeUndefined();
    expect(plain.tidb.tls).toBeUndefined();
  });
});
