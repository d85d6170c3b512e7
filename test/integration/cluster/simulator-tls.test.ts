import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectCluster } from '../../../src/cluster/cluster-connection';
import { ClusterError } from '../../../src/cluster/errors';
import { GrpcChannels } from '../../../src/cluster/grpc-channel';
import { importSstClient } from '../../../src/cluster/import-sst';
import { connectPd } from '../../../src/cluster/pd';
import { PdHttp } from '../../../src/cluster/pd-http';
import { TidbClient } from '../../../src/cluster/tidb';
import type { TidbConnectionConfig } from '../../../src/cluster/tidb-config';
import type { TlsOptions } from '../../../src/cluster/tls';
import { SwitchMode } from '../../../src/proto/import_sstpb';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/server';
import { makeTestPki, type TestPki } from './support/tls-certs';

/**
 * The simulator started with mutual TLS serves PD (gRPC and HTTP on one port), every store and the TiDB front
 * (MySQL TLS upgrade, status over https) with the given certificates; brflow's clients with the CA and a
 * client certificate get through, and a client without one is refused by each component.
 */
describe('simulated cluster over mutual TLS', () => {
  let dir: string;
  let pki: TestPki;
  let sim: SimulatorHandle;
  let mutual: TlsOptions;
  const once = { name: 'once', attempts: 1, initialMs: 1, maxMs: 1 };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'brflow-sim-tls-'));
    pki = await makeTestPki(dir);
    mutual = { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey };
    sim = await startSimulator({ stores: 2, tls: { ca: pki.ca, cert: pki.serverCert, key: pki.serverKey, requireClientCert: true } });
  });
  afterAll(async () => {
    await sim?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const tidbConfig = (tls: TlsOptions | undefined): TidbConnectionConfig => {
    const [host, port] = sim.tidb!.address.split(':') as [string, string];
    return { host, port: Number(port), statusAddress: sim.tidb!.statusAddress, user: 'root', password: '', timeoutMs: 3000, ...(tls ? { tls } : {}) };
  };

  it('PD gRPC (https member URLs), PD HTTP and every store answer a client with the CA and its certificate', async () => {
    const conn = await connectCluster({ pdEndpoints: sim.pdAddress, tls: mutual });
    try {
      expect(conn.pd.leaderAddress).toBe(sim.pdAddress);
      expect(await conn.pd.getTs()).toBeGreaterThan(0n);
      expect(await conn.pdHttp.version()).toMatch(/^\d+\.\d+\.\d+/);
      const stores = await conn.pd.getAllStores();
      expect(stores).toHaveLength(2);
      for (const s of stores) expect(await importSstClient(conn.channels, s.address).getMode()).toBe(SwitchMode.Normal);
    } finally {
      conn.close();
    }
  });

  it('TiDB: SQL over the MySQL TLS upgrade and the status API over https', async () => {
    const tidb = new TidbClient(tidbConfig(mutual));
    try {
      expect((await tidb.version()).release).not.toBe('');
      await tidb.createDatabases(['CREATE DATABASE tls_db']);
      expect(await tidb.tableInfo('tls_db', 'missing')).toBeUndefined();
      expect(sim.tidbFront!.catalog.database('tls_db')).toBeDefined();
    } finally {
      await tidb.close();
    }
  });

  it('refuses a client without a certificate: PD gRPC, PD HTTP, TiKV and TiDB', async () => {
    const caOnly: TlsOptions = { ca: pki.ca };
    const pd = await connectPd({ endpoints: sim.pdAddress, tls: caOnly, timeoutMs: 1000, connectTimeoutMs: 1500 }).catch((x: unknown) => x);
    expect(pd).toBeInstanceOf(ClusterError);
    expect((pd as ClusterError).message).toContain(sim.pdAddress);
    // The message points at the certificates, not at the address.
    expect((pd as ClusterError).message).toMatch(/the TLS handshake failed: check the CA and the client certificate/);
    expect((pd as ClusterError).message).not.toMatch(/check that the address is right/);
    const http = await new PdHttp({ endpoints: sim.pdAddress, tls: caOnly, retry: once, timeoutMs: 2000 }).version().catch((x: unknown) => x);
    expect(http).toBeInstanceOf(ClusterError);
    expect((http as ClusterError).message).toMatch(/the TLS handshake failed/);
    const channels = new GrpcChannels({ tls: caOnly });
    try {
      const kv = await importSstClient(channels, sim.stores[0]!.address).getMode().catch((x: unknown) => x);
      expect((kv as ClusterError).kind).toBe('unavailable');
    } finally {
      channels.close();
    }
    const tidb = new TidbClient(tidbConfig(caOnly), { retry: once });
    try {
      const e = await tidb.version().catch((x: unknown) => x);
      expect((e as Error).message).toContain(sim.tidb!.address);
      expect((e as Error).message).toMatch(/the TLS handshake failed/);
    } finally {
      await tidb.close();
    }
  });

  it('refuses plain text: PD and TiKV do not speak it, TiDB requires secure transport', async () => {
    const pd = await connectPd({ endpoints: sim.pdAddress, timeoutMs: 1000, connectTimeoutMs: 1500 }).catch((x: unknown) => x);
    expect(pd).toBeInstanceOf(ClusterError);
    const tidb = new TidbClient(tidbConfig(undefined), { retry: once });
    try {
      await expect(tidb.version()).rejects.toThrow(/insecure transport are prohibited/);
    } finally {
      await tidb.close();
    }
  });
});
