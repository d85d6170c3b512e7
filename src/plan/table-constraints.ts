import { quoteIdent, quoteString } from './create-sql';
import type { SchemaObjectKind } from './schema-objects';
import type { CIStr, TableInfo } from './table-info';
import { STATE_PUBLIC } from './table-info-read';

/**
 * The statements that put back a created table's foreign keys, CHECK constraints and TTL, run once its columns
 * and indexes exist (so a foreign key finds its index and adds none, keeping the index IDs) and with
 * `foreign_key_checks = 0` in the session: TiDB then accepts a key whose referenced table does not exist yet,
 * so creation order and cycles between tables do not matter (as BR, which creates tables from their TableInfo).
 * TiDB's SHOW CREATE TABLE clauses (executor/show.go), as ALTER TABLE specs.
 */
export interface TableConstraints {
  /** `ALTER TABLE …` statements in order, to run with the table's database current. */
  statements: string[];
  /** What the table must hold afterwards: foreign key and CHECK names (lower case), and whether it has a TTL. */
  expect: { foreignKeys: string[]; checks: string[]; ttl: boolean };
}

/** ast.ReferOptionType as TiDB stores it in fk_info on_delete/on_update. */
const REFER_OPTION: Record<number, string> = { 1: 'RESTRICT', 2: 'CASCADE', 3: 'SET NULL', 4: 'NO ACTION', 5: 'SET DEFAULT' };

/** ast.TimeUnitType numbers of ttl_info.interval_time_unit. */
const TIME_UNIT: Record<number, string> = { 1: 'MICROSECOND', 2: 'SECOND', 3: 'MINUTE', 4: 'HOUR', 5: 'DAY', 6: 'WEEK', 7: 'MONTH', 8: 'QUARTER', 9: 'YEAR' };

type Json = Record<string, unknown>;

function names(v: unknown): string[] {
  return Array.isArray(v) ? v.map((c) => quoteIdent((c as CIStr).O)) : [];
}

function publicItems(v: unknown): Json[] {
  return Array.isArray(v) ? v.filter((x): x is Json => typeof x === 'object' && x !== null && (x['state'] === undefined || x['state'] === STATE_PUBLIC)) : [];
}

/** TiDB names a foreign key `fk_name` and a constraint `constraint_name` in TableInfo JSON. */
export function objectName(o: Json): string {
  const n = (o['fk_name'] ?? o['constraint_name'] ?? o['name']) as CIStr | undefined;
  return typeof n?.O === 'string' ? n.O : '?';
}

/** The statements for the kinds not skipped; undefined when there is nothing to add (the plan stays as before). */
export function tableConstraints(t: TableInfo, skip: ReadonlySet<SchemaObjectKind>): TableConstraints | undefined {
  const table = quoteIdent(t.name.O);
  const statements: string[] = [];
  const expect: TableConstraints['expect'] = { foreignKeys: [], checks: [], ttl: false };
  if (!skip.has('foreignKeys')) {
    for (const fk of publicItems(t['fk_info'])) {
      const refSchema = (fk['ref_schema'] as CIStr | undefined)?.O;
      const refTable = quoteIdent((fk['ref_table'] as CIStr).O);
      // SHOW CREATE TABLE names the referenced schema only when it is another database (ddl buildFKInfo keeps both).
      let s = `ALTER TABLE ${table} ADD CONSTRAINT ${quoteIdent(objectName(fk))} FOREIGN KEY (${names(fk['cols']).join(', ')}) REFERENCES ${refSchema !== undefined ? `${quoteIdent(refSchema)}.` : ''}${refTable} (${names(fk['ref_cols']).join(', ')})`;
      const del = REFER_OPTION[Number(fk['on_delete'] ?? 0)];
      const upd = REFER_OPTION[Number(fk['on_update'] ?? 0)];
      if (del) s += ` ON DELETE ${del}`;
      if (upd) s += ` ON UPDATE ${upd}`;
      statements.push(s);
      expect.foreignKeys.push(objectName(fk).toLowerCase());
    }
  }
  if (!skip.has('checkConstraints')) {
    for (const c of publicItems(t['constraint_info'])) {
      statements.push(`ALTER TABLE ${table} ADD CONSTRAINT ${quoteIdent(objectName(c))} CHECK (${String(c['expr_string'])})${c['enforced'] === false ? ' NOT ENFORCED' : ''}`);
      expect.checks.push(objectName(c).toLowerCase());
    }
  }
  const ttl = t['ttl_info'] as Json | null | undefined;
  if (!skip.has('ttl') && typeof ttl === 'object' && ttl !== null) {
    const unit = TIME_UNIT[Number(ttl['interval_time_unit'])] ?? 'DAY';
    const col = quoteIdent((ttl['column'] as CIStr).O);
    // The job's enabled state and interval as backed up: a TTL job switched off stays off.
    statements.push(`ALTER TABLE ${table} TTL = ${col} + INTERVAL ${String(ttl['interval_expr'])} ${unit} TTL_ENABLE = ${quoteString(ttl['enable'] === false ? 'OFF' : 'ON')} TTL_JOB_INTERVAL = ${quoteString(String(ttl['job_interval'] ?? '1h'))}`);
    expect.ttl = true;
  }
  return statements.length > 0 ? { statements, expect } : undefined;
}
