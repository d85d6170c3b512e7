import type { ManifestTable } from '../backup/manifest';
import { BrflowError, ErrorType } from './error-types';
import { createSequenceSql, sequenceOf, sequenceValueStatements } from './sequence-sql';
import { createViewSql, orderViews, viewOf, viewReferences } from './view-sql';

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
  /**
   * The tables and views it reads (lower case) that the restore does not create: they must exist on the target
   * already, which the pre-check verifies before anything changes. Absent when it reads only what the restore
   * creates (so plans of such views keep their hash).
   */
  readsOutside?: { db: string; name: string }[];
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

/** `db.name`, lower case: how a view's reference and a restored object are matched. */
export function objectKey(db: string, name: string): string {
  return `${db.toLowerCase()}\u0000${name.toLowerCase()}`;
}

/**
 * The views (in creation order: each after the views it reads) and sequences (by database and name) among the
 * selected tables. `alsoCreated`: objects the restore creates otherwise (tables of replayed DDL jobs), which a
 * view may read as well as the selected tables, views and sequences.
 */
export function planViewsAndSequences(selected: readonly ManifestTable[], alsoCreated: readonly { db: string; name: string }[] = []): { views: PlanView[]; sequences: PlanSequence[] } {
  const created = new Set([...selected, ...alsoCreated].map((t) => objectKey(t.db, t.name)));
  const views = orderViews(
    selected.filter((t) => viewOf(t.info)).map((t) => ({ db: t.db, name: t.name, oldId: t.id, select: viewOf(t.info)!.view_select, info: t.info })),
  ).map((v): PlanView => {
    const outside = viewReferences(v.select).filter((r) => !created.has(objectKey(r.db, r.name)));
    return {
      db: v.db, name: v.name, oldId: v.oldId, charset: v.info.charset || 'utf8mb4', collate: v.info.collate || 'utf8mb4_bin', createSql: createViewSql(v.info),
      ...(outside.length > 0 ? { readsOutside: outside } : {}),
    };
  });
  const sequences = selected
    .filter((t) => sequenceOf(t.info))
    .sort((a, b) => (a.db < b.db ? -1 : a.db > b.db ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((t): PlanSequence => ({ db: t.db, name: t.name, oldId: t.id, createSql: createSequenceSql(t.info), valueStatements: sequenceValueStatements(t.info) }));
  return { views, sequences };
}

/** Every table or view the plan's views read outside the restore, once each: what the pre-check looks up on the target. */
export function viewReadsOutside(views: readonly PlanView[]): { db: string; name: string }[] {
  const out = new Map<string, { db: string; name: string }>();
  for (const v of views) for (const r of v.readsOutside ?? []) if (!out.has(objectKey(r.db, r.name))) out.set(objectKey(r.db, r.name), r);
  return [...out.values()];
}

/**
 * The views whose reads outside the restore the target lacks, each with what it misses; `targetHas` answers
 * whether the target holds `db`.`name` (a table, view or sequence: TiDB resolves any at CREATE VIEW). Empty =
 * every view can be created.
 */
export function viewsMissingReads(views: readonly PlanView[], targetHas: (db: string, name: string) => boolean): { view: string; missing: string[] }[] {
  const out: { view: string; missing: string[] }[] = [];
  for (const v of views) {
    const missing = (v.readsOutside ?? []).filter((r) => !targetHas(r.db, r.name)).map((r) => `\`${r.db}\`.\`${r.name}\``);
    if (missing.length > 0) out.push({ view: `\`${v.db}\`.\`${v.name}\``, missing });
  }
  return out;
}

/** The typed error for views whose reads are neither restored nor on the target (before anything changed). */
export function missingViewReadsError(missing: readonly { view: string; missing: string[] }[]): BrflowError {
  const named = missing.slice(0, 20).map((m) => `view ${m.view} reads ${m.missing.join(', ')}`).join('; ') + (missing.length > 20 ? `; and ${missing.length - 20} more view(s)` : '');
  return new BrflowError(
    ErrorType.TableMissing,
    `${missing.length} view(s) read tables or views that the restore does not create and the target does not have: ${named}. The cluster was not changed. ` +
      'Widen the filters to restore what they read, create those on the target first, or exclude the views (--filter \'!db.view\')',
  );
}
