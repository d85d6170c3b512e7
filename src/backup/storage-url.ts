import { BrflowError, ErrorType } from '../plan/error-types';
import { isKnownS3Param, S3_PARAMS, type S3Param } from '../plan/storage-display';

export { storageUrlForDisplay } from '../plan/storage-display';

/** A backup folder on a file system the process can read. */
export interface LocalStorageSpec {
  kind: 'local';
  /** As written by the operator (may be relative); openers resolve it. */
  path: string;
}

/** A backup under an S3 (or S3-compatible) bucket prefix. Never carries credentials. */
export interface S3StorageSpec {
  kind: 's3';
  bucket: string;
  /** Key prefix without leading or trailing slash; '' for the bucket root. */
  prefix: string;
  /** http(s)://host[:port] of a non-AWS server, without trailing slash. */
  endpoint?: string;
  region?: string;
  /** Path-style addressing (http://host/bucket/key). BR defaults it to true. */
  forcePathStyle: boolean;
}

export type StorageSpec = LocalStorageSpec | S3StorageSpec;

/** What parseStorageUrl accepts, quoted in every error so the operator sees the fix. */
export const ACCEPTED_STORAGE_FORMS =
  'a folder path, local:///abs/path, file:///abs/path, or s3://bucket/prefix' +
  '[?endpoint=http://host:port&region=REGION&force-path-style=true|false]';

// Credentials in a URL end up in shell history, logs and workflow history; BR accepts them, brflow does not.
const CREDENTIAL_PARAMS = new Set(['access-key', 'secret-access-key', 'session-token', 'access_key', 'secret_access_key', 'session_token']);

/**
 * Parses a backup location the way an operator writes it (`--storage`). Pure: no file system or
 * environment access, so relative paths stay relative.
 *
 * @throws BrflowError(InvalidStorageUrl) naming the URL (credentials redacted) and the accepted forms.
 */
export function parseStorageUrl(url: string): StorageSpec {
  const text = url.trim();
  if (text === '') fail(url, 'is empty');
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):(\/\/)?/.exec(text);
  if (!scheme) return { kind: 'local', path: text };
  const name = (scheme[1] ?? '').toLowerCase();
  if (!scheme[2]) {
    fail(url, `is not a URL (missing "//" after "${name}:")`);
  }
  const rest = text.slice(scheme[0].length);
  switch (name) {
    case 'local':
    case 'file':
      return parseLocal(url, rest);
    case 's3':
      return parseS3(url, rest);
    default:
      return fail(url, `uses the unsupported scheme "${name}"`);
  }
}

/** The canonical, credential-free URL of a spec: what storages use as their `description`. */
export function formatStorageSpec(spec: StorageSpec): string {
  if (spec.kind === 'local') return spec.path.startsWith('/') ? `local://${spec.path}` : spec.path;
  const params: string[] = [];
  if (spec.endpoint !== undefined) params.push(`endpoint=${spec.endpoint}`);
  if (spec.region !== undefined) params.push(`region=${spec.region}`);
  if (spec.endpoint !== undefined || !spec.forcePathStyle) params.push(`force-path-style=${spec.forcePathStyle}`);
  const base = `s3://${spec.bucket}${spec.prefix === '' ? '' : `/${spec.prefix}`}`;
  return params.length === 0 ? base : `${base}?${params.join('&')}`;
}

function parseLocal(url: string, rest: string): LocalStorageSpec {
  if (rest.includes('?') || rest.includes('#')) fail(url, 'has a query or fragment, which a local path does not take');
  // local:///abs → "/abs"; local://rel/dir → "rel/dir" (BR joins host and path the same way).
  const path = decode(url, rest);
  if (path === '' || path === '/') fail(url, 'names no folder');
  return { kind: 'local', path };
}

function parseS3(url: string, rest: string): S3StorageSpec {
  if (rest.includes('#')) fail(url, 'has a fragment');
  const q = rest.indexOf('?');
  const location = q < 0 ? rest : rest.slice(0, q);
  const query = q < 0 ? '' : rest.slice(q + 1);
  const slash = location.indexOf('/');
  const bucket = slash < 0 ? location : location.slice(0, slash);
  if (bucket.includes('@')) {
    fail(url, 'has credentials before the bucket name; brflow takes S3 credentials only from the AWS environment ' +
      '(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or an instance role)');
  }
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    fail(url, `has "${bucket}" as bucket name; S3 bucket names are 3-63 lower-case letters, digits, dots and hyphens`);
  }
  const prefix = decode(url, slash < 0 ? '' : location.slice(slash + 1)).replace(/^\/+|\/+$/g, '');
  const values = parseS3Params(url, query);
  const spec: S3StorageSpec = { kind: 's3', bucket, prefix, forcePathStyle: true };
  const endpoint = values.get('endpoint');
  if (endpoint !== undefined) spec.endpoint = checkEndpoint(url, endpoint);
  const region = values.get('region');
  if (region !== undefined) {
    if (!/^[a-z0-9-]+$/.test(region)) fail(url, `has "${region}" as region; expected e.g. us-east-1`);
    spec.region = region;
  }
  const pathStyle = values.get('force-path-style');
  if (pathStyle !== undefined) {
    if (pathStyle !== 'true' && pathStyle !== 'false') fail(url, `has force-path-style=${pathStyle}; use true or false`);
    spec.forcePathStyle = pathStyle === 'true';
  }
  return spec;
}

function parseS3Params(url: string, query: string): Map<S3Param, string> {
  const values = new Map<S3Param, string>();
  if (query === '') return values;
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawKey = decode(url, eq < 0 ? part : part.slice(0, eq)).toLowerCase();
    const key = rawKey.replace(/^s3\./, '');
    if (CREDENTIAL_PARAMS.has(key)) {
      fail(url, `carries "${rawKey}"; brflow never takes credentials in a URL (they would land in logs and workflow ` +
        'history). Remove it and provide credentials through the AWS environment: AWS_ACCESS_KEY_ID and ' +
        'AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), AWS_PROFILE, or an instance/pod role');
    }
    const known = key.replace(/_/g, '-');
    if (!(S3_PARAMS as readonly string[]).includes(known)) {
      fail(url, `has the unknown option "${rawKey}"; S3 options are ${S3_PARAMS.join(', ')}`);
    }
    if (values.has(known as S3Param)) fail(url, `repeats the option "${known}"`);
    values.set(known as S3Param, eq < 0 ? '' : decode(url, part.slice(eq + 1)));
  }
  return values;
}

function checkEndpoint(url: string, endpoint: string): string {
  const m = /^(https?):\/\/([^/?#@\s]+)\/*$/.exec(endpoint);
  // An endpoint with userinfo is not echoed: it holds a credential.
  if (!m) fail(url, `has endpoint ${endpoint.includes('@') ? 'with credentials' : `"${endpoint}"`}; use http://host:port or https://host (scheme and host, no path, no credentials)`);
  return endpoint.replace(/\/+$/, '');
}

function decode(url: string, s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return fail(url, 'has an invalid %-escape');
  }
}

/**
 * The URL with userinfo and the value of every query parameter other than brflow's S3 options masked, safe to
 * print in an error: an unknown parameter (`token=`, `X-Amz-Signature=`, `sig=`) may be a credential.
 */
export function redactStorageUrl(url: string): string {
  return url
    .replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/@?#]*@/, '$1***@')
    .replace(/([?&])([^=&#]*)=([^&#]*)/g, (m: string, sep: string, key: string, value: string) =>
      (isKnownS3Param(key) && !value.includes('@') ? m : `${sep}${key}=***`));
}

function fail(url: string, what: string): never {
  throw new BrflowError(ErrorType.InvalidStorageUrl,
    `storage "${redactStorageUrl(url)}" ${what}. Accepted forms: ${ACCEPTED_STORAGE_FORMS}`);
}
