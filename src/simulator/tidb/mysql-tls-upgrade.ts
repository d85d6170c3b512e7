import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { tlsServerContext, type SimulatorTls } from '../simulator-tls';

/** CLIENT_SSL in the capability flags of the client's first packet. */
const CLIENT_SSL = 0x0800;
/** An SSLRequest payload: capability flags (4), max packet size (4), charset (1), 23 reserved bytes. */
const SSL_REQUEST_PAYLOAD = 32;

/**
 * The server half of MySQL's in-band TLS upgrade, for mysql2's server (which has none): the client reads the
 * handshake in plain text, answers with a 32-byte SSLRequest (sequence 1) instead of its HandshakeResponse,
 * does the TLS handshake on the same socket and then sends the HandshakeResponse (sequence 2) encrypted.
 * mysql2 sees this stream instead of the socket: the SSLRequest is consumed here and `onUpgrade` tells the
 * front (event 'upgrade') to skip its sequence number; everything after it flows through the TLS socket.
 */
export class MysqlTlsUpgrade extends Duplex {
  /** True once the client upgraded: TiDB with require-secure-transport refuses the others at login. */
  encrypted = false;
  readonly remoteAddress: string | undefined;
  private down: Socket | TLSSocket;
  private head: Buffer | undefined = Buffer.alloc(0);

  constructor(
    private readonly raw: Socket,
    tls: SimulatorTls,
  ) {
    super();
    this.remoteAddress = raw.remoteAddress;
    this.down = raw;
    raw.setNoDelay(true);
    const context = tlsServerContext(tls);
    const mutual = tls.requireClientCert === true;
    const onRaw = (chunk: Buffer): void => {
      if (!this.head) return void this.push(chunk);
      this.head = Buffer.concat([this.head, chunk]);
      if (this.head.length < 4) return;
      const length = this.head.readUIntLE(0, 3);
      if (this.head.length < 4 + length) return;
      const first = this.head;
      this.head = undefined;
      const isSslRequest = length === SSL_REQUEST_PAYLOAD && (first.readUInt32LE(4) & CLIENT_SSL) !== 0;
      if (!isSslRequest) return void this.push(first);
      raw.removeListener('data', onRaw);
      // TLS runs over a carrier stream rather than the socket itself, so bytes that came with the SSLRequest
      // (the start of the ClientHello) reach the TLS layer instead of being lost.
      const carrier = new Duplex({
        read() {},
        write(c: Buffer, _e, cb) {
          raw.write(c, cb);
        },
        final(cb) {
          raw.end();
          cb();
        },
      });
      raw.on('data', (c: Buffer) => carrier.push(c));
      raw.on('end', () => carrier.push(null));
      if (first.length > 4 + length) carrier.push(first.subarray(4 + length));
      const secure = new TLSSocket(carrier, { isServer: true, secureContext: context, requestCert: mutual, rejectUnauthorized: mutual });
      secure.on('secure', () => {
        this.encrypted = true;
      });
      secure.on('data', (c: Buffer) => this.push(c));
      secure.on('error', (e) => this.destroy(e));
      secure.on('end', () => this.push(null));
      this.down = secure;
      this.emit('upgrade');
    };
    raw.on('data', onRaw);
    raw.on('end', () => {
      if (this.down === raw) this.push(null);
    });
    raw.on('error', (e) => this.destroy(e));
    raw.on('close', () => this.destroy());
  }

  override _read(): void {
    // Flow control is left to the sockets: SQL packets here are small.
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.down.write(chunk, cb);
  }

  override _final(cb: (e?: Error | null) => void): void {
    this.down.end();
    cb();
  }

  override _destroy(e: Error | null, cb: (e?: Error | null) => void): void {
    this.down.destroy();
    this.raw.destroy();
    cb(e);
  }

  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }
}
