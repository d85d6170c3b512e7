import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tlsServerOptions, type SimulatorTls } from '../simulator-tls';
import type { AddressInfo } from 'node:net';
import { toGoJson } from '../../backup/generator/json-text';
import type { TableInfo } from '../../plan/table-info';
import type { Catalog } from './catalog';
import type { TidbFaults } from './tidb-faults';
import { SIMULATED_SERVER_VERSION } from './tidb-session';

/**
 * TiDB's status HTTP API (port 10080), the part brflow reads: GET /status, GET /schema, GET /schema/{db},
 * GET /schema/{db}/{table} (the full TableInfo JSON, the only place column IDs are visible), GET /schema?table_ids=
 * (TableInfos by table ID, one request for a group) and GET /db-table/{tableID}. Errors come back as TiDB writes them: HTTP 400 with "[schema:1146]…".
 */
export async function startStatusApi(catalog: Catalog, faults: TidbFaults, host: string, port: number, connections: () => number, tls?: SimulatorTls): Promise<{ server: Server; address: string }> {
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method !== 'GET') return send(res, 405, 'only GET is served');
    const url = new URL(req.url ?? '/', 'http://x');
    const path = decodeURIComponent(url.pathname).replace(/\/+$/, '');
    const parts = path.split('/').filter(Boolean);
    const injected = faults.statusFault(path);
    if (injected !== undefined) return send(res, injected, `injected status fault ${injected}`);
    if (path === '/status') {
      return json(res, { connections: connections(), version: SIMULATED_SERVER_VERSION, git_hash: 'brflow-simulator', status: { init_stats_percentage: 100 } });
    }
    const tableIds = url.searchParams.get('table_ids');
    if (parts[0] === 'schema' && parts.length === 1 && tableIds) {
      const found = tablesById(catalog, tableIds);
      return found ? json(res, found) : send(res, 400, 'All tables are not found');
    }
    if (parts[0] === 'schema' && parts.length === 1) return json(res, catalog.databases());
    if (parts[0] === 'schema' && parts.length === 2) {
      const db = parts[1] as string;
      if (!catalog.database(db)) return send(res, 400, `[schema:1049]Unknown database '${db}'`);
      return json(res, catalog.tables(db));
    }
    if (parts[0] === 'schema' && parts.length === 3) {
      const [, db, table] = parts as [string, string, string];
      // A table of a missing database is a missing table here (v8.5.3), not an unknown database.
      const t = catalog.table(db, table);
      if (!t) return send(res, 400, `[schema:1146]Table '${db}.${table}' doesn't exist`);
      return json(res, t);
    }
    if (parts[0] === 'db-table' && parts.length === 2 && /^\d+$/.test(parts[1] as string)) {
      const found = catalog.tableById(Number(parts[1]));
      if (!found) return send(res, 400, `[schema:1146]Table which ID = ${parts[1]} does not exist.`);
      return json(res, { db_info: found.db, table_info: found.table });
    }
    return send(res, 404, '404 page not found');
  };
  // https when TLS is on, as TiDB serves its status port with its cluster certificates.
  const server: Server = tls ? createHttpsServer(tlsServerOptions(tls), handler) : createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  return { server, address: `${host}:${a.port}` };
}

/**
 * GET /schema?table_ids=a,b,…: TableInfo by table ID, as v8.5.3 answers it (conformance-checked): a partition's
 * ID gives its table, keyed by the table's ID; an ID that is not a plain decimal, or is not held, is left out;
 * undefined when none is held (TiDB's 400 "All tables are not found").
 */
function tablesById(catalog: Catalog, list: string): Record<string, TableInfo> | undefined {
  const out: Record<string, TableInfo> = {};
  for (const raw of list.split(',')) {
    if (!/^[+-]?\d+$/.test(raw)) continue;
    const found = catalog.tableById(Number(raw));
    if (found) out[String(found.table.id)] = found.table;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function json(res: ServerResponse, body: unknown): void {
  // Exact integers for bigint fields (sequence bounds pass 2^53), as Go writes them.
  const text = toGoJson(body);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function send(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
