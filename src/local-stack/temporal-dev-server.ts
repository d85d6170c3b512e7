import { Connection } from '@temporalio/client';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { freePort } from './free-port';
import { retryOnEarlyExit, spawnServer, waitUntil, type ServerProcess } from './process-handle';
import { ensureTool, projectRoot } from './tools';
import { searchAttributeFlags } from '../worker/search-attributes';


export interface TemporalDevServer extends ServerProcess {
  readonly address: string;
  readonly uiAddress?: string;
  readonly namespace: string;
}

export interface TemporalDevServerOptions {
  /** SQLite file for a persistent server; in-memory when omitted. */
  dbFile?: string;
  port?: number;
  /** Serve the web UI on port+1000. @default false */
  ui?: boolean;
  logDir?: string;
  /** Register brflow's search attributes at start, as `brflow demo` does. False = a bare server, as an
   *  operator's own Temporal is before brflow's worker first meets it. @default true */
  searchAttributes?: boolean;
}

/** Starts `temporal server start-dev` (the real Temporal server, single binary) on loopback and waits until it answers. */
export function startTemporalDevServer(opts: TemporalDevServerOptions = {}): Promise<TemporalDevServer> {
  // Ports it picks itself may be taken before it binds them (process-handle.ts); a port asked for is not retried.
  return opts.port === undefined ? retryOnEarlyExit(() => startDevServerOnce(opts)) : startDevServerOnce(opts);
}

async function startDevServerOnce(opts: TemporalDevServerOptions): Promise<TemporalDevServer> {
  const bin = ensureTool('temporal');
  const port = opts.port ?? (await freePort());
  const logDir = opts.logDir ?? join(projectRoot, '.state', 'logs');
  mkdirSync(logDir, { recursive: true });
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'error',
    '--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true',
    '--dynamic-config-value', 'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true',
    '--dynamic-config-value', 'frontend.workerVersioningDataAPIs=false'];
  if (opts.searchAttributes !== false) args.push(...searchAttributeFlags());
  if (opts.dbFile) {
    mkdirSync(dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
  }
  let uiAddress: string | undefined;
  if (opts.ui) {
    uiAddress = `http://127.0.0.1:${port + 1000}`;
    args.push('--ui-port', String(port + 1000));
  } else {
    args.push('--headless');
  }
  const { child, handle } = spawnServer(bin, args, join(logDir, `temporal-${port}.log`));
  const address = `127.0.0.1:${port}`;
  try {
    await waitUntil(`temporal dev server on ${address}`, async () => {
      const conn = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await conn.workflowService.getSystemInfo({});
        return true;
      } finally {
        await conn.close();
      }
    }, 60000, child);
  } catch (e) {
    await handle.stop();
    throw e;
  }
  return { ...handle, stop: handle.stop, address, uiAddress, namespace: 'default' };
}
