import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import { TLSSocket } from 'node:tls';
import { tlsServerContext, type SimulatorTls } from './simulator-tls';

/** First bytes of the HTTP/2 connection preface ("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"): gRPC speaks it, HTTP/1 never does. */
const H2_PREFACE_HEAD = Buffer.from('PRI');

export interface PortMux {
  port: number;
  close(): Promise<void>;
}

/**
 * One public port for gRPC and HTTP, as real PD serves both on its client URL: sniffs the first
 * bytes of each connection; HTTP/2 (gRPC) is piped to the internal grpc-js port, anything else is
 * handed to the HTTP server in-process.
 */
export async function startPortMux(opts: { host: string; port?: number; grpcPort: number; http: HttpServer; tls?: SimulatorTls }): Promise<PortMux> {
  const sockets = new Set<Socket>();
  // With TLS the mux terminates it, as PD does on its client URL, and sniffs the decrypted bytes; the hop to
  // the internal gRPC port stays on loopback in plain text.
  const tls = opts.tls;
  const context = tls ? tlsServerContext(tls) : undefined;
  const server: Server = createServer((accepted) => {
    accepted.setNoDelay(true);
    let socket: Socket = accepted;
    if (tls && context) {
      const mutual = tls.requireClientCert === true;
      sockets.add(accepted);
      accepted.on('close', () => sockets.delete(accepted));
      accepted.on('error', () => accepted.destroy());
      socket = new TLSSocket(accepted, { isServer: true, secureContext: context, requestCert: mutual, rejectUnauthorized: mutual, ALPNProtocols: ['h2', 'http/1.1'] });
    }
    // A relay must not hold back small writes: with Nagle on either leg, each unary gRPC answer waits for the
    // peer's delayed ACK (~40 ms per call), which made every PD round trip 40× slower than real PD's.
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      if (head.length < H2_PREFACE_HEAD.length) return;
      socket.removeListener('data', onData);
      socket.pause();
      if (head.subarray(0, H2_PREFACE_HEAD.length).equals(H2_PREFACE_HEAD)) {
        const upstream = connect({ port: opts.grpcPort, host: '127.0.0.1', noDelay: true }, () => {
          upstream.write(head);
          socket.pipe(upstream);
          upstream.pipe(socket);
          socket.resume();
        });
        sockets.add(upstream);
        upstream.on('close', () => {
          sockets.delete(upstream);
          socket.destroy();
        });
        upstream.on('error', () => socket.destroy());
        socket.on('close', () => upstream.destroy());
      } else {
        socket.unshift(head);
        opts.http.emit('connection', socket);
        socket.resume();
      }
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
