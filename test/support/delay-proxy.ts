import { createConnection, createServer, type Socket } from 'node:net';

/** A TCP proxy in front of a MySQL-protocol server that holds chosen client statements (crash tests). */
export interface DelayProxy {
  /** host:port to connect to instead of the server. */
  readonly address: string;
  readonly port: number;
  /** Text (latin1) of every client chunk that matched `hold`, in arrival order, whether forwarded yet or not. */
  readonly held: string[];
  close(): Promise<void>;
}

/**
 * Forwards TCP to `to`; a client chunk matching `hold` (a COM_QUERY packet carries its SQL in clear) waits
 * `holdMs` before it goes on, later chunks queue behind it. When either side closes, both close and chunks
 * still held are dropped: a statement held when its worker dies never reaches the server.
 */
export function startDelayProxy(to: string, hold: RegExp, holdMs: number): Promise<DelayProxy> {
  const [host, port] = to.split(':') as [string, string];
  const sockets = new Set<Socket>();
  const held: string[] = [];
  const server = createServer((down) => {
    const up = createConnection({ host, port: Number(port) });
    sockets.add(down).add(up);
    let chain = Promise.resolve();
    let closed = false;
    const close = () => {
      closed = true;
      down.destroy();
      up.destroy();
      sockets.delete(down);
      sockets.delete(up);
    };
    down.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      const wait = hold.test(text) ? holdMs : 0;
      if (wait) held.push(text);
      chain = chain.then(async () => {
        if (wait) await new Promise((r) => setTimeout(r, wait));
        if (!closed) up.write(chunk);
      });
    });
    up.on('data', (chunk: Buffer) => down.write(chunk));
    for (const s of [down, up]) {
      s.on('close', close);
      s.on('error', close);
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port: p } = server.address() as { port: number };
      resolve({
        address: `127.0.0.1:${p}`,
        port: p,
        held,
        close: () => {
          for (const s of sockets) s.destroy();
          return new Promise<void>((r) => server.close(() => r()));
        },
      });
    });
  });
}
