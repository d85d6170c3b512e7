import { quoteIdent } from './create-sql';
import { BrflowError, ErrorType } from './error-types';
import type { CIStr, DBInfo, TableInfo } from './table-info';
import { STATE_PUBLIC } from './table-info-read';

/**
 * Placement policies (TiDB "Placement Rules in SQL") as brflow restores them, like BR with
 * `--with-tidb-placement-mode strict`: the backup's policies (backupmeta `policies`, each a JSON
 * model.PolicyInfo) are created with `CREATE PLACEMENT POLICY IF NOT EXISTS`, then every database, table and
 * partition gets its reference back. BR hands TiDB the DBInfo/TableInfo with their `policy_ref_info`; over SQL
 * the references go on with `ALTER … PLACEMENT POLICY = …` once the object exists, which keeps the CREATE TABLE
 * text (create-sql.ts, column-ids.ts) free of placement.
 */

/** TiDB model.PolicyInfo as BR stores it in backupmeta (PlacementSettings inlined, as its JSON has them). */
export interface PolicyInfo {
  id: number;
  name: CIStr;
  state?: number;
  primary_region?: string;
  regions?: string;
  learners?: number;
  followers?: number;
  voters?: number;
  schedule?: string;
  constraints?: string;
  leader_constraints?: string;
  learner_constraints?: string;
  follower_constraints?: string;
  voter_constraints?: string;
  survival_preferences?: string;
  [k: string]: unknown;
}

/** A PlacementSettings field of PolicyInfo; its SQL option (CREATE PLACEMENT POLICY … NAME=value) is the name upper-cased. */
export type PlacementField =
  | 'primary_region' | 'regions' | 'schedule' | 'constraints' | 'leader_constraints' | 'voters' | 'voter_constraints'
  | 'followers' | 'follower_constraints' | 'learners' | 'learner_constraints' | 'survival_preferences';

/**
 * The PlacementSettings options, in the order SHOW CREATE PLACEMENT POLICY prints them, with their value kind.
 * One list for what the planner prints and what the simulated TiDB accepts, so the two cannot drift apart.
 */
export const PLACEMENT_OPTIONS: readonly { field: PlacementField; kind: 'string' | 'int' }[] = [
  { field: 'primary_region', kind: 'string' },
  { field: 'regions', kind: 'string' },
  { field: 'schedule', kind: 'string' },
  { field: 'constraints', kind: 'string' },
  { field: 'leader_constraints', kind: 'string' },
  { field: 'voters', kind: 'int' },
  { field: 'voter_constraints', kind: 'string' },
  { field: 'followers', kind: 'int' },
  { field: 'follower_constraints', kind: 'string' },
  { field: 'learners', kind: 'int' },
  { field: 'learner_constraints', kind: 'string' },
  { field: 'survival_preferences', kind: 'string' },
];

/** A policy the restore creates: its name and its statement. */
export interface PlannedPolicy {
  name: string;
  createSql: string;
}

/** The placement a created table must end up with: the references of the table and of each partition (null = none). */
export interface TablePlacement {
  /** `ALTER TABLE …` statements, run with the table's database current, after the table exists. */
  statements: string[];
  /** Policy names (lower case) the table and each named partition must reference afterwards; null = no policy. */
  expect: { table: string | null; partitions: Record<string, string | null> };
}

/**
 * The settings in the order and form TiDB prints them (model.PlacementSettings.String, what SHOW CREATE PLACEMENT
 * POLICY and SHOW PLACEMENT show): strings double-quoted, integers only when above 0, empty strings left out.
 */
export function placementSettings(p: PolicyInfo): string {
  const parts: string[] = [];
  for (const { field, kind } of PLACEMENT_OPTIONS) {
    const option = field.toUpperCase();
    const v = p[field];
    // TiDB escapes only `"` when printing; a backslash must be doubled too for the text to parse back to the value.
    if (kind === 'string' && typeof v === 'string' && v !== '') parts.push(`${option}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);
    if (kind === 'int' && typeof v === 'number' && v > 0) parts.push(`${option}=${v}`);
  }
  return parts.join(' ');
}

/** `CREATE PLACEMENT POLICY IF NOT EXISTS \`p\` …`: SHOW CREATE PLACEMENT POLICY's text, made repeatable. */
export function createPolicySql(p: PolicyInfo): string {
  const settings = placementSettings(p);
  return `CREATE PLACEMENT POLICY IF NOT EXISTS ${quoteIdent(p.name.O)}${settings === '' ? '' : ` ${settings}`}`;
}

function refName(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const name = (v as { name?: CIStr }).name;
  return typeof name?.O === 'string' ? name.O : undefined;
}

/** The policy a database, table or partition references (`policy_ref_info.name.O`), if any. */
export function policyRef(o: { [k: string]: unknown }): string | undefined {
  return refName(o['policy_ref_info']);
}

/** Every policy name the table and its partitions reference. */
export function tablePolicyRefs(t: TableInfo): string[] {
  const out: string[] = [];
  const own = policyRef(t);
  if (own !== undefined) out.push(own);
  for (const d of t.partition?.definitions ?? []) {
    const p = policyRef(d);
    if (p !== undefined) out.push(p);
  }
  return out;
}

/** `ALTER DATABASE … PLACEMENT POLICY = …` for a database with a default policy; undefined without one. */
export function databasePlacementSql(db: DBInfo): string | undefined {
  const p = policyRef(db);
  return p === undefined ? undefined : `ALTER DATABASE ${quoteIdent(db.db_name.O)} PLACEMENT POLICY = ${quoteIdent(p)}`;
}

/**
 * The statements that give a created table its backed-up placement. A table created in a database with a default
 * policy inherits that policy (TiDB copies it into the new TableInfo), where BR's CreateTableWithInfo keeps the
 * backup's: so a table without a policy of its own in such a database gets `PLACEMENT POLICY = DEFAULT`.
 * Partitions never inherit at creation, so only those with a policy get a statement. Undefined when nothing is to
 * be done.
 */
export function tablePlacement(t: TableInfo, dbHasPolicy: boolean): TablePlacement | undefined {
  const table = quoteIdent(t.name.O);
  const statements: string[] = [];
  const own = policyRef(t);
  if (own !== undefined) statements.push(`ALTER TABLE ${table} PLACEMENT POLICY = ${quoteIdent(own)}`);
  else if (dbHasPolicy) statements.push(`ALTER TABLE ${table} PLACEMENT POLICY = DEFAULT`);
  const partitions: Record<string, string | null> = {};
  for (const d of t.partition?.definitions ?? []) {
    const p = policyRef(d);
    partitions[d.name.L] = p === undefined ? null : p.toLowerCase();
    if (p !== undefined) statements.push(`ALTER TABLE ${table} PARTITION ${quoteIdent(d.name.O)} PLACEMENT POLICY = ${quoteIdent(p)}`);
  }
  if (statements.length === 0) return undefined;
  return { statements, expect: { table: own === undefined ? null : own.toLowerCase(), partitions } };
}

/** What a created table references that differs from `want` (empty = as planned), each named for the message. */
export function placementMismatches(want: TablePlacement['expect'], created: TableInfo): string[] {
  const out: string[] = [];
  const have = policyRef(created)?.toLowerCase() ?? null;
  if (have !== want.table) out.push(`placement policy ${want.table ?? 'none'} (TiDB holds ${have ?? 'none'})`);
  const parts = new Map((created.partition?.definitions ?? []).map((d) => [d.name.L, policyRef(d)?.toLowerCase() ?? null]));
  for (const [name, p] of Object.entries(want.partitions)) {
    const got = parts.get(name) ?? null;
    if (got !== p) out.push(`placement policy ${p ?? 'none'} of partition ${name} (TiDB holds ${got ?? 'none'})`);
  }
  return out;
}

/**
 * The policies a restore creates, in name order: every public policy of the backup for a full restore (`all`, as
 * BR's `restore full`), else those the selected databases and tables reference.
 */
export function planPolicies(policies: readonly PolicyInfo[], referenced: ReadonlySet<string>, all: boolean): PlannedPolicy[] {
  return policies
    .filter((p) => (p.state === undefined || p.state === STATE_PUBLIC) && (all || referenced.has(p.name.L)))
    .sort((a, b) => (a.name.L < b.name.L ? -1 : a.name.L > b.name.L ? 1 : 0))
    .map((p) => ({ name: p.name.O, createSql: createPolicySql(p) }));
}

/** A policy the restored objects reference that the backup does not hold: the target must have it. */
export interface TargetPolicy {
  name: string;
  /** The first few databases, tables and partitions referencing it, for the message. */
  usedBy: string[];
  /** How many reference it in all. */
  users: number;
}

/** The most users a TargetPolicy names. */
const NAMED_USERS = 5;

/** Notes `who` as a user of `policy` (when it is one the backup lacks) into `into`, keyed by lower-case name. */
export function noteTargetPolicy(into: Map<string, TargetPolicy>, policy: string, who: string): void {
  const key = policy.toLowerCase();
  const p = into.get(key) ?? { name: policy, usedBy: [], users: 0 };
  if (p.usedBy.length < NAMED_USERS) p.usedBy.push(who);
  p.users++;
  into.set(key, p);
}

/**
 * The typed error for policies that the restored objects reference, that the backup does not hold, and that the
 * target lacks too: each named with the databases, tables and partitions referencing it (BR would fail creating
 * the first of them; here nothing has changed yet).
 */
export function missingPoliciesError(lacking: readonly TargetPolicy[]): BrflowError {
  const named = lacking.map((p) => `${quoteIdent(p.name)} (used by ${p.usedBy.join(', ')}${p.users > p.usedBy.length ? `, and ${p.users - p.usedBy.length} more` : ''})`);
  return new BrflowError(
    ErrorType.UnsupportedObject,
    `${lacking.length} placement policy(ies) the restore references are neither in the backup nor on the target: ${named.join('; ')}. The cluster was not changed. ` +
      'Create them on the target (CREATE PLACEMENT POLICY …), or restore without placement with "placementMode": "ignore" (or "skip": ["placement"])',
  );
}
