import type { CIStr, DBInfo, IndexInfo, TableInfo } from './table-info';
import { publicIndexes, STATE_PUBLIC } from './table-info-read';

/**
 * The kinds of schema object a backed-up table can carry beyond its columns and indexes. brflow recreates
 * foreign keys, CHECK constraints and TTL (table-constraints.ts) and placement policies (placement-sql.ts) unless
 * the input's `skip` names the kind; an object it cannot recreate fails the restore at planning unless skipped (a
 * placement policy the backup does not hold is the target's to have: the pre-check refuses it when it lacks it): nothing is dropped without the operator saying so. Vector indexes
 * are never recreated (TiDB v8.5 builds one only on a table with a TiFlash replica): refused unless skipped.
 * New kinds go at the end: validateSkip's canonical order, and so the plans' hashes, must not move.
 */
export const SCHEMA_OBJECT_KINDS = ['foreignKeys', 'checkConstraints', 'ttl', 'placement', 'vectorIndexes'] as const;

export type SchemaObjectKind = (typeof SCHEMA_OBJECT_KINDS)[number];

/** The kinds brflow recreates after creating a table (placement since placement-sql.ts; refs recorded before refuse it, see restore-plan.ts). */
export const RECREATED_KINDS: ReadonlySet<SchemaObjectKind> = new Set(['foreignKeys', 'checkConstraints', 'ttl', 'placement']);

/** One such object of a table. */
export interface SchemaObject {
  kind: SchemaObjectKind;
  /** How the restore names it: `foreign key fk_1`, `CHECK constraint c1`, `TTL on created_at`, `placement policy p1`. */
  name: string;
  /** Why this one cannot be recreated although its kind can (absent = it can): refused unless its kind is skipped. */
  refusal?: string;
}

/** Whether `o` fails planning: its kind is not skipped and brflow cannot recreate it. */
export function isRefused(o: SchemaObject, skip: ReadonlySet<SchemaObjectKind>, recreated: ReadonlySet<SchemaObjectKind> = RECREATED_KINDS): boolean {
  return !skip.has(o.kind) && (!recreated.has(o.kind) || o.refusal !== undefined);
}

/** Counts of objects knowingly left out, per kind (history carries these, never the names). */
export type SkippedCounts = Partial<Record<SchemaObjectKind, number>>;

function ciName(v: unknown): string {
  if (typeof v === 'object' && v !== null && !('O' in v)) {
    // A foreign key or constraint: TiDB's JSON names them fk_name / constraint_name.
    const o = v as Record<string, unknown>;
    return ciName(o['fk_name'] ?? o['constraint_name'] ?? o['name']);
  }
  return typeof v === 'object' && v !== null && typeof (v as CIStr).O === 'string' ? (v as CIStr).O : '?';
}

function publicItems(v: unknown): Record<string, unknown>[] {
  if (!Array.isArray(v)) return [];
  // Objects still in a DDL (state below public) are not part of the table yet, as for indexes.
  return v.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null && (x['state'] === undefined || x['state'] === STATE_PUBLIC));
}

/**
 * The schema objects of `t` beyond columns and indexes (TiDB model.TableInfo `fk_info`, `constraint_info`,
 * `ttl_info`, `policy_ref_info` on the table or a partition).
 */
export function schemaObjects(t: TableInfo): SchemaObject[] {
  const out: SchemaObject[] = [];
  for (const fk of publicItems(t['fk_info'])) out.push({ kind: 'foreignKeys', name: `foreign key ${ciName(fk)}` });
  for (const c of publicItems(t['constraint_info'])) out.push({ kind: 'checkConstraints', name: `CHECK constraint ${ciName(c)}` });
  const ttl = t['ttl_info'];
  if (typeof ttl === 'object' && ttl !== null) out.push({ kind: 'ttl', name: `TTL on ${ciName((ttl as Record<string, unknown>)['column'])}` });
  const policy = t['policy_ref_info'];
  if (typeof policy === 'object' && policy !== null) out.push({ kind: 'placement', name: `placement policy ${ciName((policy as Record<string, unknown>)['name'])}` });
  for (const d of t.partition?.definitions ?? []) {
    const p = d['policy_ref_info'];
    if (typeof p === 'object' && p !== null) out.push({ kind: 'placement', name: `placement policy ${ciName((p as Record<string, unknown>)['name'])} of partition ${d.name.O}` });
  }
  return out;
}

/** A database's objects beyond its charset: its default placement policy (DBInfo `policy_ref_info`). */
export function databaseObjects(d: DBInfo): SchemaObject[] {
  const p = d['policy_ref_info'];
  return typeof p === 'object' && p !== null ? [{ kind: 'placement', name: `placement policy ${ciName((p as Record<string, unknown>)['name'])}` }] : [];
}

/** TiDB model.IndexInfo `vector_index` is set (non-null) on a vector index only. */
export function isVectorIndex(i: IndexInfo): boolean {
  return i['vector_index'] !== null && i['vector_index'] !== undefined;
}

/**
 * The public vector indexes of `t`. Each is refused unless `vectorIndexes` is skipped; skipped, the table is created
 * without it (column-ids.ts), the VECTOR column kept. TiFlash builds a vector index from the rows and TiDB writes
 * no index KVs for it to TiKV (our reading of v8.5; no cluster with TiFlash checks it here), so the backup's
 * checksum holds none and the restored table's matches without it.
 */
export function vectorIndexObjects(t: TableInfo): SchemaObject[] {
  return publicIndexes(t).filter(isVectorIndex).map((i) => ({
    kind: 'vectorIndexes',
    name: `vector index ${i.idx_name.O}`,
    refusal: 'TiDB builds a vector index only on a table with a TiFlash replica, which brflow cannot give a table it is creating; skip it and add it after the restore (ALTER TABLE … SET TIFLASH REPLICA, then ADD VECTOR INDEX)',
  }));
}

/** Counts per kind; undefined when there is nothing (so plans without skipped objects keep their hash). */
export function countObjects(objects: readonly SchemaObject[]): SkippedCounts | undefined {
  if (objects.length === 0) return undefined;
  const counts: SkippedCounts = {};
  for (const o of objects) counts[o.kind] = (counts[o.kind] ?? 0) + 1;
  return counts;
}

/** Checks a `skip` list: every entry a known kind, no repeats; each problem names the field and the fix. */
export function validateSkip(raw: unknown, field = 'skip'): { value: SchemaObjectKind[] } | { problems: string[] } {
  const known = SCHEMA_OBJECT_KINDS.join(', ');
  if (!Array.isArray(raw)) return { problems: [`${field}: expected an array of object kinds to restore without, e.g. ["foreignKeys"] (known: ${known})`] };
  const problems: string[] = [];
  const seen = new Set<string>();
  raw.forEach((v, i) => {
    if (typeof v !== 'string' || !(SCHEMA_OBJECT_KINDS as readonly string[]).includes(v)) problems.push(`${field}[${i}]: ${JSON.stringify(v)} is not an object kind; known: ${known}`);
    else if (seen.has(v)) problems.push(`${field}[${i}]: ${JSON.stringify(v)} is listed twice; list it once`);
    else seen.add(v);
  });
  if (problems.length > 0) return { problems };
  // Canonical order, so the same set always plans (and hashes) the same.
  return { value: SCHEMA_OBJECT_KINDS.filter((k) => seen.has(k)) };
}
