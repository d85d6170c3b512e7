import { connect, type Socket } from 'node:net';
import { createServer, type Server, type TLSSocket } from 'node:tls';

/**
 * A mutual-TLS front for a plaintext server, as a load balancer or ingress terminates TLS before Temporal in
 * production (the dev server itself speaks plaintext only). Clients without a certificate signed by `ca`
 * never reach the backend. ALPN h2: Temporal's clients speak gRPC over HTTP/2.
 */
export interface TlsFront {
  address: string;
  close(): Promise<void>;
}

export async function startTlsFront(backend: string, pki: { ca: Buffer; serverCert: Buffer; serverKey: Buffer }): Promise<TlsFront> {
  const [host, port] = backend.split(':') as [string, string];
  const sockets = new Set<Socket>();
  const server: Server = createServer(
    { ca: pki.ca, cert: pki.serverCert, key: pki.serverKey, requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['h2'] },
    (client: TLSSocket) => {
      const upstream = connect(Number(port), host);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const a = server.address();
  return {
    address: `127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`,
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}
