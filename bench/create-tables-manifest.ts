import type { Manifest } from '../src/backup/manifest';
import { MysqlFlag } from '../src/plan/table-info';
import { syntheticManifest } from './synthetic-manifest';

/** Every `GAP_EVERY`-th table lost a column before the backup: its column IDs have a gap, so ALTERs follow CREATE. */
export const GAP_EVERY = 4;

export interface CreateTablesManifestOptions {
  tables: number;
  tablesPerDatabase: number;
  /** Every GAP_EVERY-th table has a gap in its column IDs (the CREATE + ALTERs path). */
  gaps?: boolean;
  /** Gap tables each get a column name of their own: no two share a layout, so none is made LIKE another. */
  distinctGaps?: boolean;
  /** `id` is AUTO_INCREMENT and the backup's allocator had handed out some IDs (a base in the CREATE). */
  autoIds?: boolean;
  /** Prepended to every database name, so that runs against one server do not meet each other's tables. */
  dbPrefix?: string;
}

/**
 * The synthetic backup's tables as a restore meets them, for the create-tables bench and its A/B probe (one
 * definition, so the probe measures what the bench does): every 25th hash-partitioned (synthetic-manifest), and
 * with `gaps` every 4th with a dropped column's ID missing (`created` moved from ID 5 to 6), which brflow rebuilds
 * with a placeholder column added and dropped again. Those share two layouts per database unless `distinctGaps`,
 * so within a group only the first of a layout takes that path and the others are `CREATE TABLE … LIKE` it
 * (plan/layout-copies.ts): the best case for gaps, as in backups of sharded schemas.
 */
export function createTablesManifest(o: CreateTablesManifestOptions): Manifest {
  const m = syntheticManifest({ tables: o.tables, files: o.tables, tablesPerDatabase: o.tablesPerDatabase });
  const prefix = o.dbPrefix ?? '';
  if (prefix) {
    for (const d of m.databases) {
      d.name = `${prefix}${d.name}`;
      d.info.db_name = { O: `${prefix}${d.info.db_name.O}`, L: `${prefix}${d.info.db_name.L}` };
    }
  }
  m.tables.forEach((t, i) => {
    t.db = `${prefix}${t.db}`;
    // TiDB refuses a unique key without the partitioning column (error 8264) unless it is global: such a table
    // cannot have been backed up, so the partitioned ones keep `v_uniq` as a plain key.
    if (t.info.partition) for (const idx of t.info.index_info ?? []) if (!idx.is_primary) idx.is_unique = false;
    if (o.autoIds) {
      t.info.cols[0]!.type.Flag |= MysqlFlag.AutoIncrement;
      t.info.auto_inc_id = 1_001 + i;
    }
    if (!o.gaps || i % GAP_EVERY !== GAP_EVERY - 1) return;
    const last = t.info.cols[t.info.cols.length - 1]!;
    last.id += 1;
    t.info.max_col_id = last.id;
    if (o.distinctGaps) last.name = { O: `created_${i}`, L: `created_${i}` };
  });
  return m;
}
