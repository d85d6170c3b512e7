import { ServerCredentials } from '@grpc/grpc-js';
import { createSecureContext, type SecureContext, type TlsOptions as NodeTlsServerOptions } from 'node:tls';

/**
 * The certificates a TLS-enabled simulated cluster serves with, as PEM contents: PD (gRPC and HTTP on its
 * port), every TiKV store (gRPC and status HTTP) and TiDB (MySQL protocol and status HTTP), as a cluster
 * deployed with `security.ca-path/cert-path/key-path` and TiDB's `ssl-*` does.
 */
export interface SimulatorTls {
  /** CA that signed the clients' certificates (checked when `requireClientCert`). */
  ca: Buffer;
  /** Server certificate (for 127.0.0.1: the simulator listens on loopback). */
  cert: Buffer;
  key: Buffer;
  /** Mutual TLS: refuse a client without a certificate signed by `ca`. @default false */
  requireClientCert?: boolean;
}

/** Options for a Node TLS/HTTPS server socket. */
export function tlsServerOptions(t: SimulatorTls): NodeTlsServerOptions {
  const mutual = t.requireClientCert === true;
  return { ca: t.ca, cert: t.cert, key: t.key, requestCert: mutual, rejectUnauthorized: mutual };
}

/** A secure context built once and shared by every upgraded socket of one listener. */
export function tlsServerContext(t: SimulatorTls): SecureContext {
  return createSecureContext({ ca: t.ca, cert: t.cert, key: t.key });
}

/** grpc-js server credentials; plain text when `t` is undefined. */
export function grpcServerCredentials(t: SimulatorTls | undefined): ServerCredentials {
  if (!t) return ServerCredentials.createInsecure();
  return ServerCredentials.createSsl(t.ca, [{ cert_chain: t.cert, private_key: t.key }], t.requireClientCert === true);
}
