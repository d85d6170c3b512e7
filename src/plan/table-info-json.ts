import { BrflowError, ErrorType } from './error-types';

/**
 * TiDB writes a sequence's bounds and current value as JSON numbers of the full int64 range (a default
 * ascending sequence ends at 9223372036854775806), which JSON.parse would round to the nearest double: the
 * CREATE SEQUENCE rendered from it would then name a bound TiDB refuses. These keys keep their exact digits
 * as a decimal string when they do not fit a double (auto_inc_id only in a sequence's TableInfo); every other
 * value parses as before, so plans of tables keep their content hash.
 */
const EXACT_KEYS = /"(sequence_start|sequence_min_value|sequence_max_value|sequence_increment|sequence_cache_value|auto_inc_id)"(\s*:\s*)(-?\d+)(?=\s*[,}])/g;

/** JSON.parse for TiDB TableInfo JSON, with the sequence values above kept exact. */
export function parseTableInfoJson<T>(text: string): T {
  const exact = text.replace(EXACT_KEYS, (whole, key: string, colon: string, digits: string) =>
    Number.isSafeInteger(Number(digits)) ? whole : `"${key}"${colon}"${digits}"`,
  );
  const parsed = JSON.parse(exact) as T;
  // Only a sequence's auto_inc_id (its current value) needs every digit; a table's stays a number as before.
  if (typeof parsed === 'object' && parsed !== null) {
    const t = parsed as Record<string, unknown>;
    if (typeof t['auto_inc_id'] === 'string' && (typeof t['sequence'] !== 'object' || t['sequence'] === null)) t['auto_inc_id'] = Number(t['auto_inc_id']);
  }
  return parsed;
}

/** An integer TiDB recorded, as a number or (beyond 2^53) the decimal string parseTableInfoJson kept. */
export type ExactInt = number | string;

/** Decimal text of an ExactInt, checked: SQL is built from it. */
export function exactIntText(v: unknown, what: string): string {
  const s = typeof v === 'number' && Number.isInteger(v) ? String(v) : typeof v === 'string' ? v : '';
  if (!/^-?\d+$/.test(s)) throw new BrflowError(ErrorType.BackupMetaCorrupt, `${what} is ${JSON.stringify(v)}, not an integer; the backup's schema is damaged, take a new backup`);
  return s;
}
