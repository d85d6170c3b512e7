import { BrflowError, ErrorType } from '../plan/error-types';
import { readTlsSetting, type TlsOptions } from './tls';

/** BR's default TiDB ports: SQL 4000, status HTTP 10080. */
export const TIDB_DEFAULT_PORT = 4000;
export const TIDB_DEFAULT_STATUS_PORT = 10080;

/**
 * How to reach TiDB. The password is the worker's secret: it comes from the environment, stays in this
 * object, and is never put in logs, workflow input or error messages.
 */
export interface TidbConnectionConfig {
  host: string;
  port: number;
  /** host:port of TiDB's status HTTP API (GET /schema/{db}/{table}). */
  statusAddress: string;
  user: string;
  password: string;
  /** TLS of the SQL port (TiDB's security.ssl-*). */
  tls?: TlsOptions;
  /**
   * TLS of the status port, which TiDB serves with its cluster certificates (security.cluster-ssl-*), the ones
   * PD and TiKV use. @default tls
   */
  statusTls?: TlsOptions;
  /** Deadline of each SQL statement and HTTP request, and of connecting. @default TIDB_CALL_TIMEOUT_MS */
  timeoutMs?: number;
  /**
   * SQL sessions the worker opens to this TiDB at most (a pool): the tables of a group are created over them
   * side by side. @default TIDB_DEFAULT_SESSIONS
   */
  sessions?: number;
}

/**
 * 64 sessions, four times BR's DDL concurrency (16), because of how TiDB v8 batches CREATE TABLE over SQL: with
 * `tidb_enable_fast_create_table` (ON by default in v8.5) its job submitter merges the CREATE TABLE jobs that are
 * waiting at the moment it wakes, per schema, into jobs of at most 8 tables (TiDB pkg/ddl/job_submitter.go,
 * mergeCreateTableJobs). The workflow creates 4 table groups at a time, often in 4 schemas, so 16 sessions left
 * ~4 CREATEs per schema waiting and 64 leave the 8 a merged job takes. Measured on v8.5.3 (unistore, 600 tables,
 * interleaved runs on a loaded 2-core host, bench/create-tables-ab.ts): TiDB's CPU per table 16.7–18.1 ms at 16
 * sessions, 10.7–10.9 at 32, 7.5–8.1 at 64 (plus ~3–4 ms TiDB spends afterwards on the new tables' statistics),
 * 8.1–8.8 at 128: past 64 there is nothing left to merge. A session is one idle connection when unused.
 */
export const TIDB_DEFAULT_SESSIONS = 64;
/** Upper bound of BRFLOW_TIDB_SESSIONS. */
export const TIDB_MAX_SESSIONS = 64;

/** Environment variables the worker reads (all optional; defaults in brackets). */
export const TIDB_ENV = {
  /** host:port of TiDB's SQL port [127.0.0.1:4000] */
  address: 'BRFLOW_TIDB_ADDRESS',
  /** host:port of TiDB's status port [<host>:10080] */
  statusAddress: 'BRFLOW_TIDB_STATUS_ADDRESS',
  /** [root] */
  user: 'BRFLOW_TIDB_USER',
  /** [empty] */
  password: 'BRFLOW_TIDB_PASSWORD',
  /**
   * PEM paths; CA alone = server-verified TLS, with cert+key = mutual TLS. Unset: the cluster's
   * (BRFLOW_CLUSTER_CA/CERT/KEY), as TiDB Lightning's `tidb.tls = "cluster"` default when [security] is set.
   */
  ca: 'BRFLOW_TIDB_CA',
  cert: 'BRFLOW_TIDB_CERT',
  key: 'BRFLOW_TIDB_KEY',
  /**
   * TLS of the SQL port when BRFLOW_TIDB_CA is unset, as Lightning's `tidb.tls`: `cluster` (the cluster's
   * certificates) or `false` (plain text, for a cluster with TLS between components but none on the SQL port).
   * [cluster when BRFLOW_CLUSTER_CA is set, else false]
   */
  tlsMode: 'BRFLOW_TIDB_TLS',
  /** Per-call deadline in ms [30000] */
  timeoutMs: 'BRFLOW_TIDB_TIMEOUT_MS',
  /** SQL sessions per worker, 1-64; each group's tables are created over them side by side [64] */
  sessions: 'BRFLOW_TIDB_SESSIONS',
} as const;

/** Parses "host:port" (IPv6 in brackets); every problem names the variable and the fix. */
export function parseHostPort(value: string, what: string, defaultPort: number): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:/\s]+))(?::(\d{1,5}))?$/.exec(value.trim());
  if (!m) throw new BrflowError(ErrorType.InvalidInput, `${what}: "${value}" is not host:port; write e.g. 127.0.0.1:${defaultPort}`);
  const host = (m[1] ?? m[2]) as string;
  const port = m[3] === undefined ? defaultPort : Number(m[3]);
  if (port < 1 || port > 65535) throw new BrflowError(ErrorType.InvalidInput, `${what}: port ${port} is out of range 1-65535`);
  return { host, port };
}

/**
 * The TiDB connection from the worker environment. All problems are reported at once, each naming the
 * variable and the fix (STYLE rule 8).
 */
export function tidbConfigFromEnv(env: Record<string, string | undefined>, defaults: { clusterTls?: TlsOptions } = {}): TidbConnectionConfig {
  const problems: string[] = [];
  const attempt = <T>(f: () => T): T | undefined => {
    try {
      return f();
    } catch (e) {
      problems.push((e as Error).message);
      return undefined;
    }
  };
  const sql = attempt(() => parseHostPort(env[TIDB_ENV.address] ?? `127.0.0.1:${TIDB_DEFAULT_PORT}`, TIDB_ENV.address, TIDB_DEFAULT_PORT));
  const statusRaw = env[TIDB_ENV.statusAddress] ?? `${sql?.host.includes(':') ? `[${sql.host}]` : (sql?.host ?? '127.0.0.1')}:${TIDB_DEFAULT_STATUS_PORT}`;
  const status = attempt(() => parseHostPort(statusRaw, TIDB_ENV.statusAddress, TIDB_DEFAULT_STATUS_PORT));
  let timeoutMs: number | undefined;
  const rawTimeout = env[TIDB_ENV.timeoutMs];
  if (rawTimeout !== undefined) {
    timeoutMs = Number(rawTimeout);
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) problems.push(`${TIDB_ENV.timeoutMs}: "${rawTimeout}" is not a positive number of milliseconds`);
  }
  let sessions: number | undefined;
  const rawSessions = env[TIDB_ENV.sessions];
  if (rawSessions !== undefined && rawSessions !== '') {
    sessions = Number(rawSessions);
    if (!Number.isInteger(sessions) || sessions < 1 || sessions > TIDB_MAX_SESSIONS) problems.push(`${TIDB_ENV.sessions}: "${rawSessions}" is not a whole number of sessions from 1 to ${TIDB_MAX_SESSIONS}`);
  }
  const own = readTlsSetting({ ca: env[TIDB_ENV.ca], cert: env[TIDB_ENV.cert], key: env[TIDB_ENV.key] }, TIDB_ENV, problems);
  const mode = env[TIDB_ENV.tlsMode];
  if (mode !== undefined && mode !== '' && mode !== 'cluster' && mode !== 'false') {
    problems.push(`${TIDB_ENV.tlsMode}: "${mode}" is not cluster or false; unset it to use ${TIDB_ENV.ca}/${TIDB_ENV.cert}/${TIDB_ENV.key}, or the cluster's certificates`);
  } else if (mode && env[TIDB_ENV.ca]) {
    problems.push(`${TIDB_ENV.tlsMode}=${mode} and ${TIDB_ENV.ca} contradict each other; set one of them`);
  } else if (mode === 'cluster' && !defaults.clusterTls) {
    problems.push(`${TIDB_ENV.tlsMode}=cluster needs the cluster's certificates; set BRFLOW_CLUSTER_CA (and BRFLOW_CLUSTER_CERT/KEY)`);
  }
  const tls = env[TIDB_ENV.ca] ? own : mode === 'false' ? undefined : defaults.clusterTls;
  if (problems.length > 0 || !sql || !status) {
    throw new BrflowError(ErrorType.InvalidInput, `TiDB connection settings: ${problems.join('; ')}`);
  }
  return {
    host: sql.host,
    port: sql.port,
    statusAddress: `${status.host.includes(':') ? `[${status.host}]` : status.host}:${status.port}`,
    user: env[TIDB_ENV.user] ?? 'root',
    password: env[TIDB_ENV.password] ?? '',
    ...(tls ? { tls } : {}),
    ...(defaults.clusterTls ? { statusTls: defaults.clusterTls } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(sessions !== undefined ? { sessions } : {}),
  };
}
