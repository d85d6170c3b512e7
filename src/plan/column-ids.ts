import { createAutoIdBases } from './auto-ids';
import { bitDefaultLiteral, columnDefinition, createTableSql, indexDefinition, isGenerated, quoteIdent, quoteString } from './create-sql';
import type { ColumnInfo, IndexInfo, TableInfo } from './table-info';
import { MysqlFlag, MysqlType } from './table-info';
import { isVectorIndex } from './schema-objects';
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
 * 3. an expression index's hidden column (`_V$_<index>_<n>`, multi-valued indexes too) gets its ID from the
 *    index: the CREATE numbers those of its indexes after all its columns, an ADD INDEX takes max_col_id + 1.
 *    So the CREATE holds the columns below the first added or hidden one, and each later expression index is
 *    added when the column IDs reach its hidden ones (checked against TiDB v8.5.3:
 *    test/integration/real-parts/indexes-partitions-real-tidb.test.ts);
 * 4. indexes over added columns are added after them; placeholders are dropped;
 * 5. defaults of re-added columns are set back to the current default;
 * 6. `MODIFY COLUMN … FIRST/AFTER` restores the order of the visible columns (a move keeps the ID when the
 *    type is unchanged).
 *
 * Index IDs (max_idx_id + 1 each) are kept too, placeholder indexes taking the IDs of dropped ones; where that
 * cannot be done they come out different, which costs nothing: rewrite rules map indexes by name. A table whose
 * column layout cannot be reproduced comes back with a reason, and the restore refuses it rather than restoring
 * rows that would read back wrong.
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
      /**
       * The CREATE carries the auto ID bases (plan/auto-ids.ts createAutoIdBases): a table made by it needs no
       * rebase afterwards. Absent in plans made before (their tables are rebased by ALTER TABLE).
       */
      autoIdsInCreate?: true;
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

/** The hidden column TiDB adds for key part `position` of expression index `index`: `_V$_<index>_<position>`. */
function hiddenColumnName(index: string, position: number): string {
  return `_V$_${index}_${position}`.toLowerCase();
}

/** An index whose key parts include an expression (a hidden virtual column), multi-valued indexes too. */
interface ExpressionIndex {
  index: IndexInfo;
  /** Its hidden columns' IDs, in key-part order: TiDB allocates them in that order when it creates the index. */
  hiddenIds: number[];
  /** IDs of the ordinary columns it covers. */
  columnIds: number[];
}

/**
 * Each index's hidden and ordinary column IDs, or why a hidden column cannot be recreated: it belongs to no public
 * index, or its name is not the one TiDB gives it now (the index was renamed since), so a new one would differ.
 */
function indexColumns(t: TableInfo, indexes: IndexInfo[]): Map<IndexInfo, ExpressionIndex> | string {
  const byName = new Map(t.cols.map((c) => [c.name.L, c]));
  const out = new Map<IndexInfo, ExpressionIndex>();
  const owned = new Set<number>();
  for (const index of indexes) {
    const entry: ExpressionIndex = { index, hiddenIds: [], columnIds: [] };
    for (const [position, ic] of index.idx_cols.entries()) {
      const c = byName.get(ic.name.L);
      if (!c) return `index \`${index.idx_name.O}\` covers \`${ic.name.O}\`, which is not a column of the table`;
      if (!c.hidden) {
        entry.columnIds.push(c.id);
        continue;
      }
      if (c.name.L !== hiddenColumnName(index.idx_name.O, position)) {
        return `the hidden column \`${c.name.O}\` of expression index \`${index.idx_name.O}\` is not named as TiDB names it now (\`${hiddenColumnName(index.idx_name.O, position)}\`; was the index renamed?), so recreating the index would not give back its column`;
      }
      entry.hiddenIds.push(c.id);
      owned.add(c.id);
    }
    out.set(index, entry);
  }
  const orphan = t.cols.find((c) => c.hidden && !owned.has(c.id));
  if (orphan) return `hidden column \`${orphan.name.O}\` belongs to no public index`;
  return out;
}


/** Options of planColumnLayout, both for plans of restores recorded before a change (their content hash must hold). */
export interface ColumnLayoutOptions {
  /** Foreign keys, CHECKs and TTL left out with a warning (restore-plan.ts PlanOptions.legacySchemaObjects). */
  legacySchemaObjects?: boolean;
  /** Partitioning written as before (create-sql.ts PartitionText 'legacy'). */
  legacyPartitionText?: boolean;
  /** Index IDs left as they come (no placeholder indexes for the gaps dropped indexes left). */
  legacyIndexIds?: boolean;
  /** The plan recreates placement (strict mode): a table's policy reference is no reason to warn. */
  placementRecreated?: boolean;
  /**
   * A vector index makes the table unrestorable, as before vector indexes were schema objects (restore-plan.ts
   * PlanOptions.legacyVectorIndexes). Otherwise the table is created without them: the plan refuses them as
   * objects unless the input skips `vectorIndexes` (schema-objects.ts).
   */
  legacyVectorIndexes?: boolean;
  /** The CREATE TABLE sets the auto ID bases (AUTO_INCREMENT, AUTO_RANDOM_BASE) instead of ALTERs after it. */
  autoIdsInCreate?: boolean;
}

/** TiDB's default `index-limit`: placeholder indexes and the table's own must fit within it at any moment. */
export const TIDB_INDEX_LIMIT = 64;

const indexPlaceholderName = (id: number): string => `__brflow_idx_${id}`;

const PREFIXED_TYPES: ReadonlySet<number> = new Set([
  MysqlType.Varchar, MysqlType.VarString, MysqlType.String, MysqlType.TinyBlob, MysqlType.Blob, MysqlType.MediumBlob, MysqlType.LongBlob,
]);
const UNINDEXABLE_TYPES: ReadonlySet<number> = new Set([MysqlType.JSON, MysqlType.TiDBVectorFloat32, 255]);

/**
 * A column the CREATE TABLE makes that a placeholder index can cover (string types by a 1-character prefix, so
 * no length limit applies), or undefined when there is none: then index IDs are not pinned.
 */
function placeholderIndexColumn(createIds: number[], real: Map<number, ColumnInfo>): { col: ColumnInfo; prefix: boolean } | undefined {
  for (const id of createIds) {
    const c = real.get(id);
    if (!c || c.hidden || isGenerated(c) || UNINDEXABLE_TYPES.has(c.type.Tp)) continue;
    return { col: c, prefix: PREFIXED_TYPES.has(c.type.Tp) };
  }
  return undefined;
}

export function planColumnLayout(t: TableInfo, opts: ColumnLayoutOptions = {}): ColumnLayoutPlan {
  const name = quoteIdent(t.name.O);
  if (t.view) return refuse('it is a view; brflow restores tables only');
  if (t.sequence) return refuse('it is a sequence; brflow restores tables only');
  const bad = t.cols.find((c) => c.state !== STATE_PUBLIC);
  if (bad) return refuse(`column \`${bad.name.O}\` was in the middle of a schema change (state ${bad.state}) when the backup was taken`);
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
  // TiDB v8.5 builds a vector index only on a table with a TiFlash replica (unistore refuses it: 8200). Left out, its
  // ID is a gap like a dropped index's, which a placeholder index takes so the others keep theirs.
  if (publicIndexes(t).some((i) => i.idx_name.L.startsWith('__brflow_idx_'))) return refuse('an index name starts with __brflow_idx_, the prefix brflow uses for placeholder indexes');
  const vector = opts.legacyVectorIndexes ? publicIndexes(t).find(isVectorIndex) : undefined;
  const indexes = publicIndexes(t).filter((i) => !isVectorIndex(i));
  if (vector) {
    return refuse(`vector index \`${vector.idx_name.O}\` needs a TiFlash replica of the table before TiDB builds it, which brflow cannot give a table it is creating; recreate the index after the restore (ALTER TABLE … SET TIFLASH REPLICA, then ADD VECTOR INDEX)`);
  }
  const keyParts = indexColumns(t, indexes);
  if (typeof keyParts === 'string') return refuse(keyParts);

  // The CREATE TABLE numbers its columns 1..K, then the hidden columns of its expression indexes K+1.., in
  // statement order; so it holds the columns below the first one added later (with an origin default) or hidden.
  const real = new Map(byId.map((c) => [c.id, c]));
  const firstLater = byId.find((c) => c.hidden || (c.origin_default !== null && c.origin_default !== undefined))?.id ?? maxId + 1;
  const createIds: number[] = [];
  for (let id = 1; id < firstLater; id++) createIds.push(id);
  const created = new Set(createIds);
  let nextId = firstLater;
  const inCreate: IndexInfo[] = [];
  // A clustered primary key can only be made by the CREATE.
  const clusteredPk = (i: IndexInfo) => isPrimaryIndex(i) && (t.pk_is_handle || t.is_common_handle);
  // The CREATE holds every index it can make with the backup's column IDs (as brflow always did for indexes
  // without expressions, so their plans are unchanged); the others are added once their columns exist.
  for (const i of indexes) {
    const k = keyParts.get(i)!;
    const fits = k.columnIds.every((id) => created.has(id)) && k.hiddenIds.every((id, n) => id === nextId + n);
    if (!fits) continue;
    inCreate.push(i);
    nextId += k.hiddenIds.length;
  }
  const laterIndexes = indexes.filter((i) => !inCreate.includes(i));
  if (laterIndexes.some(clusteredPk)) return refuse('its clustered primary key covers a column added after table creation');

  const addedReal = byId.filter((c) => c.id >= nextId && !c.hidden);
  const autoInc = addedReal.find((c) => c.type.Flag & MysqlFlag.AutoIncrement);
  if (autoInc) return refuse(`auto_increment column \`${autoInc.name.O}\` was added after table creation; TiDB cannot ADD an auto_increment column`);
  if (t.pk_is_handle && addedReal.some((c) => c.type.Flag & MysqlFlag.PriKey)) return refuse('its clustered primary key column was added after table creation');
  const stored = addedReal.find((c) => isGenerated(c) && c.generated_stored === true);
  if (stored) return refuse(`stored generated column \`${stored.name.O}\` has a column ID only ALTER TABLE … ADD COLUMN can give, and TiDB cannot add a stored generated column`);

  // Index IDs: TiDB gives each new index max_idx_id + 1, in the CREATE's order and then the ALTERs'. Where the
  // backup's next index has a higher ID (indexes were dropped before it), placeholder indexes take the IDs in
  // between and are dropped at the end. Index keys carry the ID, but the rewrite rules map indexes by name, so this
  // is for the restored table to be the backup's in every ID, not for the data.
  const pinOn = opts.legacyIndexIds ? undefined : placeholderIndexColumn(createIds, real);
  const indexPlaceholders: string[] = [];
  let nextIndexId = 1;
  const gapBefore = (i: IndexInfo): IndexInfo[] => {
    const gap = i.id - nextIndexId;
    if (!pinOn || gap <= 0 || indexes.length + indexPlaceholders.length + gap > TIDB_INDEX_LIMIT) {
      nextIndexId += 1;
      return [];
    }
    const out: IndexInfo[] = [];
    for (let id = nextIndexId; id < i.id; id++) {
      const n = indexPlaceholderName(id);
      indexPlaceholders.push(n);
      out.push({ id, idx_name: { O: n, L: n }, idx_cols: [{ name: pinOn.col.name, offset: pinOn.col.offset, length: pinOn.prefix ? 1 : -1 }], is_unique: false, is_primary: false, state: STATE_PUBLIC });
    }
    nextIndexId = i.id + 1;
    return out;
  };

  const statements: string[] = [];
  const createTable: TableInfo = { ...t, index_info: inCreate.flatMap((i) => [...gapBefore(i), i]) };
  statements.push(createTableSql(createTable, { columns: createIds.map((id) => ({ col: real.get(id) ?? placeholder(id) })), partitionText: opts.legacyPartitionText ? 'legacy' : 'to-write', ...(opts.autoIdsInCreate ? createAutoIdBases(t) : {}) }));
  const exists = new Set(createIds.filter((id) => id < nextId));
  for (let id = firstLater; id < nextId; id++) exists.add(id);
  const pending = [...laterIndexes];
  const addIndex = (i: IndexInfo) => {
    for (const p of gapBefore(i)) statements.push(`ALTER TABLE ${name} ADD ${indexDefinition(t, p)}`);
    statements.push(`ALTER TABLE ${name} ADD ${indexDefinition(t, i)}`);
    for (const id of keyParts.get(i)!.hiddenIds) exists.add(id);
    pending.splice(pending.indexOf(i), 1);
  };
  // Indexes before `upTo` in index order whose columns all exist and that add no hidden column: added now, so
  // the order (and the IDs) of the indexes comes out as in the backup.
  const addReadyBefore = (upTo: number) => {
    for (const i of pending.slice(0, upTo)) {
      const k = keyParts.get(i)!;
      if (k.hiddenIds.length === 0 && k.columnIds.every((id) => exists.has(id))) addIndex(i);
    }
  };
  for (let id = nextId; id <= maxId; id++) {
    if (exists.has(id)) continue;
    const c = real.get(id);
    if (c?.hidden) {
      const owner = pending.find((i) => keyParts.get(i)!.hiddenIds.includes(id))!;
      const k = keyParts.get(owner)!;
      if (!k.hiddenIds.every((h, n) => h === id + n) || !k.columnIds.every((x) => exists.has(x))) {
        return refuse(`expression index \`${owner.idx_name.O}\` has hidden column IDs ${k.hiddenIds.join(', ')}, which adding the index cannot give back`);
      }
      addReadyBefore(pending.indexOf(owner));
      addIndex(owner);
      continue;
    }
    exists.add(id);
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
  while (pending.length > 0) addIndex(pending[0]!);
  for (const n of indexPlaceholders) statements.push(`ALTER TABLE ${name} DROP INDEX ${quoteIdent(n)}`);
  for (let id = 1; id <= maxId; id++) if (!real.has(id)) statements.push(`ALTER TABLE ${name} DROP COLUMN ${quoteIdent(placeholderName(id))}`);
  for (const c of addedReal) {
    // A generated column has no default to set or drop.
    if (addedWithoutDefault(c) || isGenerated(c)) continue;
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

  // Column order: now ID order; the backup's order is by offset. Hidden columns are left where TiDB put them:
  // only the order of the visible ones shows (SHOW CREATE TABLE, SELECT *), and row values are keyed by ID.
  const current = byId.filter((c) => !c.hidden).map((c) => c.name.O);
  const target = [...t.cols].filter((c) => !c.hidden).sort((a, b) => a.offset - b.offset);
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
  return { reproducible: true, statements, expectedColumnIds: byId.map((c) => ({ name: c.name.O, id: c.id })), warnings, ...(opts.autoIdsInCreate ? { autoIdsInCreate: true as const } : {}) };
}
