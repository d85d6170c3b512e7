import { concatBytes, encodeUint64BE, indexPrefix, recordPrefix } from '../../plan/keys';
import type { ColumnInfo, IndexInfo, TableInfo } from '../../plan/table-info';
import { MysqlFlag, MysqlType } from '../../plan/table-info';
import { isPrimaryIndex, isUniqueIndex, publicIndexes } from '../../plan/table-info-read';
import { type Datum, uintDatum } from './datum';
import { encodeKeyDatum, encodeKeyDatums, tailSpaceCount } from './datum-key-codec';
import { encodeRowV2, type RowColumn } from './row-v2';

/**
 * Turns one table row into the KV pairs TiDB writes for it (tablecodec + tables.AddRecord / index.Create):
 * the record key and row-format-v2 value, and one key/value per public index. Assumes new collations are
 * enabled (backupmeta new_collations_enabled = "True", TiDB's default since v6.0).
 */
export interface RawKv {
  key: Uint8Array;
  value: Uint8Array;
}

/** A row: one datum per column, in column offset order. `rowId` is the _tidb_rowid for tables without an int/clustered key. */
export interface TableRow {
  datums: Datum[];
  rowId?: bigint;
}

const INDEX_VERSION_FLAG = 125;
const COMMON_HANDLE_FLAG = 127;
const INDEX_VALUE_MIN_LEN = 10;
const OLD_NON_UNIQUE_VALUE = new Uint8Array([0x30]); // '0'

const STRING_TYPES: ReadonlySet<number> = new Set([
  MysqlType.Varchar, MysqlType.VarString, MysqlType.String, MysqlType.TinyBlob, MysqlType.MediumBlob, MysqlType.LongBlob, MysqlType.Blob,
]);
const BIN_COLLATIONS = new Set(['binary', 'utf8mb4_bin', 'utf8_bin', 'latin1_bin', 'ascii_bin', 'gbk_bin']);

/** types.NeedRestoredData: the key holds only a sort key, so the index value must keep what restores the string. */
export function needRestoredData(col: ColumnInfo): boolean {
  const ft = col.type;
  const isVarchar = ft.Tp === MysqlType.Varchar || ft.Tp === MysqlType.VarString;
  return STRING_TYPES.has(ft.Tp) && ft.Collate !== 'binary' && ft.Collate !== 'utf8mb4_0900_bin' && (!BIN_COLLATIONS.has(ft.Collate) || isVarchar);
}

function isBinCollation(col: ColumnInfo): boolean {
  return BIN_COLLATIONS.has(col.type.Collate);
}

/** The int primary key column when the table uses it as the handle. */
function pkHandleColumn(t: TableInfo): ColumnInfo | undefined {
  return t.pk_is_handle ? t.cols.find((c) => (c.type.Flag & MysqlFlag.PriKey) !== 0) : undefined;
}

function primaryIndex(t: TableInfo): IndexInfo | undefined {
  return (t.index_info ?? []).find(isPrimaryIndex);
}

/** The handle of a row: an int (int-pk or _tidb_rowid) or the encoded common handle. */
export type Handle = { kind: 'int'; value: bigint } | { kind: 'common'; encoded: Uint8Array };

export function rowHandle(t: TableInfo, row: TableRow): Handle {
  const pk = pkHandleColumn(t);
  if (pk) {
    const d = row.datums[pk.offset];
    if (d?.kind !== 'int') throw new Error(`table ${t.name.O}: int primary key ${pk.name.O} has a ${d?.kind} value`);
    return { kind: 'int', value: d.value };
  }
  if (t.is_common_handle) {
    const pkIdx = primaryIndex(t);
    if (!pkIdx) throw new Error(`table ${t.name.O}: clustered table without PRIMARY index`);
    return { kind: 'common', encoded: encodeKeyDatums(pkIdx.idx_cols.map((c) => row.datums[c.offset]!)) };
  }
  if (row.rowId === undefined) throw new Error(`table ${t.name.O}: row without _tidb_rowid`);
  return { kind: 'int', value: row.rowId };
}

export function recordKeyOf(physicalId: number, h: Handle): Uint8Array {
  const handleBytes = h.kind === 'int' ? encodeKeyDatum({ kind: 'int', value: h.value }).subarray(1) : h.encoded;
  return concatBytes(recordPrefix(physicalId), handleBytes);
}

/** A virtual generated column (an expression index's hidden one too): computed on read, never stored in the row. */
function isVirtual(c: ColumnInfo): boolean {
  return typeof c.generated_expr_string === 'string' && c.generated_expr_string !== '' && c.generated_stored !== true;
}

/** The row value: every column except an int primary key that is the handle and virtual generated columns. */
export function encodeRecordValue(t: TableInfo, row: TableRow): Uint8Array {
  const pk = pkHandleColumn(t);
  const cols: RowColumn[] = t.cols.filter((c) => c !== pk && !isVirtual(c)).map((c) => ({ id: c.id, datum: row.datums[c.offset]! }));
  return encodeRowV2(cols);
}

function intHandleBytes(v: bigint): Uint8Array {
  // EncodeHandleInUniqueIndexValue: plain big-endian two's complement, not the sign-flipped key form.
  return encodeUint64BE(BigInt.asUintN(64, v));
}

/** Index key and value of one row for one index (tablecodec GenIndexKey / GenIndexValuePortal). */
export function indexKv(t: TableInfo, physicalId: number, idx: IndexInfo, row: TableRow, h: Handle): RawKv {
  const cols = idx.idx_cols.map((c) => t.cols[c.offset]!);
  const values = idx.idx_cols.map((c) => row.datums[c.offset]!);
  const distinct = isUniqueIndex(idx) && values.every((v) => v.kind !== 'null');
  let key = concatBytes(indexPrefix(physicalId, idx.id), encodeKeyDatums(values));
  if (!distinct) key = concatBytes(key, h.kind === 'int' ? encodeKeyDatum({ kind: 'int', value: h.value }) : h.encoded);
  const idxNeedsRestore = cols.some(needRestoredData);

  if (t.is_common_handle && t.common_handle_version === 1) {
    if (h.kind !== 'common') throw new Error('clustered table with an int handle');
    const parts: Uint8Array[] = [new Uint8Array([0, INDEX_VERSION_FLAG, 1])];
    if (distinct) parts.push(new Uint8Array([COMMON_HANDLE_FLAG, h.encoded.length >> 8, h.encoded.length & 0xff]), h.encoded);
    const restored: RowColumn[] = [];
    cols.forEach((c, i) => {
      // Primary key columns are restored from the handle's restored data below.
      if ((c.type.Flag & MysqlFlag.PriKey) !== 0 || !needRestoredData(c)) return;
      const v = values[i]!;
      restored.push({ id: c.id, datum: isBinCollation(c) && v.kind === 'string' ? uintDatum(tailSpaceCount(v.value)) : v });
    });
    const handleRestored: RowColumn[] = [];
    for (const pc of primaryIndex(t)?.idx_cols ?? []) {
      const c = t.cols[pc.offset]!;
      if (!needRestoredData(c)) continue;
      const v = row.datums[c.offset]!;
      handleRestored.push({ id: c.id, datum: isBinCollation(c) && v.kind === 'string' ? uintDatum(tailSpaceCount(v.value)) : v });
    }
    if (idxNeedsRestore || handleRestored.length > 0) parts.push(encodeRowV2([...restored, ...handleRestored]));
    return { key, value: concatBytes(...parts) };
  }

  if (!idxNeedsRestore) {
    return { key, value: distinct && h.kind === 'int' ? intHandleBytes(h.value) : OLD_NON_UNIQUE_VALUE };
  }
  // Version 0 with restored data: tail length, the full index values in row format, then the int handle of
  // a unique index or zero padding up to 10 bytes (so the value is never mistaken for the old encoding).
  const restoredValue = encodeRowV2(cols.map((c, i) => ({ id: c.id, datum: values[i]! })));
  let value = concatBytes(new Uint8Array([0]), restoredValue);
  let tail = 0;
  if (distinct && h.kind === 'int') {
    value = concatBytes(value, intHandleBytes(h.value));
    tail = 8;
  } else if (value.length < INDEX_VALUE_MIN_LEN) {
    tail = INDEX_VALUE_MIN_LEN - value.length;
    value = concatBytes(value, new Uint8Array(tail));
  }
  value[0] = tail;
  return { key, value };
}

/** Every KV of a row: the record, then one entry per public index (the clustered PRIMARY is the record itself). */
export function rowKvs(t: TableInfo, physicalId: number, row: TableRow): RawKv[] {
  const h = rowHandle(t, row);
  const out: RawKv[] = [{ key: recordKeyOf(physicalId, h), value: encodeRecordValue(t, row) }];
  for (const idx of publicIndexes(t)) {
    if (isPrimaryIndex(idx) && (t.is_common_handle || t.pk_is_handle)) continue;
    out.push(indexKv(t, physicalId, idx, row, h));
  }
  return out;
}
