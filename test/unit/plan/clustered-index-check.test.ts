import type { DdlJob } from '../../../src/backup/manifest';
import { clusteredIndexMismatchError, clusteredIndexMismatches, handleKindOf, wantedTables, type ExistingTable } from '../../../src/plan/clustered-index-check';
import { ErrorType } from '../../../src/plan/error-types';
import type { TableInfo } from '../../../src/plan/table-info';

const info = (name: string, layout: { pk_is_handle?: boolean; is_common_handle?: boolean }): TableInfo =>
  ({ name: { O: name, L: name.toLowerCase() }, pk_is_handle: layout.pk_is_handle ?? false, is_common_handle: layout.is_common_handle ?? false }) as TableInfo;

const createTableJob = (schema: string, t: TableInfo): DdlJob => ({ id: 90, type: 3, schema_id: 2, table_id: 91, schema_name: schema, query: 'CREATE TABLE …', binlog: { SchemaVersion: 5, TableInfo: t } });

describe('clustered-index pre-check (BR PreCheckTableClusterIndex)', () => {
  it('names the row-handle layout of a TableInfo', () => {
    expect(handleKindOf(info('a', { pk_is_handle: true }))).toBe('int-handle');
    expect(handleKindOf(info('a', { is_common_handle: true }))).toBe('clustered');
    expect(handleKindOf(info('a', {}))).toBe('rowid');
  });

  it('checks the plan tables and the tables of CreateTable DDL jobs, not other jobs', () => {
    const tables = [{ db: 'shop', name: 'orders', info: info('orders', { is_common_handle: true }) }];
    const jobs: DdlJob[] = [
      createTableJob('shop', info('NewItems', { pk_is_handle: true })),
      { id: 92, type: 5, schema_id: 2, table_id: 91, schema_name: 'shop', query: 'ALTER TABLE …', binlog: { SchemaVersion: 6, TableInfo: info('NewItems', {}) } },
      { id: 93, type: 3, schema_id: 2, table_id: 94, query: 'CREATE TABLE …', binlog: { SchemaVersion: 7, TableInfo: info('noschema', {}) } },
    ];
    expect(wantedTables(tables, jobs)).toEqual([
      { db: 'shop', name: 'orders', kind: 'clustered', source: 'table' },
      { db: 'shop', name: 'NewItems', kind: 'int-handle', source: 'ddl-job' },
    ]);
  });

  it('reports only existing tables whose layout differs, matching names case-insensitively, once each', () => {
    const wanted = wantedTables(
      [
        { db: 'Shop', name: 'Orders', info: info('Orders', { is_common_handle: true }) },
        { db: 'shop', name: 'events', info: info('events', {}) },
        { db: 'shop', name: 'fresh', info: info('fresh', { pk_is_handle: true }) },
        { db: 'shop', name: 'ids', info: info('ids', { pk_is_handle: true }) },
      ],
      [createTableJob('shop', info('orders', { is_common_handle: true }))],
    );
    const existing: ExistingTable[] = [
      { db: 'shop', name: 'orders', kind: 'rowid' },
      { db: 'shop', name: 'events', kind: 'rowid' },
      // An integer primary key that is the handle against one keyed by _tidb_rowid: BR's IsCommonHandle check misses it.
      { db: 'shop', name: 'ids', kind: 'rowid' },
      { db: 'other', name: 'fresh', kind: 'clustered' },
    ];
    expect(clusteredIndexMismatches(wanted, existing)).toEqual([
      { db: 'Shop', name: 'Orders', backup: 'clustered', existing: 'rowid', source: 'table' },
      { db: 'shop', name: 'ids', backup: 'int-handle', existing: 'rowid', source: 'table' },
    ]);
  });

  it('finds nothing when every existing table has the backup layout or no table exists', () => {
    const wanted = wantedTables([{ db: 'd', name: 't', info: info('t', { is_common_handle: true }) }], []);
    expect(clusteredIndexMismatches(wanted, [{ db: 'd', name: 't', kind: 'clustered' }])).toEqual([]);
    expect(clusteredIndexMismatches(wanted, [])).toEqual([]);
  });

  it('fails with RestoreModeMismatch naming the table, both layouts, the variable and the ways out', () => {
    const e = clusteredIndexMismatchError([{ db: 'shop', name: 'customer', backup: 'clustered', existing: 'rowid', source: 'table' }]);
    expect(e.type).toBe(ErrorType.RestoreModeMismatch);
    expect(e.message).toBe(
      'clustered index option mismatch on 1 existing table(s): `shop`.`customer` exists with a NONCLUSTERED (_tidb_rowid) primary key but the backup has CLUSTERED (common handle) (@@tidb_enable_clustered_index should be ON). Restored rows are keyed by the backup\'s layout and would not be readable through these tables; nothing was changed. Drop them so brflow creates them, or recreate them with the backup\'s layout (SET @@tidb_enable_clustered_index as given, or PRIMARY KEY … CLUSTERED / NONCLUSTERED), or exclude them with a table filter',
    );
  });

  it('lists ten tables and counts the rest', () => {
    const many = Array.from({ length: 12 }, (_, i) => ({ db: 'd', name: `t${i}`, backup: 'rowid' as const, existing: 'clustered' as const, source: 'ddl-job' as const }));
    const e = clusteredIndexMismatchError(many);
    expect(e.message).toContain('on 12 existing table(s)');
    expect(e.message).toContain("`d`.`t9` exists with a CLUSTERED (common handle) primary key but the backup's CREATE TABLE job has NONCLUSTERED (_tidb_rowid) (@@tidb_enable_clustered_index should be OFF)");
    expect(e.message).not.toContain('`t10`');
    expect(e.message).toContain('; and 2 more.');
  });
});
