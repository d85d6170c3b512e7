import { bitDefaultLiteral, columnDefinition, createTableSql, indexDefinition, isGenerated, quoteIdent, quoteString } from './create-sql';
import type { ColumnInfo, TableInfo } from './table-info';
import { MysqlFlag, MysqlType } from './table-info';
import { isPrimaryIndex, publicIndexes, STATE_PUBLIC } from './table-info-read';

/**
 * DDL that recreates a table with exactly the backup's column IDs (research §8.1).
 *
 * Why: TiKV never rewrites row values, and TiDB's row format stores column IDs in them, so restored rows
 * decode correctly only if every column keeps its ID. BR gets this for free by handing TiDB the TableInfo;
 * over SQL, TiDB numbers columns 1, 2, … in CREATE TABLE order, gives ADD COLUMN max_col_id + 1, and
 * never reuses an ID. So:
 *
 * 1. CREATE TABLE with the columns in ID order, a nullable placeholder standing in for each missing ID;
 * 2. columns that were added later with a default (non-null `origin_default`) are added the same way
 *    again, `ALTER TABLE … ADD COLUMN … DEFAULT <origin>`, because rows written before the column existed
 *    do not carry it and TiDB fills them with the origin default; so must every column after them;
 * 3. indexes over added columns are added after them; placeholders are dropped;
 * 4. defaults of re-added columns are set back to the current default;
 * 5. `MODIFY COLUMN … FIRST/AFTER` restores the column order (a move keeps the ID when the type is unchanged).
 *
 * Index IDs may come out different: index keys carry them, but rewrite rules map indexes by name, so that
 * costs nothing. A table whose layout cannot be reproduced this way comes back with a reason, and the
 * restore refuses it rather than restoring rows that would read back wrong.
 */
export type ColumnLayoutPlan =
  | {
      reproducible: true;
      /** Statements in order, to run with the table's database as the current database. */
      statements: string[];
      /** The IDs TiDB must report afterwards (status API `/schema/{db}/{table}`), by column name. */
      expectedColumnIds: { name: string; id: number }[];
      /** Things of the backup's definition that are knowingly not recreated. */
      warnings: string[];
    }
  | { reproducible: false; reason: string };

/** TiDB's default `table-column-count-limit`: the CREATE TABLE with placeholders must stay within it. */
export const TIDB_COLUMN_COUNT_LIMIT = 1017;

const placeholderName = (id: number): string => `__brflow_col_${id}`;

function placeholder(id: number): ColumnInfo {
  return {
    id, name: { O: placeholderName(id), L: placeholderName(id) }, offset: 0, default: null, origin_default: null, state: STATE_PUBLIC,
    type: { Tp: 1, Flag: 0, Flen: 4, Decimal: 0, Charset: 'binary', Collate: 'binary', Elems: null },
  };
}

/**
 * The origin default TiDB (v8.5.3) records for a NOT NULL column added without a DEFAULT: its type's zero value
 * (BIT: no bytes, in `origin_default_bit` too). Undefined for YEAR, which also gets that value as its default.
 */
function zeroOrigin(c: ColumnInfo): { value: string; bit?: string } | undefined {
  switch (c.type.Tp) {
    case MysqlType.Tiny: case MysqlType.Short: case MysqlType.Int24: case MysqlType.Long: case MysqlType.Longlong:
    case MysqlType.Float: case MysqlType.Double: case MysqlType.NewDecimal:
      return { value: '0' };
    case MysqlType.Bit: return { value: '', bit: '' };
    case MysqlType.Enum: return { value: c.type.Elems?.[0] ?? '' };
    case MysqlType.JSON: return { value: 'null' };
    case MysqlType.Date: return { value: '0000-00-00' };
    case MysqlType.Datetime: case MysqlType.Timestamp: return { value: '0000-00-00 00:00:00' };
    case MysqlType.Duration: return { value: '00:00:00' };
    case MysqlType.Year: return undefined;
    default: return { value: '' };
  }
}

/**
 * A column added NOT NULL without a DEFAULT (and none set since): adding it the same way makes TiDB record the
 * same origin default by itself, where DEFAULT <origin> + DROP DEFAULT would leave a BIT column's bytes behind.
 */
function addedWithoutDefault(c: ColumnInfo): boolean {
  const flags = c.type.Flag;
  if (!(flags & MysqlFlag.NotNull) || !(flags & MysqlFlag.NoDefaultValue) || (c.default !== null && c.default !== undefined)) return false;
  const zero = zeroOrigin(c);
  if (!zero || c.origin_default !== zero.value) return false;
  return zero.bit === undefined || c['origin_default_bit'] === zero.bit;
}

function refuse(reason: string): ColumnLayoutPlan {
  return { reproducible: false, reason };
}

function sameValue(a: unknown, b: unknown): boolean {
  return (a ?? null) === (b ?? null) || String(a ?? '\u0000null') === String(b ?? '\u0000null');
}

export function planColumnLayout(t: TableInfo, opts: { legacySchemaObjects?: boolean; placementRecreated?: boolean } = {}): ColumnLayoutPlan {
  const name = quoteIdent(t.name.O);
  if (t.view) return refuse('it is a view; brflow restores tables only');
  if (t.sequence) return refuse('it is a sequence; brflow restores tables only');
  const bad = t.cols.find((c) => c.state !== STATE_PUBLIC);
  if (bad) return refuse(`column \`${bad.name.O}\` was in the middle of a schema change (state ${bad.state}) when the backup was taken`);
  const hidden = t.cols.find((c) => c.hidden);
  if (hidden) return refuse(`it has an expression index (hidden column \`${hidden.name.O}\`), whose column IDs SQL cannot pin`);
  const byId = [...t.cols].sort((a, b) => a.id - b.id);
  for (let i = 1; i < byId.length; i++) {
    if (byId[i]!.id === byId[i - 1]!.id) return refuse(`two columns share column ID ${byId[i]!.id}`);
  }
  const maxId = byId[byId.length - 1]?.id ?? 0;
  if (byId[0] && byId[0].id < 1) return refuse(`column \`${byId[0].name.O}\` has ID ${byId[0].id}`);
  if (maxId > TIDB_COLUMN_COUNT_LIMIT) {
    return refuse(`its column IDs reach ${maxId}; recreating them needs more than TiDB's ${TIDB_COLUMN_COUNT_LIMIT}-column limit`);
  }
  const names = new Set(t.cols.map((c) => c.name.L));
  if ([...names].some((n) => n.startsWith('__brflow_col_'))) return refuse('a column name starts with __brflow_col_, the prefix brflow uses for placeholders');

  const real = new Map(byId.map((c) => [c.id, c]));
  const firstAdded = byId.find((c) => c.origin_default !== null && c.origin_default !== undefined)?.id ?? maxId + 1;
  const createIds: number[] = [];
  const addIds: number[] = [];
  for (let id = 1; id <= maxId; id++) (id < firstAdded ? createIds : addIds).push(id);

  const addedReal = addIds.map((id) => real.get(id)).filter((c): c is ColumnInfo => c !== undefined);
  const autoInc = addedReal.find((c) => c.type.Flag & MysqlFlag.AutoIncrement);
  if (autoInc) return refuse(`auto_increment column \`${autoInc.name.O}\` was added after table creation; TiDB cannot ADD an auto_increment column`);
  const addedNames = new Set(addedReal.map((c) => c.name.L));
  const clustered = t.pk_is_handle || t.is_common_handle;
  const indexes = publicIndexes(t);
  const deferred = indexes.filter((i) => i.idx_cols.some((ic) => addedNames.has(ic.name.L)));
  if (t.pk_is_handle && addedReal.some((c) => c.type.Flag & MysqlFlag.PriKey)) return refuse('its clustered primary key column was added after table creation');
  if (clustered && deferred.some(isPrimaryIndex)) return refuse('its clustered primary key covers a column added after table creation');

  const statements: string[] = [];
  const createTable: TableInfo = { ...t, index_info: indexes.filter((i) => !deferred.includes(i)) };
  statements.push(createTableSql(createTable, { columns: createIds.map((id) => ({ col: real.get(id) ?? placeholder(id) })) }));
  for (const id of addIds) {
    const c = real.get(id);
    if (!c) {
      statements.push(`ALTER TABLE ${name} ADD COLUMN ${columnDefinition(t, placeholder(id))}`);
      continue;
    }
    if (addedWithoutDefault(c)) {
      statements.push(`ALTER TABLE ${name} ADD COLUMN ${columnDefinition(t, c)}`);
      continue;
    }
    const withOrigin = { ...c, type: { ...c.type, Flag: c.type.Flag & ~MysqlFlag.NoDefaultValue } };
    statements.push(`ALTER TABLE ${name} ADD COLUMN ${columnDefinition(t, withOrigin, { defaultOverride: { value: c.origin_default } })}`);
  }
  for (const i of deferred) statements.push(`ALTER TABLE ${name} ADD ${indexDefinition(t, i)}`);
  for (let id = 1; id <= maxId; id++) if (!real.has(id)) statements.push(`ALTER TABLE ${name} DROP COLUMN ${quoteIdent(placeholderName(id))}`);
  for (const c of addedReal) {
    if (addedWithoutDefault(c)) continue;
    const noDefault = (c.type.Flag & MysqlFlag.NoDefaultValue) !== 0 || ((c.default === null || c.default === undefined) && (c.type.Flag & MysqlFlag.NotNull) !== 0);
    if (noDefault) {
      statements.push(`ALTER TABLE ${name} ALTER COLUMN ${quoteIdent(c.name.O)} DROP DEFAULT`);
    } else if (!sameValue(c.default, c.origin_default)) {
      const v = c.default;
      // A BIT default is raw bytes: as a quoted string they would not survive the text protocol; b'…' does.
      const set = v === null || v === undefined ? 'NULL' : String(v).toUpperCase() === 'CURRENT_TIMESTAMP' || c.default_is_expr ? `(${String(v)})` : c.type.Tp === MysqlType.Bit ? bitDefaultLiteral(v, c['default_bit']) : quoteString(String(v));
      statements.push(`ALTER TABLE ${name} ALTER COLUMN ${quoteIdent(c.name.O)} SET DEFAULT ${set}`);
    }
  }

  // Column order: now ID order; the backup's order is by offset.
  const current = byId.map((c) => c.name.O);
  const target = [...t.cols].sort((a, b) => a.offset - b.offset);
  for (let i = 0; i < target.length; i++) {
    const want = target[i]!;
    if (current[i] === want.name.O) continue;
    if (isGenerated(want)) return refuse(`generated column \`${want.name.O}\` is not in column-ID order, and TiDB cannot move a generated column`);
    const where = i === 0 ? 'FIRST' : `AFTER ${quoteIdent(target[i - 1]!.name.O)}`;
    statements.push(`ALTER TABLE ${name} MODIFY COLUMN ${columnDefinition(t, want)} ${where}`);
    current.splice(current.indexOf(want.name.O), 1);
    current.splice(i, 0, want.name.O);
  }

  const warnings: string[] = [];
  // Foreign keys, CHECK constraints and TTL are added after creation (table-constraints.ts); a placement policy
  // fails planning unless the input skips it (schema-objects.ts). Plans of restores recorded before that keep the
  // warnings they had, so their content hash holds.
  if (opts.legacySchemaObjects && Array.isArray(t['fk_info']) && (t['fk_info'] as unknown[]).length > 0) warnings.push('foreign keys are not recreated');
  if (opts.legacySchemaObjects && Array.isArray(t['constraint_info']) && (t['constraint_info'] as unknown[]).length > 0) warnings.push('check constraints are not recreated');
  if (t['policy_ref_info'] && !opts.placementRecreated) warnings.push('the placement policy is not applied');
  if (opts.legacySchemaObjects && t['ttl_info']) warnings.push('the TTL option is not recreated');
  return { reproducible: true, statements, expectedColumnIds: byId.map((c) => ({ name: c.name.O, id: c.id })), warnings };
}
