import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './free-port';
import { retryOnEarlyExit, spawnServer, waitUntil, type ServerProcess } from './process-handle';
import { ensureTool, projectRoot } from './tools';

export interface S3Server extends ServerProcess {
  /** http://127.0.0.1:PORT */
  readonly endpoint: string;
  /** Credentials the server accepts; tests put them in the environment, never in a URL or workflow input. */
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
}

/** Starts a real S3-compatible server (moto_server) on a free loopback port (fresh ones if it was taken meanwhile). */
export function startS3Server(logDir = join(projectRoot, '.state', 'logs')): Promise<S3Server> {
  return retryOnEarlyExit(() => startS3ServerOnce(logDir));
}

async function startS3ServerOnce(logDir: string): Promise<S3Server> {
  const bin = ensureTool('moto_server');
  const port = await freePort();
  mkdirSync(logDir, { recursive: true });
  const { child, handle } = spawnServer(bin, ['-H', '127.0.0.1', '-p', String(port)], join(logDir, `s3-${port}.log`));
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntil(`S3 server on ${endpoint}`, async () => (await fetch(`${endpoint}/`)).status < 500, 60000, child);
  } catch (e) {
    await handle.stop();
    throw e;
  }
  return { ...handle, stop: handle.stop, endpoint, accessKeyId: 'testing', secretAccessKey: 'testing', region: 'us-east-1' };
}
