import { DEFAULT_BATCH_MAX_BYTES, DEFAULT_BATCH_MAX_FILES } from './batches';
import { DEFAULT_MERGE_REGION_KEY_COUNT, DEFAULT_MERGE_REGION_SIZE_BYTES } from './merge-ranges';
import { formatFilterError, tryParseTableFilter } from './table-filter';

/**
 * The restore workflow's input, after defaults: everything a run needs except secrets, which live in the
 * worker's environment because workflow input is stored in Temporal history in plain text.
 * Durations are milliseconds; BR's defaults are from research §11 (task/restore.go, task/common.go,
 * utils/safe_point.go, pdutil/pd.go).
 */
export interface RestoreInput {
  /** Backup location: a path, `local:///abs/path`, `file:///abs/path` or `s3://bucket/prefix?endpoint=…`. */
  storage: string;
  /** PD client addresses, `host:port` (BR `--pd`). */
  pdAddresses: string[];
  /** TiDB SQL address `host:port`, used for DDL. */
  tidbAddress: string;
  /** TiDB status address `host:port`, used to read back table IDs and column IDs. @default tidb host + ':10080' */
  tidbStatusAddress: string;
  /** SQL user; its password comes from the worker's environment. @default 'root' */
  tidbUser: string;
  /** `-f/--filter` rules. @default [] (BR's default: all but system schemas) */
  filters: string[];
  /** `restore db --db`. */
  db?: string;
  /** `restore table --table` (with db). */
  table?: string;
  /** BR `--case-sensitive`. @default false */
  caseSensitive: boolean;
  /** Verify every table with the coprocessor checksum against the backup. @default true */
  checksum: boolean;
  /** Download/ingest workers (BR `--concurrency`). @default 128 */
  concurrency: number;
  /** Per-table checksum distsql concurrency (BR `--checksum-concurrency`). @default 4 */
  checksumConcurrency: number;
  /** Tables created at once (BR defaultDDLConcurrency). @default 16 */
  ddlConcurrency: number;
  /** Download speed limit per TiKV store in bytes/s; 0 = unlimited (BR `--ratelimit` × 1 MiB). @default 0 */
  rateLimitBytesPerSecond: number;
  /** BR `--merge-region-size-bytes`. @default 100663296 (96 MiB) */
  mergeRegionSizeBytes: number;
  /** BR `--merge-region-key-count`. @default 960000 */
  mergeRegionKeyCount: number;
  /** Files per ingest batch. @default 256 */
  batchMaxFiles: number;
  /** Bytes per ingest batch. @default 8 GiB */
  batchMaxBytes: number;
  /** BR `--online`: no import mode, no scheduler pause. @default false */
  online: boolean;
  /** BR `--no-schema`: tables already exist; create nothing. @default false */
  noSchema: boolean;
  /** Re-send SwitchMode(Import) this often (BR `--switch-mode-interval`). @default 300000 */
  switchModeIntervalMs: number;
  /** Service GC safepoint TTL (BR DefaultBRGCSafePointTTL 300 s). @default 300000 */
  gcSafepointTtlMs: number;
  /** Refresh the safepoint this often (BR: TTL/3). @default 100000 */
  gcSafepointRefreshMs: number;
  /** PD scheduler pause / schedule-config TTL (BR pauseTimeout 5 min). @default 300000 */
  schedulerPauseTtlMs: number;
  /** Re-pause this often (BR: pauseTimeout/3). @default 100000 */
  schedulerPauseRefreshMs: number;
}

/** TiKV's `import.import-mode-timeout`: TiKV leaves import mode by itself after this long without a SwitchMode. */
export const TIKV_IMPORT_MODE_TIMEOUT_MS = 10 * 60 * 1000;

export const RESTORE_INPUT_DEFAULTS = {
  tidbUser: 'root',
  filters: [] as string[],
  caseSensitive: false,
  checksum: true,
  concurrency: 128,
  checksumConcurrency: 4,
  ddlConcurrency: 16,
  rateLimitBytesPerSecond: 0,
  mergeRegionSizeBytes: DEFAULT_MERGE_REGION_SIZE_BYTES,
  mergeRegionKeyCount: DEFAULT_MERGE_REGION_KEY_COUNT,
  batchMaxFiles: DEFAULT_BATCH_MAX_FILES,
  batchMaxBytes: DEFAULT_BATCH_MAX_BYTES,
  online: false,
  noSchema: false,
  switchModeIntervalMs: 5 * 60 * 1000,
  gcSafepointTtlMs: 300 * 1000,
  gcSafepointRefreshMs: 100 * 1000,
  schedulerPauseTtlMs: 300 * 1000,
  schedulerPauseRefreshMs: 100 * 1000,
} as const;

const KNOWN_FIELDS: readonly (keyof RestoreInput)[] = [
  'storage', 'pdAddresses', 'tidbAddress', 'tidbStatusAddress', 'tidbUser', 'filters', 'db', 'table', 'caseSensitive', 'checksum',
  'concurrency', 'checksumConcurrency', 'ddlConcurrency', 'rateLimitBytesPerSecond', 'mergeRegionSizeBytes', 'mergeRegionKeyCount',
  'batchMaxFiles', 'batchMaxBytes', 'online', 'noSchema', 'switchModeIntervalMs', 'gcSafepointTtlMs', 'gcSafepointRefreshMs',
  'schedulerPauseTtlMs', 'schedulerPauseRefreshMs',
];

const SECRET_NAME = /pass(word|wd)?$|passwd|password|secret|token|credential|access[-_]?key|private[-_]?key|api[-_]?key/i;
const SECRET_HINT =
  'workflow input is kept in Temporal history in plain text; give secrets to the worker through its environment ' +
  '(AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY for S3, the worker TiDB password variable for SQL) and leave them out of the input';
const URL_CREDENTIAL_PARAMS = /[?&](access[-_]key|secret[-_]access[-_]key|session[-_]token)=/i;
const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/** Finds secret-looking field names anywhere in the raw input, as dotted paths. */
function secretPaths(v: unknown, path: string, out: string[]): void {
  if (Array.isArray(v)) {
    v.forEach((x, i) => secretPaths(x, `${path}[${i}]`, out));
  } else if (typeof v === 'object' && v !== null) {
    for (const [k, x] of Object.entries(v)) {
      const p = path ? `${path}.${k}` : k;
      if (SECRET_NAME.test(k)) out.push(p);
      else secretPaths(x, p, out);
    }
  }
}

function stripScheme(addr: string): string {
  return addr.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
}

/**
 * Validates and fills defaults (schema → defaults → rules, STYLE rule 8). Reports every problem at once,
 * each naming the field and the fix.
 */
export function normalizeRestoreInput(raw: unknown): { value: RestoreInput } | { errors: string[] } {
  const errors: string[] = [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { errors: ['input: expected an object with at least storage, pdAddresses and tidbAddress'] };
  const r = raw as Record<string, unknown>;

  const secrets: string[] = [];
  secretPaths(r, '', secrets);
  for (const p of secrets) errors.push(`${p}: looks like a secret; ${SECRET_HINT}`);
  for (const k of Object.keys(r)) {
    if (!KNOWN_FIELDS.includes(k as keyof RestoreInput) && !SECRET_NAME.test(k)) {
      errors.push(`${k}: unknown field; known fields are ${KNOWN_FIELDS.join(', ')}`);
    }
  }

  const str = (k: keyof RestoreInput, required: boolean, fix: string): string | undefined => {
    const v = r[k];
    if (v === undefined) {
      if (required) errors.push(`${k}: missing; ${fix}`);
      return undefined;
    }
    if (typeof v !== 'string' || v.trim() === '') {
      errors.push(`${k}: expected a non-empty string; ${fix}`);
      return undefined;
    }
    return v.trim();
  };
  const num = (k: keyof RestoreInput, min: number, max: number, def: number, unit: string): number => {
    const v = r[k];
    if (v === undefined) return def;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      errors.push(`${k}: ${JSON.stringify(v)} is not an integer between ${min} and ${max} ${unit}; omit it for the default ${def}`);
      return def;
    }
    return v;
  };
  const bool = (k: keyof RestoreInput, def: boolean): boolean => {
    const v = r[k];
    if (v === undefined) return def;
    if (typeof v !== 'boolean') {
      errors.push(`${k}: expected true or false, got ${JSON.stringify(v)}`);
      return def;
    }
    return v;
  };
  const hostPort = (k: keyof RestoreInput, v: string | undefined): void => {
    if (v === undefined) return;
    if (/@/.test(v)) errors.push(`${k}: ${JSON.stringify(v.replace(/\/\/[^@]*@/, '//***@'))} carries user information; ${SECRET_HINT}`);
    else if (!HOST_PORT.test(stripScheme(v))) errors.push(`${k}: ${JSON.stringify(v)} is not host:port; write it like 127.0.0.1:2379`);
  };

  const storage = str('storage', true, 'give the backup location, e.g. s3://bucket/prefix?endpoint=http://127.0.0.1:9000 or local:///backups/b1');
  if (storage !== undefined) {
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(storage)?.[1]?.toLowerCase();
    if (URL_CREDENTIAL_PARAMS.test(storage) || /^[a-z0-9+.-]+:\/\/[^/]*@/i.test(storage)) {
      errors.push(`storage: the URL carries credentials; ${SECRET_HINT}`);
    } else if (scheme !== undefined && !['local', 'file', 's3'].includes(scheme)) {
      errors.push(`storage: ${JSON.stringify(storage)} uses the unsupported scheme "${scheme}"; use a path, local:///abs/path, file:///abs/path or s3://bucket/prefix`);
    }
  }

  let pdAddresses: string[] = [];
  const pd = r['pdAddresses'];
  if (pd === undefined) errors.push('pdAddresses: missing; give at least one PD address, e.g. ["127.0.0.1:2379"]');
  else if (!Array.isArray(pd) || pd.length === 0 || pd.some((a) => typeof a !== 'string')) {
    errors.push('pdAddresses: expected a non-empty list of "host:port" strings, e.g. ["127.0.0.1:2379"]');
  } else {
    pdAddresses = pd.map((a: string) => a.trim());
    pdAddresses.forEach((a, i) => {
      if (/@/.test(a)) errors.push(`pdAddresses[${i}]: carries user information; ${SECRET_HINT}`);
      else if (!HOST_PORT.test(stripScheme(a))) errors.push(`pdAddresses[${i}]: ${JSON.stringify(a)} is not host:port; write it like 127.0.0.1:2379`);
    });
  }

  const tidbAddress = str('tidbAddress', true, 'give the TiDB SQL address, e.g. 127.0.0.1:4000');
  hostPort('tidbAddress', tidbAddress);
  let tidbStatusAddress = str('tidbStatusAddress', false, 'give the TiDB status address, e.g. 127.0.0.1:10080');
  hostPort('tidbStatusAddress', tidbStatusAddress);
  if (tidbStatusAddress === undefined && tidbAddress !== undefined) {
    const m = HOST_PORT.exec(stripScheme(tidbAddress));
    if (m) tidbStatusAddress = `${m[1]}:10080`;
  }
  const tidbUser = str('tidbUser', false, 'give the SQL user name, e.g. root') ?? RESTORE_INPUT_DEFAULTS.tidbUser;

  let filters: string[] = [];
  const f = r['filters'];
  if (f !== undefined) {
    if (!Array.isArray(f) || f.some((x) => typeof x !== 'string')) errors.push('filters: expected a list of table-filter rules such as ["db1.*", "!db1.tmp_*"]');
    else {
      filters = f as string[];
      const parsed = tryParseTableFilter(filters);
      if ('errors' in parsed) for (const e of parsed.errors) errors.push(`filters[${e.rule - 1}]: ${formatFilterError(e)}`);
    }
  }
  const db = str('db', false, 'name the database to restore');
  const table = str('table', false, 'name the table to restore (together with db)');
  if (table !== undefined && db === undefined) errors.push('table: needs db naming its database');
  if ((db !== undefined || table !== undefined) && filters.length > 0) errors.push('filters: cannot be combined with db/table; give either filters or db (and table)');

  const value: RestoreInput = {
    storage: storage ?? '',
    pdAddresses,
    tidbAddress: tidbAddress ?? '',
    tidbStatusAddress: tidbStatusAddress ?? '',
    tidbUser,
    filters,
    ...(db !== undefined ? { db } : {}),
    ...(table !== undefined ? { table } : {}),
    caseSensitive: bool('caseSensitive', RESTORE_INPUT_DEFAULTS.caseSensitive),
    checksum: bool('checksum', RESTORE_INPUT_DEFAULTS.checksum),
    concurrency: num('concurrency', 1, 10240, RESTORE_INPUT_DEFAULTS.concurrency, 'workers'),
    checksumConcurrency: num('checksumConcurrency', 1, 256, RESTORE_INPUT_DEFAULTS.checksumConcurrency, 'requests'),
    ddlConcurrency: num('ddlConcurrency', 1, 256, RESTORE_INPUT_DEFAULTS.ddlConcurrency, 'sessions'),
    rateLimitBytesPerSecond: num('rateLimitBytesPerSecond', 0, Number.MAX_SAFE_INTEGER, RESTORE_INPUT_DEFAULTS.rateLimitBytesPerSecond, 'bytes/s'),
    mergeRegionSizeBytes: num('mergeRegionSizeBytes', 1, Number.MAX_SAFE_INTEGER, RESTORE_INPUT_DEFAULTS.mergeRegionSizeBytes, 'bytes'),
    mergeRegionKeyCount: num('mergeRegionKeyCount', 1, Number.MAX_SAFE_INTEGER, RESTORE_INPUT_DEFAULTS.mergeRegionKeyCount, 'keys'),
    batchMaxFiles: num('batchMaxFiles', 1, 100000, RESTORE_INPUT_DEFAULTS.batchMaxFiles, 'files'),
    batchMaxBytes: num('batchMaxBytes', 1, Number.MAX_SAFE_INTEGER, RESTORE_INPUT_DEFAULTS.batchMaxBytes, 'bytes'),
    online: bool('online', RESTORE_INPUT_DEFAULTS.online),
    noSchema: bool('noSchema', RESTORE_INPUT_DEFAULTS.noSchema),
    switchModeIntervalMs: num('switchModeIntervalMs', 1000, TIKV_IMPORT_MODE_TIMEOUT_MS - 1, RESTORE_INPUT_DEFAULTS.switchModeIntervalMs, 'ms (TiKV leaves import mode after 10 min without one)'),
    gcSafepointTtlMs: num('gcSafepointTtlMs', 1000, 24 * 3600 * 1000, RESTORE_INPUT_DEFAULTS.gcSafepointTtlMs, 'ms'),
    gcSafepointRefreshMs: num('gcSafepointRefreshMs', 100, 24 * 3600 * 1000, RESTORE_INPUT_DEFAULTS.gcSafepointRefreshMs, 'ms'),
    schedulerPauseTtlMs: num('schedulerPauseTtlMs', 1000, 24 * 3600 * 1000, RESTORE_INPUT_DEFAULTS.schedulerPauseTtlMs, 'ms'),
    schedulerPauseRefreshMs: num('schedulerPauseRefreshMs', 100, 24 * 3600 * 1000, RESTORE_INPUT_DEFAULTS.schedulerPauseRefreshMs, 'ms'),
  };
  // A keeper that refreshes no faster than the TTL lets the entry lapse between refreshes.
  if (value.gcSafepointRefreshMs >= value.gcSafepointTtlMs) {
    errors.push(`gcSafepointRefreshMs: ${value.gcSafepointRefreshMs} must be below gcSafepointTtlMs (${value.gcSafepointTtlMs}); BR refreshes every TTL/3`);
  }
  if (value.schedulerPauseRefreshMs >= value.schedulerPauseTtlMs) {
    errors.push(`schedulerPauseRefreshMs: ${value.schedulerPauseRefreshMs} must be below schedulerPauseTtlMs (${value.schedulerPauseTtlMs}); BR re-pauses every TTL/3`);
  }
  return errors.length > 0 ? { errors } : { value };
}
