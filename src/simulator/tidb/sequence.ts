import type { TableInfo } from '../../plan/table-info';
import type { SequenceOptions } from './sql-ast';
import { SqlError } from './sql-error';
import { ciStr, STATE_PUBLIC } from './table-builder';

/** TiDB's ErrSequenceInvalidData and ErrUnknownSequence numbers. */
const ER_SEQUENCE_INVALID_DATA = 4136;
export const ER_UNKNOWN_SEQUENCE = 4139;

/** Bounds and cache TiDB gives a sequence by default (ascending: 1 … 2^63-2; descending: -(2^63-1) … -1). */
const ASC_MAX = 9223372036854775806n;
const DESC_MIN = -9223372036854775807n;
const DEFAULT_CACHE = 1000n;

/**
 * The TableInfo of CREATE SEQUENCE as v8.5.3 stores it: no columns, no charset, the options in `sequence` (values
 * as exact integers: the bounds pass 2^53, so they are bigints, written by the status API as Go does). A start
 * outside [min, max], min ≥ max or an increment of 0 is 4136.
 */
export function buildSequenceInfo(id: number, db: string, name: string, o: SequenceOptions): TableInfo {
  const increment = o.increment ?? 1n;
  const min = o.min ?? (increment < 0n ? DESC_MIN : 1n);
  const max = o.max ?? (increment < 0n ? -1n : ASC_MAX);
  const start = o.start ?? (increment < 0n ? max : min);
  if (increment === 0n || min >= max || start < min || start > max) throw new SqlError(ER_SEQUENCE_INVALID_DATA, `Sequence '${db}.${name}' values are conflicting`);
  return {
    id, name: ciStr(name), charset: '', collate: '', cols: null as unknown as TableInfo['cols'], index_info: null, constraint_info: null, fk_info: null,
    state: STATE_PUBLIC, pk_is_handle: false, is_common_handle: false, common_handle_version: 0, comment: '', auto_inc_id: 0, auto_id_cache: 0,
    auto_rand_id: 0, max_col_id: 0, max_idx_id: 0, max_fk_id: 0, max_cst_id: 0, ShardRowIDBits: 0, max_shard_row_id_bits: 0, auto_random_bits: 0,
    auto_random_range_bits: 0, pre_split_regions: 0, partition: null, compression: '', view: null,
    sequence: {
      sequence_start: start, sequence_cache: o.cache !== false, sequence_cycle: o.cycle ?? false, sequence_min_value: min, sequence_max_value: max,
      sequence_increment: increment, sequence_cache_value: o.cache === false ? 0n : (o.cache ?? DEFAULT_CACHE), sequence_comment: o.comment ?? '',
    },
    Lock: null, version: 5, tiflash_replica: null, is_columnar: false, temp_table_type: 0, cache_table_status: 0, policy_ref_info: null,
    stats_options: null, exchange_partition_info: null, ttl_info: null,
  };
}

/** TiDB's ErrSequenceRunOut and ErrNotSequence numbers. */
const ER_SEQUENCE_RUN_OUT = 4135;
const ER_NOT_SEQUENCE = 1347;

/**
 * Where a sequence stands: `base` is the last value handed out or set (`start - increment` while there is
 * none), `round` how often a CYCLE sequence wrapped. TiDB also caches batches (`base` then is a batch end in its
 * meta), which changes nothing NEXTVAL and SETVAL answer; the simulator hands out one value at a time.
 */
export interface SequenceState {
  base: bigint;
  round: number;
}

interface SequenceNumbers {
  start: bigint;
  min: bigint;
  max: bigint;
  increment: bigint;
  cycle: boolean;
}

function numbersOf(db: string, t: TableInfo): SequenceNumbers {
  const s = t.sequence as Record<string, unknown> | null | undefined;
  if (!s) throw new SqlError(ER_NOT_SEQUENCE, `'${db}.${t.name.O}' is not SEQUENCE`);
  const n = (k: string) => BigInt(s[k] as bigint | number | string);
  return { start: n('sequence_start'), min: n('sequence_min_value'), max: n('sequence_max_value'), increment: n('sequence_increment'), cycle: s['sequence_cycle'] === true };
}

/** A new sequence's state: nothing handed out yet. */
export function freshSequenceState(db: string, t: TableInfo): SequenceState {
  const s = numbersOf(db, t);
  return { base: s.start - s.increment, round: 0 };
}

/** Floor division for bigints (`/` truncates toward zero). */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

/**
 * NEXTVAL as TiDB answers it: the first value past `base` in the sequence's direction that lies on its step
 * grid (from `start` in round 0, from the bound it wrapped to afterwards); past the far bound a CYCLE sequence
 * wraps to the near bound (round + 1), any other runs out (4135).
 */
export function nextSequenceValue(db: string, t: TableInfo, state: SequenceState): { value: bigint; state: SequenceState } {
  const s = numbersOf(db, t);
  const up = s.increment > 0n;
  const step = up ? s.increment : -s.increment;
  const offset = state.round === 0 ? s.start : up ? s.min : s.max;
  const next = up ? offset + (floorDiv(state.base - offset, step) + 1n) * step : offset - (floorDiv(offset - state.base, step) + 1n) * step;
  if (up ? next > s.max : next < s.min) {
    if (!s.cycle) throw new SqlError(ER_SEQUENCE_RUN_OUT, `Sequence '${db}.${t.name.O}' has run out`);
    const wrapped = up ? s.min : s.max;
    return { value: wrapped, state: { base: wrapped, round: state.round + 1 } };
  }
  return { value: next, state: { base: next, round: state.round } };
}

/** SETVAL as TiDB answers it: a value beyond `base` in the sequence's direction becomes the base (and is returned); any other changes nothing (NULL). */
export function setSequenceValue(db: string, t: TableInfo, state: SequenceState, value: bigint): { value: bigint | null; state: SequenceState } {
  const up = numbersOf(db, t).increment > 0n;
  if (up ? value <= state.base : value >= state.base) return { value: null, state };
  return { value, state: { base: value, round: state.round } };
}
