import { concatBytes, encodeInt64Cmp, encodeUint64BE, indexPrefix, recordKey, toHex } from '../../../../src/plan/keys';
import type { TableInfo } from '../../../../src/plan/table-info';
import { intDatum, NULL_DATUM, stringDatum } from '../../../../src/backup/generator/datum';
import { encodeKeyDatums } from '../../../../src/backup/generator/datum-key-codec';
import { decodeCompactInt, decodeCompactUint, decodeRowV2 } from '../../../../src/backup/generator/row-v2';
import { buildTableInfo, ColumnTypes, type TableSpec } from '../../../../src/backup/generator/schema-builder';
import { indexKv, rowHandle, rowKvs } from '../../../../src/backup/generator/table-kv';
import { generateDataset } from '../../../../src/backup/generator/dataset';

const TS = 446711007805440000n;
const spec = (handle: TableSpec['handle'], pk: string[]): TableSpec => ({
  name: 't', handle,
  columns: [
    { name: 'id', type: ColumnTypes.int() },
    { name: 'name', type: ColumnTypes.varchar(20) },
    { name: 'n', type: ColumnTypes.int() },
  ],
  indexes: [
    { name: 'PRIMARY', columns: pk, primary: true },
    { name: 'uk_n', columns: ['n'], unique: true },
    { name: 'idx_n', columns: ['n'] },
    { name: 'uk_name', columns: ['name'], unique: true },
  ],
});
const info = (s: TableSpec): TableInfo => buildTableInfo(s, { id: 100, partitionIds: [] }, TS);
const idx = (t: TableInfo, name: string) => t.index_info!.find((i) => i.idx_name.O === name)!;
const row = { datums: [intDatum(7), stringDatum('bob  '), intDatum(-3)], rowId: 42n };

describe('TableInfo JSON', () => {
  test('int-pk tables list no PRIMARY index, use TiDB tag names and flag the key column', () => {
    const t = info(spec('int-pk', ['id']));
    expect(t.pk_is_handle).toBe(true);
    expect(t.index_info!.map((i) => i.idx_name.O)).toEqual(['uk_n', 'idx_n', 'uk_name']);
    expect(t.index_info![0]).toMatchObject({ id: 1, is_unique: true, is_primary: false, state: 5 });
    expect(t.index_info![0]).not.toHaveProperty('unique');
    expect(t.cols[0]!.type.Flag & 3).toBe(3); // NotNull | PriKey
  });
  test('auto_inc_id is the next global auto ID: past the last 30000-ID batch for _tidb_rowid tables, else 1', () => {
    expect(buildTableInfo(spec('rowid', ['id']), { id: 1, partitionIds: [] }, TS, 42).auto_inc_id).toBe(30001);
    expect(buildTableInfo(spec('rowid', ['id']), { id: 1, partitionIds: [] }, TS, 30000).auto_inc_id).toBe(30001);
    expect(buildTableInfo(spec('rowid', ['id']), { id: 1, partitionIds: [] }, TS, 30001).auto_inc_id).toBe(60001);
    expect(buildTableInfo(spec('int-pk', ['id']), { id: 1, partitionIds: [] }, TS, 42).auto_inc_id).toBe(1);
  });
  test('clustered tables carry is_common_handle and common_handle_version 1', () => {
    const t = info(spec('clustered', ['name', 'id']));
    expect(t).toMatchObject({ pk_is_handle: false, is_common_handle: true, common_handle_version: 1 });
    expect(idx(t, 'PRIMARY')).toMatchObject({ is_primary: true, is_unique: true });
  });
});

describe('record and index KVs as TiDB writes them', () => {
  test('int-pk: record key uses the pk value, the row value omits the pk column', () => {
    const t = info(spec('int-pk', ['id']));
    const [rec] = rowKvs(t, 100, row);
    expect(toHex(rec!.key)).toBe(toHex(recordKey(100, 7)));
    const d = decodeRowV2(rec!.value);
    expect([...d.values.keys()]).toEqual([2, 3]);
    expect(new TextDecoder().decode(d.values.get(2)!)).toBe('bob  ');
    expect(decodeCompactInt(d.values.get(3)!)).toBe(-3n);
  });
  test('unique int index: key without handle, value is the 8-byte big-endian handle (old encoding)', () => {
    const t = info(spec('int-pk', ['id']));
    const kv = indexKv(t, 100, idx(t, 'uk_n'), row, rowHandle(t, row));
    expect(toHex(kv.key)).toBe(toHex(concatBytes(indexPrefix(100, 1), encodeKeyDatums([intDatum(-3)]))));
    expect(toHex(kv.value)).toBe(toHex(encodeUint64BE(7n)));
  });
  test('non-unique index: the handle is appended to the key with the int flag, value is "0"', () => {
    const t = info(spec('int-pk', ['id']));
    const kv = indexKv(t, 100, idx(t, 'idx_n'), row, rowHandle(t, row));
    expect(toHex(kv.key)).toBe(toHex(concatBytes(indexPrefix(100, 2), encodeKeyDatums([intDatum(-3)]), new Uint8Array([3]), encodeInt64Cmp(7))));
    expect(toHex(kv.value)).toBe('30');
  });
  test('a NULL makes a unique index non-distinct: handle in the key', () => {
    const t = info(spec('int-pk', ['id']));
    const r = { datums: [intDatum(7), stringDatum('x'), NULL_DATUM] };
    const kv = indexKv(t, 100, idx(t, 'uk_n'), r, rowHandle(t, r));
    expect(toHex(kv.key).endsWith(toHex(concatBytes(new Uint8Array([3]), encodeInt64Cmp(7))))).toBe(true);
    expect(toHex(kv.value)).toBe('30');
  });
  test('unique varchar index (new collation): tail length 8, restored row of the full value, int handle', () => {
    const t = info(spec('int-pk', ['id']));
    const kv = indexKv(t, 100, idx(t, 'uk_name'), row, rowHandle(t, row));
    // Key: the PAD SPACE sort key drops trailing spaces; the value restores them.
    expect(toHex(kv.key)).toBe(toHex(concatBytes(indexPrefix(100, 3), encodeKeyDatums([stringDatum('bob')]))));
    expect(kv.value[0]).toBe(8);
    const restored = decodeRowV2(kv.value.subarray(1, kv.value.length - 8));
    expect(new TextDecoder().decode(restored.values.get(2)!)).toBe('bob  ');
    expect(toHex(kv.value.subarray(kv.value.length - 8))).toBe(toHex(encodeUint64BE(7n)));
  });
  test('_tidb_rowid tables: handle is the row id, the PRIMARY key is a unique index', () => {
    const t = info(spec('rowid', ['id']));
    const kvs = rowKvs(t, 100, row);
    expect(toHex(kvs[0]!.key)).toBe(toHex(recordKey(100, 42)));
    const pk = kvs.find((kv) => toHex(kv.key).startsWith(toHex(indexPrefix(100, idx(t, 'PRIMARY').id))))!;
    expect(toHex(pk.value)).toBe(toHex(encodeUint64BE(42n)));
  });
  test('clustered: record key is the encoded PK datums; secondary index values use version 1 with the common handle', () => {
    const t = info(spec('clustered', ['name', 'id']));
    const kvs = rowKvs(t, 100, row);
    const handle = encodeKeyDatums([stringDatum('bob  '), intDatum(7)]);
    expect(toHex(kvs[0]!.key)).toBe(toHex(concatBytes(recordKey(100, 0).subarray(0, 11), handle)));
    expect(kvs).toHaveLength(4); // record + uk_n + idx_n + uk_name; PRIMARY is the record itself
    const uk = indexKv(t, 100, idx(t, 'uk_n'), row, rowHandle(t, row));
    expect([...uk.value.subarray(0, 4)]).toEqual([0, 125, 1, 127]);
    expect((uk.value[4]! << 8) | uk.value[5]!).toBe(handle.length);
    expect(toHex(uk.value.subarray(6, 6 + handle.length))).toBe(toHex(handle));
    // The varchar PK column needs restoring: its tail-space count (2) follows as a v2 row.
    const rest = decodeRowV2(uk.value.subarray(6 + handle.length));
    expect(decodeCompactUint(rest.values.get(2)!)).toBe(2n);
    const nonUnique = indexKv(t, 100, idx(t, 'idx_n'), row, rowHandle(t, row));
    expect(toHex(nonUnique.key).endsWith(toHex(handle))).toBe(true);
  });
});

describe('extra tables (make-backup extraTables)', () => {
  const ds = generateDataset({ seed: 3, tables: 1, rowsPerTable: 30, incremental: false, withSysTables: false, extraTables: ['expression-index', 'list-columns'] });
  const table = (name: string) => ds.tables.find((t) => t.info.name.O === name)!;

  test('an expression index keys the computed value; the row does not store the hidden virtual column', () => {
    const t = table('gadgets');
    const hidden = t.info.cols.find((c) => c.hidden)!;
    const pid = t.physicalIds[0]!;
    const versions = t.versions().get(pid)!;
    const rows = versions.filter((v) => toHex(v.key).startsWith(toHex(recordKey(pid, 0n)).slice(0, 22)));
    expect(rows).toHaveLength(30);
    for (const r of rows) {
      const d = decodeRowV2(r.value!);
      expect([...d.values.keys(), ...d.nullIds]).not.toContain(hidden.id);
    }
    // Row n has price (n * 37) % 1000 and its index key the price doubled (row 1: id 2, key 74).
    const idx = t.info.index_info!.find((i) => i.idx_name.O === 'idx_price_x2')!;
    const key = toHex(concatBytes(indexPrefix(pid, idx.id), encodeKeyDatums([intDatum(74)]), encodeKeyDatums([intDatum(2)])));
    expect(versions.some((v) => toHex(v.key) === key)).toBe(true);
  });

  test('list columns rows go to the partition listing their value, the others to DEFAULT', () => {
    const t = table('regions_list');
    const [eu, us, other] = t.physicalIds as [number, number, number];
    const rowsOf = (pid: number) => (t.versions().get(pid) ?? []).filter((v) => toHex(v.key).startsWith(toHex(recordKey(pid, 0n)).slice(0, 22)));
    const regions = (pid: number) => new Set(rowsOf(pid).map((r) => new TextDecoder().decode(decodeRowV2(r.value!).values.get(2)!)));
    expect([...regions(eu)].sort()).toEqual(['eu', 'uk']);
    expect([...regions(us)]).toEqual(['us']);
    expect([...regions(other)].sort()).toEqual(['br', 'jp']);
    expect(rowsOf(eu).length + rowsOf(us).length + rowsOf(other).length).toBe(30);
  });
});
