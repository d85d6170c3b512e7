import { status as GrpcStatus } from '@grpc/grpc-js';
import { BrflowError, ErrorType, type ErrorTypeName } from '../plan/error-types';
import type { Error as RegionErrorPb } from '../proto/errorpb';
import type { Peer, Region } from '../proto/metapb';

/**
 * What went wrong on a cluster call, in the terms a retry loop needs. One vocabulary for gRPC status codes,
 * TiKV region errors (errorpb.Error), PD response-header errors and HTTP statuses, so the retry decision
 * is made in one place (BR's pkg/restore/backoff.go plays this role).
 */
export type ClusterErrorKind =
  | 'not-leader' // errorpb.NotLeader: retry on `leader` (or ask PD when absent)
  | 'epoch-not-match' // errorpb.EpochNotMatch: regions changed; reload them (and re-split)
  | 'key-not-in-region' // errorpb.KeyNotInRegion: our region view is stale; reload (and re-split)
  | 'region-not-found' // errorpb.RegionNotFound / PD REGION_NOT_FOUND
  | 'region-not-ready' // transient raft states (ReadIndexNotReady, ProposalInMergingMode, …)
  | 'stale-command' // errorpb.StaleCommand: a repeated command; redo from scratch
  | 'store-not-match' // errorpb.StoreNotMatch: the address now serves another store
  | 'server-busy' // errorpb.ServerIsBusy / RESOURCE_EXHAUSTED / HTTP 429: back off
  | 'unavailable' // cannot reach the server (gRPC UNAVAILABLE/ABORTED, connection refused, HTTP 5xx)
  | 'deadline' // our deadline passed
  | 'cancelled' // the caller cancelled
  | 'unimplemented' // the server lacks the RPC or endpoint (feature detection)
  | 'not-found' // HTTP 404 or gRPC NOT_FOUND: the named object does not exist
  | 'rejected' // the server refused the request as invalid or unauthorized: retrying cannot help
  | 'disk-full' // errorpb.DiskFull: an operator must make room
  | 'download-failed' // import_sstpb.Error on Download: TiKV could not fetch/rewrite the SST
  | 'backup-file-unreadable' // Download: the backup file is missing or damaged; only a fixed backup helps
  | 'pd-error' // pdpb ResponseHeader error not covered above
  | 'unknown';

export interface ErrorClass {
  kind: ClusterErrorKind;
  retryable: boolean;
  /** Human-readable cause, as the server put it. */
  detail: string;
  /** For not-leader: the new leader, when the store knows it. */
  leader?: Peer;
  /** For epoch-not-match: the regions that now cover the old one. */
  currentRegions?: Region[];
  /** For server-busy: the server's own backoff hint. */
  backoffMs?: number;
  grpcCode?: number;
  httpStatus?: number;
}

/**
 * A failed cluster call. A BrflowError (catalog type + a message naming the address and the call), with the
 * classification attached so callers decide retries without parsing text.
 */
export class ClusterError extends BrflowError {
  readonly kind: ClusterErrorKind;
  readonly retryable: boolean;
  readonly leader?: Peer;
  readonly currentRegions?: Region[];
  readonly backoffMs?: number;
  readonly grpcCode?: number;
  readonly httpStatus?: number;
  constructor(
    readonly address: string,
    readonly call: string,
    cls: ErrorClass,
  ) {
    super(catalogTypeOf(cls.kind), `${call} at ${address}: ${cls.kind}: ${cls.detail}${TLS_HANDSHAKE.test(cls.detail) ? TLS_ADVICE : adviceFor(cls.kind)}`);
    this.kind = cls.kind;
    this.retryable = cls.retryable;
    if (cls.leader) this.leader = cls.leader;
    if (cls.currentRegions) this.currentRegions = cls.currentRegions;
    if (cls.backoffMs !== undefined) this.backoffMs = cls.backoffMs;
    if (cls.grpcCode !== undefined) this.grpcCode = cls.grpcCode;
    if (cls.httpStatus !== undefined) this.httpStatus = cls.httpStatus;
  }
}

function catalogTypeOf(kind: ClusterErrorKind): ErrorTypeName {
  switch (kind) {
    case 'not-leader':
    case 'epoch-not-match':
    case 'key-not-in-region':
    case 'region-not-found':
    case 'region-not-ready':
    case 'stale-command':
    case 'store-not-match':
      return ErrorType.RegionError;
    case 'unavailable':
    case 'deadline':
    case 'server-busy':
      return ErrorType.ClusterUnavailable;
    case 'backup-file-unreadable':
      return ErrorType.SstCorrupt;
    default:
      return ErrorType.ClusterRejected;
  }
}

/**
 * OpenSSL/Node wording of a failed TLS handshake (untrusted server, certificate refused or required, name
 * mismatch): the address is fine, the certificates given to the worker are not; the retry class is unchanged.
 */
const TLS_HANDSHAKE = /certificate|SSL routines|tlsv1\d? alert|ERR_TLS_|ERR_SSL_|handshake failure/i;
const TLS_ADVICE = " (the TLS handshake failed: check the CA and the client certificate and key given to the worker: BRFLOW_CLUSTER_CA/CERT/KEY, BRFLOW_TIDB_CA/CERT/KEY or the input's cluster.tls)";

function adviceFor(kind: ClusterErrorKind): string {
  switch (kind) {
    case 'unavailable':
    case 'deadline':
      return ' (check that the address is right and the server is up and reachable)';
    case 'disk-full':
      return ' (free disk space on the TiKV stores, then retry)';
    case 'unimplemented':
      return ' (the cluster version lacks this API)';
    case 'backup-file-unreadable':
      return ' (the backup file is missing or damaged: check it with `brflow verify-backup`, restore from a good copy)';
    default:
      return '';
  }
}

/** Classification of a gRPC status code, following BR: UNAVAILABLE and ABORTED are retryable, the rest mostly not. */
export function classifyGrpcCode(code: number, detail: string): ErrorClass {
  const c = (kind: ClusterErrorKind, retryable: boolean): ErrorClass => ({ kind, retryable, detail, grpcCode: code });
  switch (code) {
    case GrpcStatus.UNAVAILABLE:
    case GrpcStatus.ABORTED:
      return c('unavailable', true);
    case GrpcStatus.DEADLINE_EXCEEDED:
      return c('deadline', true);
    case GrpcStatus.RESOURCE_EXHAUSTED:
      return c('server-busy', true);
    case GrpcStatus.CANCELLED:
      return c('cancelled', false);
    case GrpcStatus.UNIMPLEMENTED:
      return c('unimplemented', false);
    case GrpcStatus.NOT_FOUND:
      return c('not-found', false);
    case GrpcStatus.INVALID_ARGUMENT:
    case GrpcStatus.FAILED_PRECONDITION:
    case GrpcStatus.ALREADY_EXISTS:
    case GrpcStatus.PERMISSION_DENIED:
    case GrpcStatus.UNAUTHENTICATED:
    case GrpcStatus.OUT_OF_RANGE:
      return c('rejected', false);
    default:
      return c('unknown', false);
  }
}

/** Classification of a TiKV region error (errorpb.Error); at most one detail field is set. */
export function classifyRegionError(err: RegionErrorPb): ErrorClass {
  const detail = err.message || 'region error';
  if (err.notLeader) {
    const leader = err.notLeader.leader;
    // A leader with id 0 / store 0 is "unknown": the caller has to ask PD.
    const known = leader !== undefined && leader.storeId !== 0n;
    return { kind: 'not-leader', retryable: true, detail, ...(known ? { leader } : {}) };
  }
  if (err.epochNotMatch) {
    return { kind: 'epoch-not-match', retryable: true, detail, currentRegions: err.epochNotMatch.currentRegions };
  }
  if (err.keyNotInRegion) return { kind: 'key-not-in-region', retryable: true, detail };
  if (err.regionNotFound) return { kind: 'region-not-found', retryable: true, detail };
  if (err.serverIsBusy) {
    const hint = Number(err.serverIsBusy.backoffMs);
    return {
      kind: 'server-busy',
      retryable: true,
      detail: err.serverIsBusy.reason || detail,
      ...(hint > 0 ? { backoffMs: hint } : {}),
    };
  }
  if (err.staleCommand) return { kind: 'stale-command', retryable: true, detail };
  if (err.storeNotMatch) return { kind: 'store-not-match', retryable: true, detail };
  if (err.diskFull) return { kind: 'disk-full', retryable: false, detail: err.diskFull.reason || detail };
  if (err.raftEntryTooLarge) return { kind: 'rejected', retryable: false, detail };
  if (
    err.maxTimestampNotSynced ||
    err.readIndexNotReady ||
    err.proposalInMergingMode ||
    err.dataIsNotReady ||
    err.regionNotInitialized
  ) {
    return { kind: 'region-not-ready', retryable: true, detail };
  }
  return { kind: 'unknown', retryable: false, detail };
}

/**
 * PD errors that PD reports as HTTP 500 although they are PD's final word on the request (PD's error catalog,
 * `[PD:<component>:<Err…>]` at the start of the body): retrying cannot change them, so they fail at once with what
 * to do. Codes not listed (ErrServerNotStarted, ErrEtcd…, leader changes) stay retryable like any 5xx.
 */
const DEFINITE_PD_ERRORS: Readonly<Record<string, string>> = {
  ErrNotBootstrapped: 'PD has no TiKV yet: start the TiKV stores of this cluster, or check that --pd names the PD of the cluster to restore into',
  ErrSchedulerNotFound: 'PD has no such scheduler: list them with GET /pd/api/v1/schedulers',
  ErrSchedulerExisted: 'the scheduler is already there: nothing to add',
};

/**
 * PD's answer in a pdpb ResponseHeader error (type name as in pdpb.ErrorType, and PD's message). NOT_BOOTSTRAPPED is
 * PD's ErrNotBootstrapped over gRPC: definite, with the same advice as its HTTP form.
 */
export function classifyPdHeaderError(typeName: string, message: string): ErrorClass {
  if (typeName === 'REGION_NOT_FOUND') return { kind: 'region-not-found', retryable: true, detail: message };
  if (typeName === 'NOT_BOOTSTRAPPED') {
    return { kind: 'rejected', retryable: false, detail: `PD answered NOT_BOOTSTRAPPED (ErrNotBootstrapped): ${message} — ${DEFINITE_PD_ERRORS.ErrNotBootstrapped}` };
  }
  return classifyPdMessage(message) ?? { kind: 'pd-error', retryable: false, detail: `${typeName}: ${message}` };
}

/**
 * PD's messages for transient region states, wherever PD puts them (response header or a bare gRPC UNKNOWN status,
 * as v8.5.4's ScatterRegion does): scatter answers "not fully replicated" / "has no leader" while a new region's
 * replication settles (BR retries them 7 × 100 ms); a batch of regions PD does not know is "region not found"; a
 * PD follower answers "not leader". Undefined for any other message.
 */
export function classifyPdMessage(msg: string): ErrorClass | undefined {
  const m = msg.trim();
  if (/not fully replicated|has no leader/i.test(m)) return { kind: 'region-not-ready', retryable: true, detail: m };
  if (/(^|:\s)region not found$/i.test(m)) return { kind: 'region-not-found', retryable: true, detail: m };
  if (/not leader|is not serving/i.test(m)) return { kind: 'not-leader', retryable: true, detail: m };
  return undefined;
}

/** The `Err…` code of a PD error body like `"[PD:cluster:ErrNotBootstrapped]TiKV cluster not bootstrapped"`. */
export function pdErrorCode(body: string): string | undefined {
  return /\[PD:[\w-]+:(Err\w+)\]/.exec(body)?.[1];
}

/** HTTP status → class. 5xx is retryable (BR retries PD HTTP while status ≥ 500) unless PD named a definite error; 4xx is the request's fault. */
export function classifyHttpStatus(httpStatus: number, detail: string): ErrorClass {
  const c = (kind: ClusterErrorKind, retryable: boolean): ErrorClass => ({ kind, retryable, detail, httpStatus });
  const code = pdErrorCode(detail);
  const advice = code === undefined ? undefined : DEFINITE_PD_ERRORS[code];
  if (advice !== undefined) return { kind: 'rejected', retryable: false, detail: `PD answered ${code}: ${detail} — ${advice}`, httpStatus };
  if (httpStatus >= 500) return c('unavailable', true);
  if (httpStatus === 429) return c('server-busy', true);
  if (httpStatus === 404) return c('not-found', false);
  if (httpStatus === 405 || httpStatus === 501) return c('unimplemented', false);
  return c('rejected', false);
}

/** Node socket error codes that mean "could not reach it", retryable like gRPC UNAVAILABLE. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT']);

/**
 * The one classifier. Accepts what cluster code catches: a ClusterError (already classified), a gRPC
 * ServiceError (`code` + `details`), a region error object (errorpb.Error), a Node socket error, an
 * AbortError/TimeoutError from a deadline, or anything else (unknown, not retryable).
 */
export function classifyError(e: unknown): ErrorClass {
  if (e instanceof ClusterError) {
    return {
      kind: e.kind,
      retryable: e.retryable,
      detail: e.message,
      ...(e.leader ? { leader: e.leader } : {}),
      ...(e.currentRegions ? { currentRegions: e.currentRegions } : {}),
      ...(e.backoffMs !== undefined ? { backoffMs: e.backoffMs } : {}),
      ...(e.grpcCode !== undefined ? { grpcCode: e.grpcCode } : {}),
      ...(e.httpStatus !== undefined ? { httpStatus: e.httpStatus } : {}),
    };
  }
  if (typeof e !== 'object' || e === null) return { kind: 'unknown', retryable: false, detail: String(e) };
  const o = e as Record<string, unknown>;
  if (isRegionErrorShape(o)) return classifyRegionError(e as RegionErrorPb);
  if (typeof o.code === 'number' && 'details' in o) {
    return classifyGrpcCode(o.code, typeof o.details === 'string' && o.details ? o.details : String(o.message));
  }
  if (typeof o.code === 'string' && NETWORK_CODES.has(o.code)) {
    return { kind: 'unavailable', retryable: true, detail: String(o.message) };
  }
  if (o.name === 'TimeoutError') return { kind: 'deadline', retryable: true, detail: String(o.message) };
  if (o.name === 'AbortError') return { kind: 'cancelled', retryable: false, detail: String(o.message) };
  return { kind: 'unknown', retryable: false, detail: e instanceof Error ? e.message : JSON.stringify(e) };
}

const REGION_ERROR_FIELDS = [
  'notLeader',
  'regionNotFound',
  'keyNotInRegion',
  'epochNotMatch',
  'serverIsBusy',
  'staleCommand',
  'storeNotMatch',
  'raftEntryTooLarge',
  'maxTimestampNotSynced',
  'readIndexNotReady',
  'proposalInMergingMode',
  'dataIsNotReady',
  'regionNotInitialized',
  'diskFull',
] as const;

function isRegionErrorShape(o: Record<string, unknown>): boolean {
  return REGION_ERROR_FIELDS.some((f) => o[f] !== undefined && o[f] !== null);
}

/** Wraps any caught value as a ClusterError naming the address and the call (no double wrapping). */
export function toClusterError(e: unknown, address: string, call: string): ClusterError {
  if (e instanceof ClusterError) return e;
  return new ClusterError(address, call, classifyError(e));
}

/**
 * TiKV's answer to a Download that failed without a region error (import_sstpb.Error.message). BR retries every
 * such failure (ErrKVDownloadFailed), but a file that is gone or damaged fails the same way every time, and with
 * brflow's stacked retries (per download, per import unit, per activity) that would take hours to surface; so
 * the messages TiKV gives for those cases end the import at once. Everything else stays retryable.
 */
export function classifyDownloadFailure(message: string): ErrorClass {
  const permanent = /corruption|checksum mismatch|crc32 mismatch|no such file|os error 2\b|nosuchkey|specified key does not exist|not found in /i;
  return permanent.test(message)
    ? { kind: 'backup-file-unreadable', retryable: false, detail: message }
    : { kind: 'download-failed', retryable: true, detail: message || 'download failed' };
}
