import type { DBInfo, TableInfo } from '../../plan/table-info';
import { buildSequenceInfo } from '../../simulator/tidb/sequence';
import type { ViewDef } from '../../simulator/tidb/sql-ast';
import { buildViewInfo } from '../../simulator/tidb/view';

/**
 * A sequence and two views (one over the other) for a generated backup, their TableInfo built by the same
 * functions the simulated TiDB stores CREATE SEQUENCE / CREATE VIEW with (the v8.5.3 shapes, checked against the
 * real server by the conformance tests). The sequence's `auto_inc_id` is what BR's backup records: TiDB's stored
 * sequence value + 1, here after 100 values handed out with CACHE 100 (stored value = that batch's end).
 */
export interface SchemaOnlyObject {
  info: TableInfo;
  features: string[];
}

/** Values the generated sequence handed out before the backup; NEXTVAL after a restore must come after them. */
export const GENERATED_SEQUENCE = { db: 'shop', name: 'order_no', start: 1000n, increment: 5n, cache: 100n, handedOut: 100n } as const;

/** The last value the generated sequence handed out before the backup (start + (handedOut - 1) × increment). */
export const GENERATED_SEQUENCE_LAST = GENERATED_SEQUENCE.start + (GENERATED_SEQUENCE.handedOut - 1n) * GENERATED_SEQUENCE.increment;

/**
 * `shop.order_no` (a sequence), `shop.order_amounts` (a view over `base` with a column list, made by `app@%` with
 * SQL SECURITY INVOKER) and `shop.large_orders` (a MERGE view over that view WITH LOCAL CHECK OPTION). IDs come
 * from `takeId`, in creation order.
 */
export function schemaOnlyObjects(db: DBInfo, base: TableInfo, takeId: () => number): SchemaOnlyObject[] {
  const s = GENERATED_SEQUENCE;
  const sequence = buildSequenceInfo(takeId(), db.db_name.O, s.name, { start: s.start, increment: s.increment, cache: s.cache, comment: 'order numbers' });
  sequence.auto_inc_id = Number(GENERATED_SEQUENCE_LAST + 1n);
  const [idCol, secondCol] = [...base.cols].sort((a, b) => a.offset - b.offset).filter((c) => !c.hidden);
  if (!idCol || !secondCol) throw new Error(`table ${base.name.O} has fewer than two columns to view`);
  const session = { user: 'root', host: '127.0.0.1', charset: 'utf8mb4', collation: 'utf8mb4_unicode_ci' };
  const inner: ViewDef = {
    orReplace: false, algorithm: 0, security: 1, checkOption: 1, definer: { user: 'app', host: '%' },
    name: { db: db.db_name.O, name: 'order_amounts' }, columns: ['order_id', 'detail'],
    items: [{ name: idCol.name.O }, { name: secondCol.name.O }], from: { db: db.db_name.O, name: base.name.O },
  };
  const innerInfo = buildViewInfo(takeId(), db.db_name.O, inner, base, db.db_name.O, session);
  const outer: ViewDef = {
    orReplace: false, algorithm: 1, security: 0, checkOption: 0,
    name: { db: db.db_name.O, name: 'large_orders' }, items: [{ name: 'order_id' }], from: { db: db.db_name.O, name: 'order_amounts' },
  };
  const outerInfo = buildViewInfo(takeId(), db.db_name.O, outer, innerInfo, db.db_name.O, session);
  return [
    { info: sequence, features: ['sequence (CACHE, current value recorded as BR does)'] },
    { info: innerInfo, features: ['view with column list, definer and SQL SECURITY INVOKER'] },
    { info: outerInfo, features: ['view over a view, MERGE, WITH LOCAL CHECK OPTION'] },
  ];
}
