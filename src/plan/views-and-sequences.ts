import type { ManifestTable } from '../backup/manifest';
import { createSequenceSql, sequenceOf, sequenceValueStatements } from './sequence-sql';
import { createViewSql, orderViews, viewOf } from './view-sql';

/**
 * A view to recreate. Views hold no data: they get no ranges, batches or checksum, and are created once every
 * table exists (a view reads tables, and other views, that must be there first).
 */
export interface PlanView {
  db: string;
  name: string;
  /** The backup's table ID. */
  oldId: number;
  /** character_set_client / collation_connection the view was created under (its TableInfo charset/collate). */
  charset: string;
  collate: string;
  /** CREATE VIEW, run in `db`. */
  createSql: string;
}

/** A sequence to recreate: created with the databases, before any table (a column DEFAULT may call NEXTVAL on it). */
export interface PlanSequence {
  db: string;
  name: string;
  oldId: number;
  /** CREATE SEQUENCE, run in `db`. */
  createSql: string;
  /** SETVAL/NEXTVAL statements that carry the backup's current value over (sequence-sql.ts), run in `db` after it. */
  valueStatements: string[];
}

/** Whether a backed-up table is a view or a sequence: a schema object without data of its own. */
export function isViewOrSequence(t: ManifestTable): boolean {
  return viewOf(t.info) !== undefined || sequenceOf(t.info) !== undefined;
}

/**
 * The views (in creation order: each after the views it reads) and sequences (by database and name) among the
 * selected tables.
 */
export function planViewsAndSequences(selected: readonly ManifestTable[]): { views: PlanView[]; sequences: PlanSequence[] } {
  const views = orderViews(
    selected.filter((t) => viewOf(t.info)).map((t) => ({ db: t.db, name: t.name, oldId: t.id, select: viewOf(t.info)!.view_select, info: t.info })),
  ).map((v): PlanView => ({ db: v.db, name: v.name, oldId: v.oldId, charset: v.info.charset || 'utf8mb4', collate: v.info.collate || 'utf8mb4_bin', createSql: createViewSql(v.info) }));
  const sequences = selected
    .filter((t) => sequenceOf(t.info))
    .sort((a, b) => (a.db < b.db ? -1 : a.db > b.db ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((t): PlanSequence => ({ db: t.db, name: t.name, oldId: t.id, createSql: createSequenceSql(t.info), valueStatements: sequenceValueStatements(t.info) }));
  return { views, sequences };
}
