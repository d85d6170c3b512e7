import type { IndexInfo, TableInfo } from './table-info';

/**
 * Readers for TableInfo fields whose JSON names differ between TiDB versions or from the declared type.
 * TiDB's IndexInfo tags are `is_unique` / `is_primary` (the real fixtures carry those), and
 * `ShardRowIDBits` has no JSON tag so Go writes the field name; older writers may use other spellings.
 */
export function isPrimaryIndex(idx: IndexInfo): boolean {
  return idx['is_primary'] === true || idx.primary === true;
}

export function isUniqueIndex(idx: IndexInfo): boolean {
  return idx['is_unique'] === true || idx.unique === true;
}

export function shardRowIdBits(t: TableInfo): number {
  const v = t['ShardRowIDBits'] ?? t.shard_row_id_bits;
  return typeof v === 'number' ? v : 0;
}

/** StatePublic (model.StatePublic = 5): only public indexes exist for readers, backups and checksums. */
export const STATE_PUBLIC = 5;

export function publicIndexes(t: TableInfo): IndexInfo[] {
  return (t.index_info ?? []).filter((i) => i.state === STATE_PUBLIC);
}
