import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestPki {
  ca: Buffer;
  serverCert: Buffer;
  serverKey: Buffer;
  clientCert: Buffer;
  clientKey: Buffer;
  /** A CA that signed nothing here: a client trusting only it must refuse the server. */
  otherCa: Buffer;
}

/**
 * A throwaway CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl in `dir`
 * (ca.pem, server.pem/server.key, client.pem/client.key, other-ca.pem). The server certificate may also act as
 * a client, as a cluster component's does: a TLS PD's embedded etcd dials its own client URL with it.
 */
export async function makeTestPki(dir: string): Promise<TestPki> {
  const p = (n: string) => join(dir, n);
  const ossl = (...args: string[]) => run('openssl', args, { timeout: 30_000 });
  for (const ca of ['ca', 'other-ca']) {
    await ossl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=brflow-test-${ca}`, '-keyout', p(`${ca}.key`), '-out', p(`${ca}.pem`));
  }
  await writeFile(p('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  await writeFile(p('client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const who of ['server', 'client']) {
    await ossl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=brflow-test-${who}`, '-keyout', p(`${who}.key`), '-out', p(`${who}.csr`));
    await ossl('x509', '-req', '-in', p(`${who}.csr`), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial', '-days', '1', '-extfile', p(`${who}.ext`), '-out', p(`${who}.pem`));
  }
  const [ca, serverCert, serverKey, clientCert, clientKey, otherCa] = await Promise.all(
    ['ca.pem', 'server.pem', 'server.key', 'client.pem', 'client.key', 'other-ca.pem'].map((n) => readFile(p(n))),
  );
  return { ca: ca!, serverCert: serverCert!, serverKey: serverKey!, clientCert: clientCert!, clientKey: clientKey!, otherCa: otherCa! };
}
