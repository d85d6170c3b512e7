/**
 * Normalisers for comparing what the simulated and the real TiDB answer. Each removes only what legitimately
 * differs between two TiDBs that ran the same statements: IDs from the global allocator (their history of
 * system tables differs), the TSO of the last change and the schema revision counter.
 */

type Json = Record<string, unknown>;

/** Keys of a TableInfo that depend on the server's history, not on the statements. */
const TABLE_HISTORY_KEYS = ['id', 'update_timestamp', 'revision'];

function without(o: Json, keys: readonly string[]): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(o)) if (!keys.includes(k)) out[k] = v;
  return out;
}

/** A TableInfo (status API JSON) without its table/partition IDs, update TSO and revision. */
export function normaliseTableInfo(t: unknown): Json {
  const o = without(t as Json, TABLE_HISTORY_KEYS);
  const p = o.partition as Json | null | undefined;
  if (p && Array.isArray(p.definitions)) {
    o.partition = { ...p, definitions: (p.definitions as Json[]).map((d) => without(d, ['id'])) };
  }
  return o;
}

/** A DBInfo without its ID. */
export function normaliseDbInfo(d: unknown): Json {
  return without(d as Json, ['id']);
}

/**
 * Where two normalised JSON values differ, as `path: a ≠ b` lines (empty when equal): a failure names every
 * differing field instead of one giant object diff.
 */
export function jsonDifferences(a: unknown, b: unknown, path = '$'): string[] {
  if (a === b) return [];
  const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null;
  if (Array.isArray(a) && Array.isArray(b)) {
    const out: string[] = [];
    if (a.length !== b.length) out.push(`${path}.length: ${a.length} ≠ ${b.length}`);
    for (let i = 0; i < Math.min(a.length, b.length); i++) out.push(...jsonDifferences(a[i], b[i], `${path}[${i}]`));
    return out;
  }
  if (isObj(a) && isObj(b) && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys.flatMap((k) => (k in a && k in b ? jsonDifferences(a[k], b[k], `${path}.${k}`) : [`${path}.${k}: ${k in a ? JSON.stringify(a[k]) : '(absent)'} ≠ ${k in b ? JSON.stringify(b[k]) : '(absent)'}`]));
  }
  return [`${path}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`];
}
