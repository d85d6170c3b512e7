import type { Datum, DateTimeParts, JsonValue } from './datum';
import { intDatum, NULL_DATUM, stringDatum, uintDatum } from './datum';
import type { Prng } from './prng';
import { MysqlFlag } from '../../plan/table-info';
import { type ColumnSpec, ColumnTypes, type TableSpec } from './schema-builder';

/**
 * The tables make-backup writes. The first eight are fixed and between them cover every feature a restore
 * must handle (see `features`); more are clones of the first pattern. Names include reserved words and
 * non-ASCII text on purpose.
 */
export interface GenColumn extends ColumnSpec {
  /** Value of row `n` (0-based) of `total` rows. */
  gen: (rng: Prng, n: number, total: number) => Datum;
}

export interface GenTable {
  db: string;
  spec: Omit<TableSpec, 'columns'> & { columns: GenColumn[] };
  /** Rows to generate, given the requested rows per table. */
  rowCount: (rowsPerTable: number) => number;
  features: string[];
}

export const SHOP_DB = 'shop';
export const UNICODE_DB = 'café_数据';

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const UNICODE_TEXT = 'aäöüßéèñçøå日本語中文한국어Ωπλ😀🚀';

function text(rng: Prng, min: number, max: number, alphabet = ALNUM): string {
  return rng.string(rng.int(min, max), alphabet);
}

function bytes(rng: Prng, min: number, max: number): Datum {
  const n = rng.int(min, max);
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = rng.int(0, 255);
  return { kind: 'bytes', value: b };
}

/** Dates within 2023, to the second (with microseconds on some). */
function datetime(rng: Prng): Datum {
  const v: DateTimeParts = {
    year: 2023, month: rng.int(1, 12), day: rng.int(1, 28), hour: rng.int(0, 23), minute: rng.int(0, 59), second: rng.int(0, 59), microsecond: 0,
  };
  return { kind: 'datetime', value: v };
}

function decimal(rng: Prng, intDigits: number, frac: number): Datum {
  const neg = rng.chance(0.2) ? '-' : '';
  const i = String(rng.int(0, 10 ** Math.min(intDigits, 9) - 1));
  const f = frac === 0 ? '' : `.${String(rng.int(0, 10 ** frac - 1)).padStart(frac, '0')}`;
  return { kind: 'decimal', value: `${neg}${i}${f}`, precision: intDigits + frac, frac };
}

function json(rng: Prng, n: number): Datum {
  const v: JsonValue = { id: n, tags: [text(rng, 1, 6), text(rng, 1, 6)], ok: rng.chance(0.5), score: rng.int(-1000, 1000), note: rng.chance(0.3) ? null : 'ünï' };
  return { kind: 'json', value: v };
}

const nullable = (rng: Prng, d: () => Datum): Datum => (rng.chance(0.1) ? NULL_DATUM : d());

function orderTable(name: string): GenTable['spec'] {
  return {
    name, handle: 'int-pk',
    columns: [
      { name: 'id', type: ColumnTypes.int(), gen: (_r, n) => intDatum(n + 1) },
      // `select` is a reserved word: every statement must quote it.
      { name: 'select', type: ColumnTypes.varchar(64), notNull: true, gen: (r, n) => stringDatum(`sel-${n}-${text(r, 3, 20)}`) },
      { name: 'amount', type: ColumnTypes.decimal(12, 2), gen: (r) => nullable(r, () => decimal(r, 10, 2)) },
      { name: 'created', type: ColumnTypes.datetime(), gen: (r) => datetime(r) },
      { name: 'note', type: ColumnTypes.json(), gen: (r, n) => json(r, n) },
    ],
    indexes: [
      { name: 'PRIMARY', columns: ['id'], primary: true },
      { name: 'uk_select', columns: ['select'], unique: true },
      { name: 'idx_created', columns: ['created'] },
    ],
  };
}

/** `metrics` ids are spread over 0..8000 rather than sequential. */
const METRICS_ID_SPREAD = 8000;

const FIXED: GenTable[] = [
  { db: SHOP_DB, spec: orderTable('order'), rowCount: (r) => r, features: ['reserved-word names', 'int primary key as handle', 'unique varchar index', 'decimal/datetime/json columns'] },
  {
    db: SHOP_DB, rowCount: (r) => r, features: ['clustered (common handle) primary key', 'values over 255 bytes (default CF)', 'blob column'],
    spec: {
      name: 'customer', handle: 'clustered',
      columns: [
        { name: 'name', type: ColumnTypes.varchar(32), gen: (r, n) => stringDatum(`cust-${String(n).padStart(6, '0')}-${text(r, 1, 8)}`) },
        { name: 'region', type: ColumnTypes.int(), gen: (r) => intDatum(r.int(1, 9)) },
        { name: 'email', type: ColumnTypes.varchar(128), gen: (r, n) => stringDatum(`user${n}@example.test`) },
        { name: 'age', type: ColumnTypes.int(), gen: (r) => nullable(r, () => intDatum(r.int(18, 90))) },
        // Every third avatar is large, so its row value goes to the default CF.
        { name: 'avatar', type: ColumnTypes.blob(), gen: (r, n) => (n % 3 === 0 ? bytes(r, 300, 900) : bytes(r, 0, 40)) },
      ],
      indexes: [
        { name: 'PRIMARY', columns: ['name', 'region'], primary: true },
        { name: 'uk_email', columns: ['email'], unique: true },
        { name: 'idx_age', columns: ['age'] },
      ],
    },
  },
  {
    db: SHOP_DB, rowCount: (r) => r, features: ['non-clustered primary key (_tidb_rowid handle)', 'non-unique varchar index', 'text column'],
    spec: {
      name: 'event_log', handle: 'rowid',
      columns: [
        { name: 'id', type: ColumnTypes.bigint(), gen: (_r, n) => intDatum(1_000_000 + n) },
        { name: 'kind', type: ColumnTypes.varchar(16), gen: (r) => stringDatum(r.pick(['click', 'view', 'buy', 'leave'])) },
        { name: 'payload', type: ColumnTypes.text(), gen: (r) => stringDatum(text(r, 0, 120)) },
      ],
      indexes: [
        { name: 'PRIMARY', columns: ['id'], primary: true },
        { name: 'idx_kind', columns: ['kind'] },
      ],
    },
  },
  {
    db: SHOP_DB, rowCount: (r) => r, features: ['range partitions'],
    spec: {
      name: 'metrics', handle: 'int-pk', partition: { kind: 'range', column: 'id', lessThan: ['1000', '5000', 'MAXVALUE'] },
      columns: [
        // Spread ids over 0..8000 so every partition gets rows.
        { name: 'id', type: ColumnTypes.int(), gen: (_r, n, total) => intDatum(total <= METRICS_ID_SPREAD ? Math.floor((n * METRICS_ID_SPREAD) / total) : n) },
        { name: 'val', type: ColumnTypes.decimal(10, 3), gen: (r) => decimal(r, 7, 3) },
        { name: 'ts', type: ColumnTypes.datetime(), gen: (r) => datetime(r) },
      ],
      indexes: [{ name: 'PRIMARY', columns: ['id'], primary: true }, { name: 'idx_ts', columns: ['ts'] }],
    },
  },
  {
    db: SHOP_DB, rowCount: (r) => r, features: ['hash partitions'],
    spec: {
      name: 'sessions', handle: 'int-pk', partition: { kind: 'hash', column: 'id', count: 4 },
      columns: [
        { name: 'id', type: ColumnTypes.int(), gen: (_r, n) => intDatum(n + 1) },
        { name: 'token', type: ColumnTypes.varchar(64), gen: (r) => stringDatum(text(r, 16, 32)) },
        { name: 'hits', type: ColumnTypes.bigint(true), gen: (r) => uintDatum(r.nextU32()) },
      ],
      indexes: [{ name: 'PRIMARY', columns: ['id'], primary: true }, { name: 'idx_token', columns: ['token'] }],
    },
  },
  {
    db: SHOP_DB, rowCount: () => 0, features: ['empty table'],
    spec: {
      name: 'empty_table', handle: 'int-pk',
      columns: [{ name: 'id', type: ColumnTypes.int(), gen: (_r, n) => intDatum(n + 1) }, { name: 'name', type: ColumnTypes.varchar(10), gen: () => stringDatum('') }],
      indexes: [{ name: 'PRIMARY', columns: ['id'], primary: true }],
    },
  },
  {
    db: UNICODE_DB, rowCount: (r) => r, features: ['non-ASCII database, table and column names', 'unicode values'],
    spec: {
      name: '顧客_ñ', handle: 'int-pk',
      columns: [
        { name: 'ключ', type: ColumnTypes.int(), gen: (_r, n) => intDatum(n + 1) },
        { name: '名前', type: ColumnTypes.varchar(50), gen: (r) => stringDatum(text(r, 1, 20, UNICODE_TEXT)) },
        { name: 'emoji', type: ColumnTypes.varchar(20), gen: (r) => nullable(r, () => stringDatum(text(r, 1, 5, '😀🚀🎉✨'))) },
      ],
      indexes: [{ name: 'PRIMARY', columns: ['ключ'], primary: true }, { name: 'idx_名前', columns: ['名前'] }],
    },
  },
  {
    db: SHOP_DB, rowCount: (r) => r, features: ['long text values (default CF)'],
    spec: {
      name: 'documents', handle: 'int-pk',
      columns: [
        { name: 'id', type: ColumnTypes.int(), gen: (_r, n) => intDatum(n + 1) },
        { name: 'title', type: ColumnTypes.varchar(100), gen: (r) => stringDatum(text(r, 5, 40)) },
        { name: 'body', type: ColumnTypes.text(), gen: (r) => stringDatum(text(r, 200, 1500, `${ALNUM} `)) },
      ],
      indexes: [{ name: 'PRIMARY', columns: ['id'], primary: true }],
    },
  },
];


/**
 * Tables a backup gets only when asked (make-backup `extraTables`), so every other generated backup stays as it
 * was. Their TableInfo is what TiDB v8.5.3 records for the same CREATE TABLE (checked against the real server in
 * test/integration/real-parts/generated-tables-real-tidb.test.ts).
 */
export type ExtraTableKind = 'expression-index' | 'list-columns';

/** Deterministic in the row number, so the expression index's value can be computed from it too. */
const gadgetPrice = (n: number): number => (n * 37) % 1000;

const EXTRA: Record<ExtraTableKind, GenTable> = {
  // CREATE TABLE gadgets (id int PRIMARY KEY, name varchar(32), price int, KEY idx_price_x2 ((price * 2)))
  'expression-index': {
    db: SHOP_DB, rowCount: (r) => r, features: ['expression index (hidden virtual column)'],
    spec: {
      name: 'gadgets', handle: 'int-pk',
      columns: [
        { name: 'id', type: ColumnTypes.int(), gen: (_r, n) => intDatum(n + 1) },
        { name: 'name', type: ColumnTypes.varchar(32), gen: (r, n) => stringDatum(`gadget-${n}-${text(r, 1, 8)}`) },
        { name: 'price', type: ColumnTypes.int(), gen: (_r, n) => intDatum(gadgetPrice(n)) },
        // TiDB types integer arithmetic BIGINT with the binary flag; the index key holds the computed value.
        {
          name: '_V$_idx_price_x2_0', type: { ...ColumnTypes.bigint(), Flag: MysqlFlag.Binary }, expression: { text: '`price` * 2', columns: ['price'] },
          gen: (_r, n) => intDatum(gadgetPrice(n) * 2),
        },
      ],
      indexes: [{ name: 'PRIMARY', columns: ['id'], primary: true }, { name: 'idx_price_x2', columns: ['_V$_idx_price_x2_0'] }],
    },
  },
  // CREATE TABLE regions_list (id bigint, region varchar(8), qty int, KEY idx_region (region)) PARTITION BY LIST COLUMNS (region)
  //   (PARTITION p_eu VALUES IN ('eu', 'uk'), PARTITION p_us VALUES IN ('us'), PARTITION p_other DEFAULT)
  'list-columns': {
    db: SHOP_DB, rowCount: (r) => r, features: ['list columns partitions with a DEFAULT partition'],
    spec: {
      name: 'regions_list', handle: 'rowid',
      partition: { kind: 'list-columns', column: 'region', lists: [{ name: 'p_eu', values: ['eu', 'uk'] }, { name: 'p_us', values: ['us'] }, { name: 'p_other', values: 'DEFAULT' }] },
      columns: [
        { name: 'id', type: ColumnTypes.bigint(), gen: (_r, n) => intDatum(n + 1) },
        // 'jp' and 'br' land in the DEFAULT partition.
        { name: 'region', type: ColumnTypes.varchar(8), gen: (r) => stringDatum(r.pick(['eu', 'uk', 'us', 'jp', 'br'])) },
        { name: 'qty', type: ColumnTypes.int(), gen: (r) => intDatum(r.int(0, 99)) },
      ],
      indexes: [{ name: 'idx_region', columns: ['region'] }],
    },
  },
};

/** The extra tables of `kinds`, in the order given. */
export function extraTables(kinds: readonly ExtraTableKind[]): GenTable[] {
  return kinds.map((k) => EXTRA[k]);
}

/** The first `count` tables of the catalog (clones of `order` past the fixed ones). */
export function catalogTables(count: number): GenTable[] {
  const out: GenTable[] = FIXED.slice(0, count);
  for (let i = FIXED.length; i < count; i++) {
    out.push({ db: SHOP_DB, spec: orderTable(`order_${i}`), rowCount: (r) => r, features: ['bulk table'] });
  }
  return out;
}
