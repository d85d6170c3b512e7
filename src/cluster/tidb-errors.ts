import { ClusterError, classifyError, type ErrorClass } from './errors';

/**
 * TiDB errors that a retry can fix: TiDB's own "try again" codes (kv/PD timeouts, busy servers, schema
 * changed under the statement) and MySQL's lock/deadlock codes. Everything else a TiDB answers is final.
 * Sources: TiDB pkg/errno (ErrInfoSchemaChanged 8028, ErrInfoSchemaExpired 8027, ErrTxnRetryable 8022,
 * ErrPDServerTimeout 9001, ErrTiKVServerTimeout 9002, ErrTiKVServerBusy 9003, ErrResolveLockTimeout 9004,
 * ErrRegionUnavailable 9005, ErrGCTooEarly is not retryable, ErrTiKVStoreLimit 9008) and MySQL 1205/1213.
 */
const RETRYABLE_ERRNOS = new Set([1205, 1213, 8022, 8027, 8028, 9001, 9002, 9003, 9004, 9005, 9007, 9008]);

/** mysql2 client-side codes meaning the server could not be reached or the connection broke. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT',
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR', 'PROTOCOL_ENQUEUE_AFTER_QUIT',
]);

/** Shape of a mysql2 error (server errors carry errno/sqlMessage; client errors only code). */
interface MysqlErrorShape {
  errno?: number;
  code?: string;
  sqlMessage?: string;
  message?: string;
  fatal?: boolean;
}

/** The TiDB/MySQL error number of a failed query, when the server answered one. */
export function mysqlErrno(e: unknown): number | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const o = e as MysqlErrorShape;
  return typeof o.errno === 'number' && typeof o.sqlMessage === 'string' ? o.errno : undefined;
}

/** Classifies a mysql2 error in the cluster vocabulary (retryable or not, why). */
export function classifyMysqlError(e: unknown): ErrorClass {
  if (e instanceof ClusterError) return classifyError(e);
  if (typeof e !== 'object' || e === null) return classifyError(e);
  const o = e as MysqlErrorShape;
  const errno = mysqlErrno(e);
  if (errno !== undefined) {
    const detail = `TiDB error ${errno}: ${o.sqlMessage}`;
    if (RETRYABLE_ERRNOS.has(errno)) return { kind: 'server-busy', retryable: true, detail };
    if (errno === 1045) return { kind: 'rejected', retryable: false, detail: `${detail} (check BRFLOW_TIDB_USER / BRFLOW_TIDB_PASSWORD)` };
    return { kind: 'rejected', retryable: false, detail };
  }
  if (o.code === 'PROTOCOL_SEQUENCE_TIMEOUT' || o.code === 'ETIMEDOUT') {
    return { kind: 'deadline', retryable: true, detail: o.message ?? 'timed out' };
  }
  if (o.code !== undefined && CONNECTION_CODES.has(o.code)) return { kind: 'unavailable', retryable: true, detail: `${o.code}: ${o.message ?? ''}` };
  return classifyError(e);
}

/** Wraps a mysql2 failure as a ClusterError naming the TiDB address and the call (never the credentials). */
export function toTidbError(e: unknown, address: string, call: string): ClusterError {
  if (e instanceof ClusterError) return e;
  return new ClusterError(address, call, classifyMysqlError(e));
}
