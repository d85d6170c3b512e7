/**
 * Placeholder drops of a table's layout statements (plan/column-ids.ts), folded into one ALTER where a table has
 * several.
 *
 * Why: each `ALTER TABLE t DROP COLUMN …` / `DROP INDEX …` is a DDL job of its own that walks four schema
 * states, ~30 ms of TiDB CPU each (v8.5.3, unistore); one `ALTER TABLE t DROP INDEX a, DROP COLUMN b, …` is one
 * multi-schema change, measured at ~25 ms per column after the first (three drops: ~74 ms against ~110 ms as
 * three statements; bench/alter-probe.ts). TiDB runs a multi-schema change as one job that takes effect whole or
 * not at all, so a retry meets either every placeholder or none, as the single statements' replay expects
 * (TidbClient.replayFinishing). The plan keeps the statements one per drop: its text is part of the plan's hash,
 * and a replay filters them one by one.
 */

/** `ALTER TABLE <name> DROP COLUMN `__brflow_col_N`` or `… DROP INDEX `__brflow_idx_N``, as column-ids.ts writes them. */
const PLACEHOLDER_DROP = /^ALTER TABLE (`(?:[^`]|``)+`) (DROP (?:COLUMN `__brflow_col_\d+`|INDEX `__brflow_idx_\d+`))$/;

/**
 * The statements with every run of adjacent placeholder drops of one table merged into one ALTER, the drops in
 * their order; every other statement as it was, in place.
 */
export function mergePlaceholderDrops(statements: readonly string[]): string[] {
  const out: string[] = [];
  let run: { table: string; drops: string[] } | undefined;
  const flush = () => {
    if (run) out.push(`ALTER TABLE ${run.table} ${run.drops.join(', ')}`);
    run = undefined;
  };
  for (const sql of statements) {
    const m = PLACEHOLDER_DROP.exec(sql);
    if (!m) {
      flush();
      out.push(sql);
      continue;
    }
    const [, table, drop] = m as unknown as [string, string, string];
    if (run && run.table !== table) flush();
    run ??= { table, drops: [] };
    run.drops.push(drop);
  }
  flush();
  return out;
}
