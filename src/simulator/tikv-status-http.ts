import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClusterState } from './cluster-state';
import { pathAndQuery, sendJson, sendText } from './http-util';

/**
 * A TiKV status port: /status, /config (the keys newer BR reads for merge thresholds and the
 * import-mode timeout) and a tiny /metrics.
 */
export function createTikvStatusHandler(state: ClusterState, storeId: number): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const { path } = pathAndQuery(req);
    if (path === '/status') return sendJson(res, 200, {});
    if (path === '/config') {
      return sendJson(res, 200, {
        coprocessor: { 'region-split-size': '96MiB', 'region-split-keys': 960000, 'region-max-size': '144MiB', 'region-max-keys': 1440000 },
        import: { 'num-threads': 8, 'import-mode-timeout': `${Math.round(state.importModeTimeoutMs)}ms` },
        server: { addr: state.store(storeId)?.address ?? '' },
      });
    }
    if (path === '/metrics') {
      const c = state.counters();
      return sendText(res, 200, `tikv_import_download_total ${c.downloadsByStore[String(storeId)] ?? 0}\ntikv_import_ingest_total ${c.ingestsByStore[String(storeId)] ?? 0}\n`);
    }
    return sendText(res, 404, 'not found\n');
  };
}
