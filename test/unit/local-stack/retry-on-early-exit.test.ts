import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../src/local-stack/free-port';
import { retryOnEarlyExit, ServerExitedEarly, spawnServer, waitUntil } from '../../../src/local-stack/process-handle';

const logDir = mkdtempSync(join(tmpdir(), 'early-exit-'));

/** Starts a real child process that either exits at once (as a server whose port was taken) or serves HTTP. */
async function startServer(exitAtOnce: boolean): Promise<{ port: number; stop(): Promise<void> }> {
  const port = await freePort();
  const script = exitAtOnce
    ? 'process.exit(1)'
    : `require('node:http').createServer((_, res) => res.end('ok')).listen(${port}, '127.0.0.1')`;
  const { child, handle } = spawnServer(process.execPath, ['-e', script], join(logDir, `s-${port}.log`));
  try {
    await waitUntil(`server on ${port}`, async () => (await fetch(`http://127.0.0.1:${port}/`)).ok, 10_000, child);
  } catch (e) {
    await handle.stop();
    throw e;
  }
  return { port, stop: () => handle.stop() };
}

test('a server that exits before it is ready is started again on fresh ports, and the working start is returned', async () => {
  let calls = 0;
  const s = await retryOnEarlyExit(() => startServer(++calls < 3));
  try {
    expect(calls).toBe(3);
    expect(await (await fetch(`http://127.0.0.1:${s.port}/`)).text()).toBe('ok');
  } finally {
    await s.stop();
  }
});

test('a server that keeps exiting is tried 3 times, then its early exit is reported', async () => {
  let calls = 0;
  await expect(retryOnEarlyExit(() => startServer(++calls > 0))).rejects.toBeInstanceOf(ServerExitedEarly);
  expect(calls).toBe(3);
});

test('any other failure (a server that never answers, a bad binary) is not retried', async () => {
  let calls = 0;
  await expect(retryOnEarlyExit(async () => {
    calls++;
    throw new Error('pd-server did not become ready within 60000 ms');
  })).rejects.toThrow(/did not become ready/);
  expect(calls).toBe(1);
});
