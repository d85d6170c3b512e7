import { DEFAULT_BATCH_MAX_FILES } from '../plan/batches';
import { DEFAULT_MERGE_REGION_KEY_COUNT, DEFAULT_MERGE_REGION_SIZE_BYTES } from '../plan/merge-ranges';
import { CRYPTER_METHODS, parseCrypterMethod } from '../plan/crypter-method';
import { tryParseTableFilter, formatFilterError } from '../plan/table-filter';
import { SCHEMA_OBJECT_KINDS, validateSkip, type SchemaObjectKind } from '../plan/schema-objects';
import { DEFAULT_RETRIES, normalizeRetries } from './retry-timings';
import type { ClusterRef, ClusterTlsPaths, CrypterRef, RestoreRequest, RestoreTimings } from './types';

/** BR-derived defaults (research br-restore-internals §11); durations are inputs so tests can shrink them. */
export const DEFAULT_TIMINGS: RestoreTimings = {
  keeperIntervalMs: 100_000,
  gcTtlSec: 300,
  pauseTtlSec: 300,
  heartbeatTimeoutMs: 8_000,
  compensationMaxIntervalMs: 60_000,
  controlCallTimeoutMs: 60_000,
  retries: DEFAULT_RETRIES,
};

export const DEFAULT_REQUEST = {
  filters: [] as string[],
  online: false,
  noSchema: false,
  checksum: true,
  concurrency: 4,
  // Ranges of one batch imported at once. BR imports a batch's files concurrently (a worker pool, later a
  // per-store token channel of 128); with batches spanning many small tables, one range at a time would leave
  // an ingest activity waiting on round trips.
  rangesInFlight: 4,
  rateLimitBytesPerSec: 0,
  caseSensitive: false,
  allowEmpty: false,
  batchFiles: DEFAULT_BATCH_MAX_FILES,
  mergeRegionSizeBytes: DEFAULT_MERGE_REGION_SIZE_BYTES,
  mergeRegionKeyCount: DEFAULT_MERGE_REGION_KEY_COUNT,
  // BR --ddl-batch-size (v6.0+).
  tableGroupSize: 128,
  ddlConcurrency: 4,
  // 200 batches × (split + ingest) ≈ 2.4k events: under the 4,096-event continue-as-new hint (temporal.md §2.1).
  maxBatchesPerRun: 200,
};

/** Query keys that carry credentials in BR storage URLs; they must come from the worker's environment instead. */
const SECRET_KEYS = ['access-key', 'secret-access-key', 'session-token', 'access_key', 'secret_access_key', 'sas-token', 'credentials-file'];
/** Storage query parameter names that may carry a credential (presigned `X-Amz-Signature`, `sig`, `token`, …). */
const SECRET_PARAM = /pass|secret|token|key|sig|credential|auth/i;

const KNOWN_KEYS = new Set(['storage', 'cluster', 'crypter', 'filters', 'caseSensitive', 'allowEmpty', 'skip', 'placementMode', 'online', 'noSchema', 'checksum', 'concurrency', 'rangesInFlight', 'rateLimitBytesPerSec', 'batchFiles', 'mergeRegionSizeBytes', 'mergeRegionKeyCount', 'tableGroupSize', 'ddlConcurrency', 'maxBatchesPerRun', 'timings', 'resumeFrom', 'onClusterBusy']);

/**
 * Validates a raw restore request and fills defaults. Every problem is reported at once, each naming the
 * field and the fix, so one round trip shows the operator everything to correct.
 */
export function normalizeRestoreRequest(raw: unknown): { value: RestoreRequest } | { problems: string[] } {
  const problems: string[] = [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { problems: ['input: expected one JSON object like {"storage":"s3://bucket/prefix"}'] };
  }
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r)) {
    if (KNOWN_KEYS.has(k)) continue;
    // Named, never echoed: the value may be the secret itself.
    if (SECRET_FIELD.test(k)) problems.push(`${k}: secrets never go in the input (it is stored in Temporal's history); ${SECRET_HINT}`);
    else problems.push(`${k}: unknown field; remove it (known: ${[...KNOWN_KEYS].join(', ')})`);
  }

  let storage = '';
  if (typeof r.storage !== 'string' || r.storage.length === 0) {
    problems.push('storage: required; give the backup URL, e.g. s3://bucket/prefix or local:///path');
  } else {
    storage = r.storage;
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(storage)) problems.push(`storage: ${JSON.stringify(storage)} is not a URL; use s3://bucket/prefix or local:///path`);
    const lower = storage.toLowerCase();
    // Query parameter names only (a value is never shown): any that looks like a credential is refused.
    // A value with userinfo (endpoint=http://user:pass@host) counts too.
    const secretParams = (storage.split('#')[0]!.split('?')[1] ?? '').split('&').filter((p) => SECRET_PARAM.test(p.split('=')[0]!) || p.includes('@')).map((p) => p.split('=')[0]!);
    if (SECRET_KEYS.some((k) => lower.includes(`${k}=`)) || /^[a-z0-9+.-]+:\/\/[^/@]*:[^/@]*@/i.test(storage) || secretParams.length > 0) {
      // Never echo the URL here: it holds the secret.
      const named = secretParams.length > 0 ? ` (query parameter ${secretParams.map((k) => JSON.stringify(k.slice(0, 40))).join(', ')})` : '';
      problems.push(`storage: the URL carries credentials${named}; remove them and give them to the worker through its environment (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)`);
    }
  }

  const cluster = r.cluster === undefined ? undefined : normalizeCluster(r.cluster, problems);
  const crypter = r.crypter === undefined ? undefined : normalizeCrypter(r.crypter, problems);

  let filters = DEFAULT_REQUEST.filters;
  if (r.filters !== undefined) {
    if (!Array.isArray(r.filters) || r.filters.some((f) => typeof f !== 'string')) {
      problems.push('filters: expected an array of table-filter rules like ["db.*", "!db.tmp_*"]');
    } else {
      filters = r.filters as string[];
      const parsed = tryParseTableFilter(filters, { caseSensitive: r.caseSensitive === true });
      if ('errors' in parsed) for (const e of parsed.errors) problems.push(`filters: ${formatFilterError(e)}`);
    }
  }

  const bool = (name: 'online' | 'noSchema' | 'checksum' | 'caseSensitive' | 'allowEmpty', dflt: boolean): boolean => {
    const v = r[name];
    if (v === undefined) return dflt;
    if (typeof v !== 'boolean') {
      problems.push(`${name}: expected true or false`);
      return dflt;
    }
    return v;
  };
  const int = (obj: Record<string, unknown>, path: string, name: string, dflt: number, min: number, max: number): number => {
    const v = obj[name];
    if (v === undefined) return dflt;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      problems.push(`${path}${name}: expected an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
      return dflt;
    }
    return v;
  };

  const online = bool('online', DEFAULT_REQUEST.online);
  const noSchema = bool('noSchema', DEFAULT_REQUEST.noSchema);
  const checksum = bool('checksum', DEFAULT_REQUEST.checksum);
  const caseSensitive = bool('caseSensitive', DEFAULT_REQUEST.caseSensitive);
  const allowEmpty = bool('allowEmpty', DEFAULT_REQUEST.allowEmpty);
  let skip: SchemaObjectKind[] = [];
  if (r.skip !== undefined) {
    const v = validateSkip(r.skip);
    if ('problems' in v) problems.push(...v.problems);
    else skip = v.value;
  }
  // BR --with-tidb-placement-mode: 'ignore' restores without placement, which is what skip ["placement"] does.
  let placementMode: RestoreRequest['placementMode'];
  if (r.placementMode !== undefined) {
    const m = typeof r.placementMode === 'string' ? r.placementMode.toLowerCase() : undefined;
    if (m !== 'strict' && m !== 'ignore') problems.push(`placementMode: expected "strict" (recreate placement policies, the default) or "ignore" (restore without them), got ${JSON.stringify(r.placementMode)}`);
    else if (m === 'strict' && skip.includes('placement')) problems.push('placementMode: "strict" recreates placement policies while skip lists "placement"; give one of them');
    else {
      placementMode = m;
      // In the canonical order validateSkip gives, so the same set always plans (and hashes) the same.
      if (m === 'ignore' && !skip.includes('placement')) skip = SCHEMA_OBJECT_KINDS.filter((k) => k === 'placement' || skip.includes(k));
    }
  }
  const concurrency = int(r, '', 'concurrency', DEFAULT_REQUEST.concurrency, 1, 512);
  const rateLimitBytesPerSec = int(r, '', 'rateLimitBytesPerSec', DEFAULT_REQUEST.rateLimitBytesPerSec, 0, Number.MAX_SAFE_INTEGER);
  const batchFiles = int(r, '', 'batchFiles', DEFAULT_REQUEST.batchFiles, 1, 10240);
  // BR's per-store import concurrency is 128; more ranges of one batch at once than that buys nothing.
  const rangesInFlight = int(r, '', 'rangesInFlight', DEFAULT_REQUEST.rangesInFlight, 1, 128);
  const mergeRegionSizeBytes = int(r, '', 'mergeRegionSizeBytes', DEFAULT_REQUEST.mergeRegionSizeBytes, 1, Number.MAX_SAFE_INTEGER);
  const mergeRegionKeyCount = int(r, '', 'mergeRegionKeyCount', DEFAULT_REQUEST.mergeRegionKeyCount, 1, Number.MAX_SAFE_INTEGER);
  const tableGroupSize = int(r, '', 'tableGroupSize', DEFAULT_REQUEST.tableGroupSize, 1, 1024);
  const ddlConcurrency = int(r, '', 'ddlConcurrency', DEFAULT_REQUEST.ddlConcurrency, 1, 64);
  const maxBatchesPerRun = int(r, '', 'maxBatchesPerRun', DEFAULT_REQUEST.maxBatchesPerRun, 1, 1000);
  let resumeFrom: string | undefined;
  if (r.resumeFrom !== undefined) {
    if (typeof r.resumeFrom !== 'string' || r.resumeFrom === '' || r.resumeFrom.length > 1000) problems.push('resumeFrom: expected the workflow ID of the restore to continue, e.g. "restore-2026-12-04"');
    else resumeFrom = r.resumeFrom;
  }
  let onClusterBusy: RestoreRequest['onClusterBusy'];
  if (r.onClusterBusy !== undefined) {
    if (r.onClusterBusy !== 'wait' && r.onClusterBusy !== 'fail' && r.onClusterBusy !== 'ignore') problems.push(`onClusterBusy: expected "wait", "fail" or "ignore", got ${JSON.stringify(r.onClusterBusy)}`);
    else onClusterBusy = r.onClusterBusy;
  }

  const timings: RestoreTimings = { ...DEFAULT_TIMINGS, retries: normalizeRetries(undefined, problems) };
  if (r.timings !== undefined) {
    if (typeof r.timings !== 'object' || r.timings === null || Array.isArray(r.timings)) {
      problems.push('timings: expected an object like {"keeperIntervalMs": 100000}');
    } else {
      const t = r.timings as Record<string, unknown>;
      for (const k of Object.keys(t)) if (!(k in DEFAULT_TIMINGS)) problems.push(`timings.${k}: unknown field; known: ${Object.keys(DEFAULT_TIMINGS).join(', ')}`);
      timings.keeperIntervalMs = int(t, 'timings.', 'keeperIntervalMs', DEFAULT_TIMINGS.keeperIntervalMs, 100, 3_600_000);
      timings.gcTtlSec = int(t, 'timings.', 'gcTtlSec', DEFAULT_TIMINGS.gcTtlSec, 1, 86_400);
      timings.pauseTtlSec = int(t, 'timings.', 'pauseTtlSec', DEFAULT_TIMINGS.pauseTtlSec, 1, 86_400);
      timings.heartbeatTimeoutMs = int(t, 'timings.', 'heartbeatTimeoutMs', DEFAULT_TIMINGS.heartbeatTimeoutMs, 500, 600_000);
      timings.compensationMaxIntervalMs = int(t, 'timings.', 'compensationMaxIntervalMs', DEFAULT_TIMINGS.compensationMaxIntervalMs, 100, 3_600_000);
      timings.controlCallTimeoutMs = int(t, 'timings.', 'controlCallTimeoutMs', DEFAULT_TIMINGS.controlCallTimeoutMs, 1000, 3_600_000);
      timings.retries = normalizeRetries(t.retries, problems);
    }
  }
  // A keeper slower than a TTL lets the safepoint or a pause lapse mid-restore.
  if (timings.keeperIntervalMs >= timings.gcTtlSec * 1000) problems.push(`timings.keeperIntervalMs: ${timings.keeperIntervalMs} ms is not below timings.gcTtlSec (${timings.gcTtlSec} s); use at most a third of it`);
  if (!online && timings.keeperIntervalMs >= timings.pauseTtlSec * 1000) problems.push(`timings.keeperIntervalMs: ${timings.keeperIntervalMs} ms is not below timings.pauseTtlSec (${timings.pauseTtlSec} s); use at most a third of it`);

  if (problems.length > 0) return { problems };
  return { value: { storage, ...(cluster ? { cluster } : {}), ...(crypter ? { crypter } : {}), filters, caseSensitive, allowEmpty, ...(skip.length > 0 ? { skip } : {}), ...(placementMode ? { placementMode } : {}), online, noSchema, checksum, concurrency, rangesInFlight, rateLimitBytesPerSec, batchFiles, mergeRegionSizeBytes, mergeRegionKeyCount, tableGroupSize, ddlConcurrency, maxBatchesPerRun, timings, ...(resumeFrom ? { resumeFrom } : {}), ...(onClusterBusy ? { onClusterBusy } : {}) } };
}

/** Field names that look like a secret (a key, a password, a token), refused wherever they appear. */
const SECRET_FIELD = /pass|secret|token|key/i;
const SECRET_HINT = 'name a file on the worker instead: crypter.keyFile for a backup key, cluster.tidbPasswordFile for the TiDB password';

/**
 * Checks `crypter`: BR's --crypter.method name and the absolute path of a key file on the workers' host.
 * The key itself is refused, under any field name, and never echoed.
 */
function normalizeCrypter(raw: unknown, problems: string[]): CrypterRef | undefined {
  const example = `{"method": "aes256-ctr", "keyFile": "/etc/brflow/backup.key"}`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.push(`crypter: expected an object like ${example}`);
    return undefined;
  }
  const c = raw as Record<string, unknown>;
  const before = problems.length;
  for (const k of Object.keys(c)) {
    if (k === 'method' || k === 'keyFile') continue;
    if (SECRET_FIELD.test(k)) {
      problems.push(`crypter.${k}: the backup key never goes in the input (it is stored in Temporal's history); put it, as hex text, in a file on every worker and name that file with crypter.keyFile`);
    } else {
      problems.push(`crypter.${k}: unknown field; known: method, keyFile`);
    }
  }
  const method = typeof c.method === 'string' ? parseCrypterMethod(c.method) : undefined;
  if (!method) problems.push(`crypter.method: expected one of ${CRYPTER_METHODS.join(', ')} (BR --crypter.method)`);
  // A path only; a value that is not one (it may be the key pasted in by mistake) is not echoed either.
  if (typeof c.keyFile !== 'string' || !c.keyFile.startsWith('/') || /[\0\n]/.test(c.keyFile)) {
    problems.push('crypter.keyFile: expected the absolute path of the key file on the worker host (BR --crypter.key-file: the key as hex text)');
  }
  if (problems.length > before || !method) return undefined;
  return { method, keyFile: c.keyFile as string };
}

const CLUSTER_KEYS = ['pd', 'tidb', 'tidbStatus', 'tidbUser', 'tidbPasswordFile', 'tls', 'tidbTls'];
// host:port, host a name, IPv4 or [IPv6]; PD endpoints may carry an http(s):// scheme.
const HOST_PORT = /^(?:\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9.-]*[a-z0-9])?):\d{1,5}$/i;

/** Checks `cluster`: addresses only. A secret given here is refused without ever being echoed. */
function normalizeCluster(raw: unknown, problems: string[]): ClusterRef | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.push('cluster: expected an object like {"pd":["10.0.0.1:2379"],"tidb":"10.0.0.2:4000"}');
    return undefined;
  }
  const c = raw as Record<string, unknown>;
  for (const k of Object.keys(c)) {
    if (SECRET_FIELD.test(k) && k !== 'tidbPasswordFile') {
      problems.push(`cluster.${k}: secrets never go in the input (it is stored in Temporal's history); name a file on the worker with cluster.tidbPasswordFile or set BRFLOW_TIDB_PASSWORD on the worker`);
    } else if (!CLUSTER_KEYS.includes(k)) {
      problems.push(`cluster.${k}: unknown field; known: ${CLUSTER_KEYS.join(', ')}`);
    }
  }
  const before = problems.length;
  const address = (name: string, v: unknown, example: string, scheme: boolean): string | undefined => {
    if (typeof v !== 'string' || !HOST_PORT.test(scheme ? v.replace(/^https?:\/\//i, '').replace(/\/+$/, '') : v)) {
      // An address with "user:pass@" must not be echoed back.
      const shown = typeof v === 'string' && !v.includes('@') ? JSON.stringify(v) : 'the value';
      problems.push(`cluster.${name}: ${shown} is not host:port; write e.g. ${example}${typeof v === 'string' && v.includes('@') ? ' (no credentials in addresses)' : ''}`);
      return undefined;
    }
    return v;
  };
  const pd: string[] = [];
  if (!Array.isArray(c.pd) || c.pd.length === 0) {
    problems.push('cluster.pd: required; give the PD endpoints, e.g. ["10.0.0.1:2379","10.0.0.2:2379"]');
  } else {
    c.pd.forEach((e, i) => {
      const a = address(`pd[${i}]`, e, '10.0.0.1:2379', true);
      if (a !== undefined) pd.push(a);
    });
  }
  let tidb: string | undefined;
  if (c.tidb === undefined) problems.push('cluster.tidb: required with cluster.pd; give TiDB\'s SQL address, e.g. "10.0.0.2:4000"');
  else tidb = address('tidb', c.tidb, '10.0.0.2:4000', false);
  const tidbStatus = c.tidbStatus === undefined ? undefined : address('tidbStatus', c.tidbStatus, '10.0.0.2:10080', false);
  let tidbUser: string | undefined;
  if (c.tidbUser !== undefined) {
    if (typeof c.tidbUser !== 'string' || c.tidbUser === '' || c.tidbUser.length > 128) problems.push('cluster.tidbUser: expected a non-empty user name');
    else tidbUser = c.tidbUser;
  }
  let tidbPasswordFile: string | undefined;
  if (c.tidbPasswordFile !== undefined) {
    if (typeof c.tidbPasswordFile !== 'string' || !c.tidbPasswordFile.startsWith('/')) problems.push('cluster.tidbPasswordFile: expected an absolute path of a file on the worker host');
    else tidbPasswordFile = c.tidbPasswordFile;
  }
  const tls = c.tls === undefined ? undefined : normalizeClusterTls(c.tls, problems);
  if (c.tidbTls !== undefined && typeof c.tidbTls !== 'boolean') problems.push('cluster.tidbTls: expected true or false (false: TiDB\'s SQL port without TLS while cluster.tls serves PD, TiKV and the status port)');
  else if (c.tidbTls !== undefined && c.tls === undefined) problems.push('cluster.tidbTls: only with cluster.tls; without it TiDB\'s TLS comes from the worker (BRFLOW_TIDB_*)');
  if (problems.length > before || tidb === undefined) return undefined;
  return {
    pd, tidb, ...(tidbStatus ? { tidbStatus } : {}), ...(tidbUser ? { tidbUser } : {}), ...(tidbPasswordFile ? { tidbPasswordFile } : {}), ...(tls ? { tls } : {}),
    ...(c.tidbTls === false ? { tidbTls: false } : {}),
  };
}

const TLS_KEYS = ['ca', 'cert', 'key'] as const;

/**
 * Checks `cluster.tls`: absolute PEM paths on the worker's host. Certificate or key text pasted in is refused
 * and never echoed (it would be stored in Temporal's history, and a key is a secret).
 */
function normalizeClusterTls(raw: unknown, problems: string[]): ClusterTlsPaths | undefined {
  const example = '{"ca": "/etc/brflow/ca.pem", "cert": "/etc/brflow/client.pem", "key": "/etc/brflow/client-key.pem"}';
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.push(`cluster.tls: expected PEM file paths on the worker host, like ${example}`);
    return undefined;
  }
  const t = raw as Record<string, unknown>;
  const before = problems.length;
  for (const k of Object.keys(t)) {
    if (!(TLS_KEYS as readonly string[]).includes(k)) problems.push(`cluster.tls.${k}: unknown field; known: ${TLS_KEYS.join(', ')}`);
  }
  const paths: Partial<Record<(typeof TLS_KEYS)[number], string>> = {};
  for (const k of TLS_KEYS) {
    const v = t[k];
    if (v === undefined) continue;
    if (typeof v === 'string' && /-----BEGIN|[\r\n]/.test(v)) {
      problems.push(`cluster.tls.${k}: certificate or key contents never go in the input (it is stored in Temporal's history); put the PEM in a file on every worker host and give its absolute path`);
    } else if (typeof v !== 'string' || !v.startsWith('/') || v.includes('\0')) {
      problems.push(`cluster.tls.${k}: expected the absolute path of a PEM file on the worker host, e.g. /etc/brflow/${k === 'ca' ? 'ca.pem' : k === 'cert' ? 'client.pem' : 'client-key.pem'}`);
    } else paths[k] = v;
  }
  if (t.ca === undefined) problems.push('cluster.tls.ca: required with cluster.tls; give the CA that signed the cluster\'s certificates');
  if ((t.cert === undefined) !== (t.key === undefined)) problems.push('cluster.tls.cert and cluster.tls.key go together: give both for mutual TLS, or neither for server-verified TLS');
  if (problems.length > before || paths.ca === undefined) return undefined;
  return { ca: paths.ca, ...(paths.cert !== undefined && paths.key !== undefined ? { cert: paths.cert, key: paths.key } : {}) };
}
