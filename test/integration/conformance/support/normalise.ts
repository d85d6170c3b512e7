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

/**
 * ADD COLUMN … DEFAULT CURRENT_TIMESTAMP records the time of the ALTER as the origin default: the clock, not
 * the statement, decides its value, so only its presence is compared.
 */
function normaliseColumn(c: Json): Json {
  const timeOfAlter = c.default === 'CURRENT_TIMESTAMP' && typeof c.origin_default === 'string' && /^\d{4}-\d\d-\d\d/.test(c.origin_default);
  return timeOfAlter ? { ...c, origin_default: '<time of ADD COLUMN>' } : c;
}

/** A TableInfo (status API JSON) without its table/partition IDs, update TSO, revision and ALTER times. */
export function normaliseTableInfo(t: unknown): Json {
  const o = without(t as Json, TABLE_HISTORY_KEYS);
  // Set by a RENAME across databases: the source database's ID.
  if (typeof o.old_schema_id === 'number') o.old_schema_id = '<id of the source database>';
  if (Array.isArray(o.cols)) o.cols = (o.cols as Json[]).map(normaliseColumn);
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
