import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { PD_HTTP_RETRY, RESET_TS_RETRY, retry, type RetryPolicy } from './backoff';
import { ClusterError, classifyError, classifyHttpStatus } from './errors';
import { parsePdEndpoints, pdHttpBase } from './pd-address';
import type { TlsOptions } from './tls';

/** BR's PD HTTP client timeout (pdutil: http.Client{Timeout: 30 s}). */
export const PD_HTTP_TIMEOUT_MS = 30_000;
/** Largest body we accept from PD: schedule config and scheduler lists are a few KiB. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface PdHttpOptions {
  endpoints: string | readonly string[];
  tls?: TlsOptions;
  /** Deadline of each request. @default PD_HTTP_TIMEOUT_MS */
  timeoutMs?: number;
  /** Retry while every endpoint fails with a network error or 5xx. @default PD_HTTP_RETRY */
  retry?: RetryPolicy;
  /** The pause between tries; replaceable so a test can count the retries instead of waiting them out. */
  sleep?: (ms: number) => Promise<void>;
}

export interface PdHttpResponse {
  status: number;
  body: string;
}

/** Schedule config values as PD's JSON has them (numbers, "true"/"false" strings, booleans, …). */
export type ScheduleConfig = Record<string, unknown>;

/** PD's 403 for a TS more than 24 h ahead of its clock (v8.5: "the specified ts is too larger than now"). */
const RESET_TS_TOO_LARGE = /too large/i;
/** PD's 403 for a TS at or below its own ("the specified ts is smaller than now"; older PDs "… is not larger …"). */
const RESET_TS_SMALLER = /smaller|not larger/i;

/** The result of reset-ts: PD moved its TSO, or it was already past the asked value (HTTP 403). */
export type ResetTsOutcome = 'reset' | 'already-larger';

/**
 * PD's HTTP API (the part BR uses). Each request has a deadline, goes to the endpoints in turn (from the one that
 * answered last) and is retried while all of them fail with network errors or 5xx; a 4xx answer fails at once
 * with PD's message.
 */
export class PdHttp {
  private readonly bases: string[];
  private readonly timeoutMs: number;
  private readonly policy: RetryPolicy;
  /** The endpoint that answered last: requests start there (shared with the `withOptions` views). */
  private readonly preferred: { index: number };

  constructor(private readonly opts: PdHttpOptions, preferred = { index: 0 }) {
    this.bases = parsePdEndpoints(opts.endpoints).map((e) => pdHttpBase(e, opts.tls !== undefined));
    if (this.bases.length === 0) {
      throw new ClusterError('(none)', 'PD HTTP', { kind: 'rejected', retryable: false, detail: 'no PD endpoint given; pass --pd host:port' });
    }
    this.timeoutMs = opts.timeoutMs ?? PD_HTTP_TIMEOUT_MS;
    this.policy = opts.retry ?? PD_HTTP_RETRY;
    this.preferred = preferred;
  }

  /**
   * The same client with another deadline per request or retry policy, for reads that PD answers in milliseconds
   * and that are asked again soon anyway (the keeper's watch): a member that hangs costs them seconds, not BR's
   * 30 s per try. It shares which member answered last, so what it learns moves this client's requests too.
   */
  withOptions(opts: Pick<PdHttpOptions, 'timeoutMs' | 'retry'>): PdHttp {
    return new PdHttp({ ...this.opts, ...opts }, this.preferred);
  }

  /**
   * One request, retried as described above. `accept` lists non-2xx statuses the caller handles itself.
   * The path starts with "/pd/api/v1/".
   */
  async request(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, accept: number[] = [], policy = this.policy): Promise<PdHttpResponse> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const call = `PD HTTP ${method} ${path}`;
    return retry(
      async () => {
        let last: unknown;
        // From the member that answered last, then the others in turn: BR starts every request at the first
        // address, so a member whose host hangs costs each request its whole deadline (30 s) before another
        // is asked. Here only the first request after the hang waits it out.
        const start = this.preferred.index;
        for (let k = 0; k < this.bases.length; k++) {
          const i = (start + k) % this.bases.length;
          const base = this.bases[i]!;
          try {
            const res = await this.once(method, base, path, payload);
            this.preferred.index = i;
            if ((res.status >= 200 && res.status < 300) || accept.includes(res.status)) return res;
            throw new ClusterError(base, call, classifyHttpStatus(res.status, `HTTP ${res.status}: ${res.body.trim().slice(0, 500)}`));
          } catch (e) {
            last = e instanceof ClusterError ? e : new ClusterError(base, call, classifyError(e));
            // A 4xx is PD's verdict on the request itself; another member would say the same.
            if (!classifyError(last).retryable) throw last;
            // The next request (another try of this one included) starts past a member that did not answer.
            if (this.preferred.index === i) this.preferred.index = (i + 1) % this.bases.length;
          }
        }
        throw last;
      },
      policy,
      (e) => classifyError(e).retryable,
      this.opts.sleep ? { sleep: this.opts.sleep } : {},
    );
  }

  private once(method: string, base: string, path: string, payload: string | undefined): Promise<PdHttpResponse> {
    const url = new URL(path, base);
    const tls = this.opts.tls;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const signal = AbortSignal.timeout(this.timeoutMs);
      const req = send(
        url,
        {
          method,
          signal,
          headers: payload !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {},
          ...(tls ? { ca: tls.ca, ...(tls.cert ? { cert: tls.cert } : {}), ...(tls.key ? { key: tls.key } : {}) } : {}),
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          let n = 0;
          res.on('data', (c: Buffer) => {
            n += c.length;
            if (n > MAX_BODY_BYTES) req.destroy(new Error(`PD answered more than ${MAX_BODY_BYTES} bytes`));
            else chunks.push(c);
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', (e) => {
        if (signal.aborted) {
          reject(new ClusterError(base, `PD HTTP ${method} ${path}`, { kind: 'deadline', retryable: true, detail: `no answer within ${this.timeoutMs} ms` }));
        } else reject(e);
      });
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  private async json<T>(path: string): Promise<T> {
    const res = await this.request('GET', path);
    try {
      return JSON.parse(res.body) as T;
    } catch {
      throw new ClusterError(this.bases[0] as string, `PD HTTP GET ${path}`, { kind: 'rejected', retryable: false, detail: `not JSON: ${res.body.slice(0, 200)}` });
    }
  }

  /** PD's own version, without the leading "v" ("5.3.0"). */
  async version(): Promise<string> {
    const v = await this.json<{ version?: string }>('/pd/api/v1/version');
    return String(v.version ?? '0.0.0').trim().replace(/^v/, '');
  }

  /** The cluster version PD records (TiKV's), unquoted. */
  async clusterVersion(): Promise<string> {
    const res = await this.request('GET', '/pd/api/v1/config/cluster-version');
    return res.body.trim().replace(/^"|"$/g, '');
  }

  /** Scheduler names; `status` filters on newer PDs (paused / disabled). */
  async listSchedulers(status?: 'paused' | 'disabled'): Promise<string[]> {
    return this.json<string[]>(`/pd/api/v1/schedulers${status ? `?status=${status}` : ''}`);
  }

  /** Pauses a scheduler for `delaySeconds` SECONDS (PD multiplies by time.Second); 0 resumes it. */
  async pauseScheduler(name: string, delaySeconds: number): Promise<void> {
    if (!Number.isInteger(delaySeconds) || delaySeconds < 0 || delaySeconds > 7 * 24 * 3600) {
      // The v5.3 BR bug sent nanoseconds (3e11 "seconds"): refuse anything that is not a sane second count.
      throw new ClusterError(this.bases[0] as string, 'PD pause scheduler', { kind: 'rejected', retryable: false, detail: `delay ${delaySeconds} is not a number of seconds` });
    }
    await this.request('POST', `/pd/api/v1/schedulers/${encodeURIComponent(name)}`, { delay: delaySeconds });
  }

  async removeScheduler(name: string): Promise<void> {
    await this.request('DELETE', `/pd/api/v1/schedulers/${encodeURIComponent(name)}`);
  }

  async addScheduler(name: string): Promise<void> {
    await this.request('POST', '/pd/api/v1/schedulers', { name });
  }

  /**
   * PD's service GC safepoints (GET gc/safepoint, what pd-ctl service-gc-safepoint shows). `expiresAt` is unix
   * seconds (undefined: never); numbers are read as text, TSOs do not fit a double.
   */
  async serviceSafePoints(): Promise<{ serviceId: string; safePoint: bigint; expiresAt?: number }[]> {
    const res = await this.request('GET', '/pd/api/v1/gc/safepoint');
    let parsed: { service_gc_safe_points?: { service_id: string; expired_at: string; safe_point: string }[] };
    try {
      parsed = JSON.parse(res.body.replace(/"(expired_at|safe_point)"\s*:\s*(-?\d+)/g, '"$1":"$2"')) as typeof parsed;
    } catch {
      throw new ClusterError(this.bases[0] as string, 'PD HTTP GET /pd/api/v1/gc/safepoint', { kind: 'rejected', retryable: false, detail: `not JSON: ${res.body.slice(0, 200)}` });
    }
    return (parsed.service_gc_safe_points ?? []).map((s) => {
      const exp = BigInt(s.expired_at);
      return { serviceId: s.service_id, safePoint: BigInt(s.safe_point), ...(exp < 9223372036854775807n ? { expiresAt: Number(exp) } : {}) };
    });
  }

  /** How many replicas PD keeps of each region (replication.max-replicas). */
  async maxReplicas(): Promise<number> {
    const cfg = await this.json<{ 'max-replicas'?: number }>('/pd/api/v1/config/replicate');
    return Number(cfg['max-replicas'] ?? 0);
  }

  async getScheduleConfig(): Promise<ScheduleConfig> {
    return this.json<ScheduleConfig>('/pd/api/v1/config/schedule');
  }

  /**
   * Sets schedule values that expire after `ttlSeconds` (PD ≥ 4.0.8): `POST /pd/api/v1/config?ttlSecond=N` with
   * keys prefixed "schedule.". ttlSeconds 0 removes the overrides, PD then reads the stored values again.
   */
  async setConfigWithTtl(values: ScheduleConfig, ttlSeconds: number): Promise<void> {
    const body: ScheduleConfig = {};
    for (const [k, v] of Object.entries(values)) body[`schedule.${k}`] = v;
    await this.request('POST', `/pd/api/v1/config?ttlSecond=${Math.trunc(ttlSeconds)}`, body);
  }

  /** Permanent schedule config change (`POST /pd/api/v1/config/schedule`); it ignores any TTL. */
  async setScheduleConfig(values: ScheduleConfig): Promise<void> {
    await this.request('POST', '/pd/api/v1/config/schedule', values);
  }

  /**
   * Moves PD's TSO to at least `ts` (BR ResetTS before importing data with its original commit ts). PD answers 403
   * for two things: the TS is below its own ("already larger": success, nothing to move) or, PD ≥ 6.x, the TS is
   * more than 24 h ahead of PD's clock (ErrResetUserTimestamp "too larger than now"). The second is refused unless
   * the body says `"force-use-larger": true`, which BR sends because a backup's TS comes from another cluster whose
   * clock may run ahead. brflow asks without it first, since with it PD answers 200 even when it moved nothing and
   * the outcome could no longer be told; only on the refusal does it send BR's forced request.
   */
  async resetTs(ts: bigint): Promise<ResetTsOutcome> {
    const path = '/pd/api/v1/admin/reset-ts';
    const tso = ts.toString();
    const res = await this.request('POST', path, { tso }, [403], RESET_TS_RETRY);
    if (res.status !== 403) return 'reset';
    if (RESET_TS_TOO_LARGE.test(res.body)) {
      await this.request('POST', path, { tso, 'force-use-larger': true }, [], RESET_TS_RETRY);
      return 'reset';
    }
    if (RESET_TS_SMALLER.test(res.body)) return 'already-larger';
    throw new ClusterError(this.bases[0] as string, `PD HTTP POST ${path}`, { kind: 'rejected', retryable: false, detail: `HTTP 403: ${res.body.trim().slice(0, 300)}`, httpStatus: 403 });
  }
}
