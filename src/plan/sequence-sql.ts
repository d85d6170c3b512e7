import { quoteIdent, quoteString } from './create-sql';
import { BrflowError, ErrorType } from './error-types';
import type { TableInfo } from './table-info';
import { exactIntText, type ExactInt } from './table-info-json';

/** TiDB model.SequenceInfo as its JSON names it (the TableInfo `sequence` field). */
export interface SequenceInfo {
  sequence_start: ExactInt;
  /** false = NOCACHE. */
  sequence_cache: boolean;
  sequence_cycle: boolean;
  sequence_min_value: ExactInt;
  sequence_max_value: ExactInt;
  sequence_increment: ExactInt;
  sequence_cache_value: ExactInt;
  sequence_comment?: string;
}

/** The TableInfo's sequence, or undefined for a table or view. */
export function sequenceOf(t: TableInfo): SequenceInfo | undefined {
  const s = t.sequence;
  return typeof s === 'object' && s !== null ? (s as SequenceInfo) : undefined;
}

/**
 * CREATE SEQUENCE as TiDB's SHOW CREATE SEQUENCE prints it (executor/show.go, the sequence branch of
 * SHOW CREATE TABLE): start, bounds, increment, cache, cycle, then `ENGINE=InnoDB` and the sequence's comment.
 */
export function createSequenceSql(t: TableInfo): string {
  const s = requireSequence(t);
  const n = (v: ExactInt, field: string) => exactIntText(v, `${field} of sequence ${t.name.O}`);
  let sql = `CREATE SEQUENCE ${quoteIdent(t.name.O)} start with ${n(s.sequence_start, 'sequence_start')} minvalue ${n(s.sequence_min_value, 'sequence_min_value')}`;
  sql += ` maxvalue ${n(s.sequence_max_value, 'sequence_max_value')} increment by ${n(s.sequence_increment, 'sequence_increment')}`;
  sql += s.sequence_cache ? ` cache ${n(s.sequence_cache_value, 'sequence_cache_value')}` : ' nocache';
  sql += s.sequence_cycle ? ' cycle' : ' nocycle';
  sql += ' ENGINE=InnoDB';
  if (s.sequence_comment) sql += ` COMMENT=${quoteString(s.sequence_comment)}`;
  return sql;
}

/**
 * The statements that give a freshly created sequence the backup's position, run after CREATE SEQUENCE.
 *
 * BR's backup records the sequence's stored value plus one in `auto_inc_id` (backup: `SequenceValue().Get() + 1`):
 * the stored value is the end of the last batch TiDB handed out (or `start - increment` while nothing was), so
 * every value the backed-up cluster ever returned lies on the near side of it. `SETVAL(end)` puts the restored
 * sequence there, and the next NEXTVAL continues beyond it in either direction; a SETVAL behind the current
 * value (a sequence never used) is a no-op in TiDB. BR itself SETVALs `auto_inc_id`, one past the end, which
 * for an ascending sequence never used skips its start value and for a descending one can hand out the
 * backup's last value again; brflow uses the end.
 *
 * A CYCLE sequence first runs as BR does: SETVAL to its far bound and one NEXTVAL, so it has wrapped once
 * (round > 0), since the backup does not record how often the original had wrapped.
 */
export function sequenceValueStatements(t: TableInfo): string[] {
  const s = requireSequence(t);
  const name = quoteIdent(t.name.O);
  const increment = BigInt(exactIntText(s.sequence_increment, `sequence_increment of sequence ${t.name.O}`));
  const recorded = BigInt(exactIntText(t.auto_inc_id ?? 0, `auto_inc_id of sequence ${t.name.O}`));
  const out: string[] = [];
  if (s.sequence_cycle) {
    const far = increment < 0n ? s.sequence_min_value : s.sequence_max_value;
    out.push(`SELECT SETVAL(${name}, ${exactIntText(far, `bound of sequence ${t.name.O}`)})`, `SELECT NEXTVAL(${name})`);
  }
  out.push(`SELECT SETVAL(${name}, ${(recorded - 1n).toString()})`);
  return out;
}

function requireSequence(t: TableInfo): SequenceInfo {
  const s = sequenceOf(t);
  if (!s) throw new BrflowError(ErrorType.Internal, `${t.name.O} is not a sequence`);
  return s;
}
