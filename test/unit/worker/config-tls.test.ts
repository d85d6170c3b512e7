import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { workerConfigFromEnv } from '../../../src/worker/config';

/** PD/TiKV TLS from BRFLOW_CLUSTER_*, TiDB's from BRFLOW_TIDB_* or else the cluster's (Lightning's tidb.tls = "cluster"). */
describe('worker TLS settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'brflow-cfg-tls-'));
  const pem = (name: string, body: string) => {
    writeFileSync(join(dir, name), body);
    return join(dir, name);
  };
  const ca = pem('ca.pem', '-----BEGIN CERTIFICATE-----\ncluster-ca\n-----END CERTIFICATE-----\n');
  const cert = pem('client.pem', '-----BEGIN CERTIFICATE-----\nclient\n-----END CERTIFICATE-----\n');
  const key = pem('client.key', '-----BEGIN PRIVATE KEY-----\nsecret-key-bytes\n-----END PRIVATE KEY-----\n');
  const tidbCa = pem('tidb-ca.pem', '-----BEGIN CERTIFICATE-----\ntidb-ca\n-----END CERTIFICATE-----\n');
  const notPem = pem('not.pem', 'hello');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('unset: plain text everywhere', () => {
    const c = workerConfigFromEnv({});
    expect(c.clusterTls).toBeUndefined();
    expect(c.tidb.tls).toBeUndefined();
    expect(c.tidb.statusTls).toBeUndefined();
  });

  test('BRFLOW_TIDB_CA alone: TLS for TiDB only (SQL and status), PD and TiKV in plain text', () => {
    const c = workerConfigFromEnv({ BRFLOW_TIDB_CA: tidbCa });
    expect(c.clusterTls).toBeUndefined();
    expect(c.tidb.tls?.ca.toString()).toContain('tidb-ca');
    expect(c.tidb.statusTls).toBeUndefined();
  });

  test('BRFLOW_CLUSTER_CA/CERT/KEY: mutual TLS for PD and TiKV, and the default for TiDB (SQL and status)', () => {
    const c = workerConfigFromEnv({ BRFLOW_CLUSTER_CA: ca, BRFLOW_CLUSTER_CERT: cert, BRFLOW_CLUSTER_KEY: key });
    expect(c.clusterTls?.ca.toString()).toContain('cluster-ca');
    expect(c.clusterTls?.cert?.toString()).toContain('client');
    expect(c.clusterTls?.key?.toString()).toContain('secret-key-bytes');
    expect(c.tidb.tls).toBe(c.clusterTls);
    expect(c.tidb.statusTls).toBe(c.clusterTls);
  });

  test('CA alone is server-verified TLS; BRFLOW_TIDB_CA wins for the SQL port, the status port keeps the cluster certificates', () => {
    const c = workerConfigFromEnv({ BRFLOW_CLUSTER_CA: ca, BRFLOW_TIDB_CA: tidbCa });
    expect(c.clusterTls?.cert).toBeUndefined();
    expect(c.tidb.tls?.ca.toString()).toContain('tidb-ca');
    expect(c.tidb.statusTls?.ca.toString()).toContain('cluster-ca');
  });

  test('BRFLOW_TIDB_TLS=false: the SQL port in plain text while PD, TiKV and the status port keep TLS', () => {
    const c = workerConfigFromEnv({ BRFLOW_CLUSTER_CA: ca, BRFLOW_CLUSTER_CERT: cert, BRFLOW_CLUSTER_KEY: key, BRFLOW_TIDB_TLS: 'false' });
    expect(c.clusterTls).toBeDefined();
    expect(c.tidb.tls).toBeUndefined();
    expect(c.tidb.statusTls).toBe(c.clusterTls);
    expect(workerConfigFromEnv({ BRFLOW_CLUSTER_CA: ca, BRFLOW_TIDB_TLS: 'cluster' }).tidb.tls?.ca.toString()).toContain('cluster-ca');
    expect(() => workerConfigFromEnv({ BRFLOW_TIDB_TLS: 'cluster' })).toThrow(/BRFLOW_TIDB_TLS=cluster needs the cluster's certificates; set BRFLOW_CLUSTER_CA/);
    expect(() => workerConfigFromEnv({ BRFLOW_TIDB_TLS: 'skip-verify' })).toThrow(/BRFLOW_TIDB_TLS: "skip-verify" is not cluster or false/);
    expect(() => workerConfigFromEnv({ BRFLOW_TIDB_TLS: 'false', BRFLOW_TIDB_CA: tidbCa })).toThrow(/BRFLOW_TIDB_TLS=false and BRFLOW_TIDB_CA contradict/);
  });

  test('every problem at once, naming the variable and the fix, never the file contents', () => {
    let msg = '';
    try {
      workerConfigFromEnv({ BRFLOW_CLUSTER_CA: join(dir, 'missing.pem'), BRFLOW_CLUSTER_CERT: cert, BRFLOW_TIDB_CA: notPem, BRFLOW_TIDB_KEY: key });
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toContain(`BRFLOW_CLUSTER_CA: cannot read ${join(dir, 'missing.pem')} (ENOENT)`);
    expect(msg).toContain('BRFLOW_CLUSTER_CERT and BRFLOW_CLUSTER_KEY go together');
    expect(msg).toContain(`BRFLOW_TIDB_CA: ${notPem} holds no PEM certificate`);
    expect(msg).toContain('BRFLOW_TIDB_CERT and BRFLOW_TIDB_KEY go together');
    expect(msg).not.toContain('secret-key-bytes');
    expect(() => workerConfigFromEnv({ BRFLOW_CLUSTER_KEY: key })).toThrow(/BRFLOW_CLUSTER_CERT\/BRFLOW_CLUSTER_KEY need BRFLOW_CLUSTER_CA too/);
    expect(() => workerConfigFromEnv({ BRFLOW_CLUSTER_CA: ca, BRFLOW_CLUSTER_CERT: key, BRFLOW_CLUSTER_KEY: cert })).toThrow(/BRFLOW_CLUSTER_CERT: .* holds no PEM certificate.*BRFLOW_CLUSTER_KEY: .* holds no PEM private key/);
  });
});
