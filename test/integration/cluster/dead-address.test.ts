import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { GrpcChannels } from '../../../src/cluster/grpc-channel';
import { importSstClient } from '../../../src/cluster/import-sst';
import { connectPd } from '../../../src/cluster/pd';
import { PdHttp } from '../../../src/cluster/pd-http';
import { tikvRpc } from '../../../src/cluster/tikv-rpc';
import { ClusterError } from '../../../src/cluster/errors';
import { ErrorType } from '../../../src/plan/error-types';
import { freePort } from '../../../src/local-stack/free-port';

/**
 * A client pointed at a dead address fails within its deadline, with a message naming the address:
 * "dead" = nothing listens (connection refused) and "silent" = a TCP server that accepts and never answers
 * (the case only a deadline catches).
 */
describe('clients against dead addresses', () => {
  let silent: Server;
  let silentAddr: string;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    silent = createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const a = silent.address();
    silentAddr = `127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  });

  afterAll(async () => {
    sockets.forEach((s) => s.destroy());
    await new Promise<void>((r) => silent.close(() => r()));
  });

  async function timed<T>(p: Promise<T>): Promise<{ error: unknown; ms: number }> {
    const t0 = Date.now();
    try {
      await p;
    } catch (error) {
      return { error, ms: Date.now() - t0 };
    }
    throw new Error('expected a failure');
  }

  it('PD gRPC: connection refused is reported within the connect budget, naming the address', async () => {
    const addr = `127.0.0.1:${await freePort()}`;
    const { error, ms } = await timed(connectPd({ endpoints: addr, timeoutMs: 500, connectTimeoutMs: 1500 }));
    expect(error).toBeInstanceOf(ClusterError);
    expect((error as ClusterError).message).toContain(addr);
    expect((error as ClusterError).type).toBe(ErrorType.ClusterUnavailable);
    expect(ms).toBeLessThan(3000);
  });

  it('PD gRPC: a silent server fails by the call deadline', async () => {
    const { error, ms } = await timed(connectPd({ endpoints: silentAddr, timeoutMs: 400, connectTimeoutMs: 900 }));
    expect((error as ClusterError).message).toContain(silentAddr);
    expect(['deadline', 'unavailable']).toContain((error as ClusterError).kind);
    expect(ms).toBeLessThan(3000);
  });

  it('PD HTTP: refused and silent endpoints fail within the request deadline', async () => {
    const dead = `127.0.0.1:${await freePort()}`;
    const policy = { name: 't', attempts: 2, initialMs: 10, maxMs: 10 };
    const r1 = await timed(new PdHttp({ endpoints: dead, timeoutMs: 500, retry: policy }).version());
    expect((r1.error as ClusterError).message).toContain(dead);
    expect((r1.error as ClusterError).kind).toBe('unavailable');
    expect(r1.ms).toBeLessThan(2000);
    const r2 = await timed(new PdHttp({ endpoints: silentAddr, timeoutMs: 300, retry: policy }).listSchedulers());
    expect((r2.error as ClusterError).message).toContain(silentAddr);
    expect((r2.error as ClusterError).kind).toBe('deadline');
    expect(r2.ms).toBeLessThan(2000);
  });

  it('PD HTTP: after a member that hangs (its host gone silent), requests start at the member that answered', async () => {
    // A PD member answering every request; the silent server stands for a member whose host hangs.
    let answered = 0;
    const live = createHttpServer((_req, res) => {
      answered++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ version: '8.5.4' }));
    });
    await new Promise<void>((r) => live.listen(0, '127.0.0.1', () => r()));
    const a = live.address();
    const liveAddr = `127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
    try {
      const pd = new PdHttp({ endpoints: [silentAddr, liveAddr], timeoutMs: 400 });
      const silentBefore = sockets.length;
      const t0 = Date.now();
      await pd.version();
      const firstMs = Date.now() - t0;
      // The first request waited out its deadline on the silent member before asking the other one.
      expect(firstMs).toBeGreaterThanOrEqual(350);
      expect(sockets.length).toBe(silentBefore + 1);
      const t1 = Date.now();
      for (let i = 0; i < 3; i++) await pd.version();
      // The next ones go to the member that answered: no new connection to the silent one, no deadline waited.
      expect(Date.now() - t1).toBeLessThan(350);
      expect(sockets.length).toBe(silentBefore + 1);
      expect(answered).toBe(4);
    } finally {
      await new Promise<void>((r) => live.close(() => r()));
    }
  });

  it('TiKV ImportSST / Tikv: refused connections fail fast with the store address', async () => {
    const addr = `127.0.0.1:${await freePort()}`;
    const channels = new GrpcChannels();
    try {
      const r1 = await timed(importSstClient(channels, addr).getMode());
      expect((r1.error as ClusterError).message).toMatch(new RegExp(`TiKV GetMode at ${addr}`));
      expect((r1.error as ClusterError).retryable).toBe(true);
      expect(r1.ms).toBeLessThan(3000);
      const r2 = await timed(tikvRpc(channels, addr).splitRegion({}));
      expect((r2.error as ClusterError).message).toContain(addr);
    } finally {
      channels.close();
    }
  });
});
