import { Server, ServerCredentials } from '@grpc/grpc-js';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server as HttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterError } from '../../../src/cluster/errors';
import { GrpcChannels } from '../../../src/cluster/grpc-channel';
import { importSstClient } from '../../../src/cluster/import-sst';
import { connectPd } from '../../../src/cluster/pd';
import { PdHttp } from '../../../src/cluster/pd-http';
import { readTlsFiles } from '../../../src/cluster/tls';
import { freePort } from '../../../src/local-stack/free-port';
import { PDService } from '../../../src/proto/pdpb';
import { systemClock } from '../../../src/simulator/clock';
import { ClusterState } from '../../../src/simulator/cluster-state';
import { Faults } from '../../../src/simulator/faults';
import { PdMembership } from '../../../src/simulator/pd-membership';
import { createPdService } from '../../../src/simulator/pd-service';
import { makeTestPki, type TestPki } from './support/tls-certs';

/**
 * The clients over mutual TLS: the simulator's PD service behind a TLS gRPC server, and a TLS HTTP endpoint
 * answering like PD. A client with the cluster CA and its certificate gets through; without the certificate,
 * or trusting another CA, it is refused, and the error names the address.
 */
describe('TLS', () => {
  let dir: string;
  let pki: TestPki;
  let grpcServer: Server;
  let grpcAddr: string;
  let https: HttpsServer;
  let httpsAddr: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'brflow-tls-'));
    pki = await makeTestPki(dir);
    const port = await freePort();
    grpcAddr = `127.0.0.1:${port}`;
    const state = new ClusterState({ clock: systemClock, stores: 1 });
    const membership = new PdMembership([{ name: 'pd-1', memberId: 1000n, clientUrl: `https://${grpcAddr}` }]);
    grpcServer = new Server();
    grpcServer.addService(PDService, createPdService(state, new Faults(), membership, 'pd-1'));
    const creds = ServerCredentials.createSsl(pki.ca, [{ cert_chain: pki.serverCert, private_key: pki.serverKey }], true);
    await new Promise<void>((res, rej) => grpcServer.bindAsync(grpcAddr, creds, (e) => (e ? rej(e) : res())));
    https = createServer({ ca: pki.ca, cert: pki.serverCert, key: pki.serverKey, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      res.writeHead(req.url === '/pd/api/v1/version' ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ version: 'v8.5.0' }));
    });
    await new Promise<void>((r) => https.listen(0, '127.0.0.1', () => r()));
    const a = https.address();
    httpsAddr = `127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  });
  afterAll(async () => {
    grpcServer.forceShutdown();
    await new Promise<void>((r) => https.close(() => r()));
    await rm(dir, { recursive: true, force: true });
  });

  it('reads PEM files once, and refuses a cert without a key', async () => {
    const tls = readTlsFiles({ ca: join(dir, 'ca.pem'), cert: join(dir, 'client.pem'), key: join(dir, 'client.key') });
    expect(tls.ca.equals(pki.ca)).toBe(true);
    expect(() => readTlsFiles({ ca: join(dir, 'ca.pem'), cert: join(dir, 'client.pem') })).toThrow(/--cert and --key go together/);
    expect(() => readTlsFiles({ ca: join(dir, 'missing.pem') })).toThrow(/missing\.pem/);
  });

  it('PD gRPC over mutual TLS: members, leader (https URL) and TSO', async () => {
    const pd = await connectPd({ endpoints: `https://${grpcAddr}`, tls: { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey }, timeoutMs: 3000 });
    try {
      expect(pd.leaderAddress).toBe(grpcAddr);
      expect(await pd.getTs()).toBeGreaterThan(0n);
    } finally {
      pd.close();
    }
  });

  it.each([
    ['no client certificate', () => ({ ca: pki.ca })],
    ['an untrusted server CA', () => ({ ca: pki.otherCa, cert: pki.clientCert, key: pki.clientKey })],
    ['plain text', () => undefined],
  ])('PD gRPC refuses %s, naming the address', async (_what, tls) => {
    const t = tls();
    const e = await connectPd({ endpoints: grpcAddr, ...(t ? { tls: t } : {}), timeoutMs: 1000, connectTimeoutMs: 1500 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ClusterError);
    expect((e as ClusterError).message).toContain(grpcAddr);
  });

  it('TiKV channels use the same TLS settings (a TLS handshake failure is an unavailable store)', async () => {
    const channels = new GrpcChannels({ tls: { ca: pki.otherCa } });
    try {
      const e = await importSstClient(channels, grpcAddr).getMode().catch((x: unknown) => x);
      expect((e as ClusterError).kind).toBe('unavailable');
      expect(channels.secure).toBe(true);
    } finally {
      channels.close();
    }
  });

  it('PD HTTP over mutual TLS: https with the CA and client certificate; refused without them', async () => {
    const ok = new PdHttp({ endpoints: httpsAddr, tls: { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey } });
    expect(await ok.version()).toBe('8.5.0');
    const policy = { name: 't', attempts: 1, initialMs: 1, maxMs: 1 };
    const noCert = await new PdHttp({ endpoints: httpsAddr, tls: { ca: pki.ca }, retry: policy }).version().catch((x: unknown) => x);
    expect((noCert as ClusterError).message).toContain(httpsAddr);
    const wrongCa = await new PdHttp({ endpoints: httpsAddr, tls: { ca: pki.otherCa, cert: pki.clientCert, key: pki.clientKey }, retry: policy }).version().catch((x: unknown) => x);
    expect(wrongCa).toBeInstanceOf(ClusterError);
  });
});
