import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { DBInfo, TableInfo } from '../plan/table-info';
import { parseTableInfoJson } from '../plan/table-info-json';
import { retry, type RetryPolicy } from './backoff';
import { ClusterError, classifyError, classifyHttpStatus } from './errors';
import type { TlsOptions } from './tls';

/** Largest body accepted: a TableInfo is a few KiB; a whole schema of thousands of tables a few MiB. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** Table IDs per `GET /schema?table_ids=` request: keeps the URL a few KiB long. */
const TABLE_IDS_PER_REQUEST = 500;

/**
 * TiDB's status HTTP API (BR reads the same data through its embedded TiDB's infoschema). Each request has a
 * deadline and is retried while TiDB is unreachable or answers 5xx.
 */
export class TidbStatusApi {
  private readonly base: string;

  constructor(
    readonly address: string,
    private readonly opts: { tls?: TlsOptions; timeoutMs: number; retry: RetryPolicy },
  ) {
    this.base = `${opts.tls ? 'https' : 'http'}://${address}`;
  }

  /** GET /schema/{db}/{table}: the TableInfo TiDB holds; undefined when the database or table does not exist. */
  async tableInfo(db: string, table: string): Promise<TableInfo | undefined> {
    const res = await this.get(`/schema/${encodeURIComponent(db)}/${encodeURIComponent(table)}`);
    if (res.status === 400 && /\[schema:(1146|1049)\]/.test(res.body)) return undefined;
    return this.json<TableInfo>(res, 'GET /schema/{db}/{table}', parseTableInfoJson);
  }

  /** GET /schema/{db}: every table of a database; undefined when it does not exist. */
  async tables(db: string): Promise<TableInfo[] | undefined> {
    const res = await this.get(`/schema/${encodeURIComponent(db)}`);
    if (res.status === 400 && /\[schema:1049\]/.test(res.body)) return undefined;
    return this.json<TableInfo[]>(res, 'GET /schema/{db}');
  }

  /**
   * GET /schema?table_ids=…: the TableInfos of these table IDs, by table ID, in one request per
   * TABLE_IDS_PER_REQUEST. TiDB (v8.5.3) leaves out IDs it does not hold, answers a partition's ID with its
   * table (keyed by the table's ID), and answers 400 "All tables are not found" when it holds none of them.
   */
  async tablesById(ids: readonly number[]): Promise<Map<number, TableInfo>> {
    const out = new Map<number, TableInfo>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += TABLE_IDS_PER_REQUEST) {
      const chunk = unique.slice(i, i + TABLE_IDS_PER_REQUEST);
      const res = await this.get(`/schema?table_ids=${chunk.join(',')}`);
      if (res.status === 400 && /All tables are not found/.test(res.body)) continue;
      const found = this.json<Record<string, TableInfo>>(res, 'GET /schema?table_ids');
      for (const info of Object.values(found)) out.set(info.id, info);
    }
    return out;
  }

  /** GET /schema: every database. */
  async databases(): Promise<DBInfo[]> {
    return this.json<DBInfo[]>(await this.get('/schema'), 'GET /schema');
  }

  private json<T>(res: { status: number; body: string }, call: string, parse: (text: string) => unknown = JSON.parse): T {
    if (res.status !== 200) {
      throw new ClusterError(this.address, `TiDB status ${call}`, classifyHttpStatus(res.status, `HTTP ${res.status}: ${res.body.trim().slice(0, 300)}`));
    }
    try {
      return parse(res.body) as T;
    } catch (e) {
      throw new ClusterError(this.address, `TiDB status ${call}`, { kind: 'rejected', retryable: false, detail: `answer is not JSON (${(e as Error).message}); is ${this.address} TiDB's status port?` });
    }
  }

  private get(path: string): Promise<{ status: number; body: string }> {
    const call = `TiDB status GET ${path}`;
    return retry(
      async () => {
        try {
          const res = await this.once(path);
          if (res.status >= 500) throw new ClusterError(this.address, call, classifyHttpStatus(res.status, `HTTP ${res.status}: ${res.body.trim().slice(0, 300)}`));
          return res;
        } catch (e) {
          throw e instanceof ClusterError ? e : new ClusterError(this.address, call, classifyError(e));
        }
      },
      this.opts.retry,
      (e) => classifyError(e).retryable,
    );
  }

  private once(path: string): Promise<{ status: number; body: string }> {
    const url = new URL(path, this.base);
    const tls = this.opts.tls;
    return new Promise((resolve, reject) => {
      const signal = AbortSignal.timeout(this.opts.timeoutMs);
      const options = { method: 'GET', signal, ...(tls ? { ca: tls.ca, cert: tls.cert, key: tls.key } : {}) };
      const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, options, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY_BYTES) req.destroy(new Error(`answer larger than ${MAX_BODY_BYTES} bytes`));
          else chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', (e) => reject(signal.aborted ? Object.assign(new Error(`no answer within ${this.opts.timeoutMs} ms`), { name: 'TimeoutError' }) : e));
      req.end();
    });
  }
}
