import { selectTables } from '../../../src/plan/select-tables';
import { BrflowError, ErrorType } from '../../../src/plan/error-types';
import type { DdlJob } from '../../../src/backup/manifest';
import { ManifestBuilder, tableInfo } from './manifest-builder';

function manifest() {
  const b = new ManifestBuilder().db('shop', 10).db('__TiDB_BR_Temporary_mysql', 3).db('empty_db', 20).db('Other', 30);
  b.table('shop', tableInfo(11, 'orders'), b.rowFiles(11, 0, 10, 100, 10));
  b.table('shop', tableInfo(12, 'items'), b.rowFiles(12, 0, 10, 100, 10));
  b.table('__TiDB_BR_Temporary_mysql', tableInfo(4, 'user'));
  b.table('Other', tableInfo(31, 'T1'));
  return b.build();
}

const names = (s: ReturnType<typeof selectTables>) => ({
  dbs: s.databases.map((d) => d.name),
  tables: s.tables.map((t) => `${t.db}.${t.name}`),
});

describe('selectTables', () => {
  it.each([
    // BR default (restore full with no -f): every user schema, not mysql; empty databases too.
    { sel: {}, dbs: ['shop', 'empty_db', 'Other'], tables: ['shop.orders', 'shop.items', 'Other.T1'] },
    { sel: { filters: ['shop.*'] }, dbs: ['shop'], tables: ['shop.orders', 'shop.items'] },
    { sel: { filters: ['*.*', '!shop.items'] }, dbs: ['shop', 'empty_db', 'Other'], tables: ['shop.orders', 'Other.T1'] },
    // mysql is matched under its real name and only when named (BR filterRestoreFiles uses GetSysDBName).
    { sel: { filters: ['mysql.*'] }, dbs: ['__TiDB_BR_Temporary_mysql'], tables: ['__TiDB_BR_Temporary_mysql.user'] },
    { sel: { filters: ['other.t1'] }, dbs: ['Other'], tables: ['Other.T1'] },
    { sel: { filters: ['other.t1'], caseSensitive: true, allowEmpty: true }, dbs: [], tables: [] },
    { sel: { db: 'SHOP' }, dbs: ['shop'], tables: ['shop.orders', 'shop.items'] },
    { sel: { db: 'shop', table: 'items' }, dbs: ['shop'], tables: ['shop.items'] },
    { sel: { filters: ['nomatch.*'], allowEmpty: true }, dbs: [], tables: [] },
  ])('$sel', ({ sel, dbs, tables }) => {
    expect(names(selectTables(manifest(), sel))).toEqual({ dbs, tables });
  });

  function failure(fn: () => unknown): BrflowError {
    try {
      fn();
    } catch (e) {
      return e as BrflowError;
    }
    throw new Error('expected a failure');
  }

  it('a selection of nothing fails typed, naming the filters and the databases the backup holds, unless allowEmpty', () => {
    for (const sel of [{ filters: ['nomatch.*'] }, { filters: ['other.t1'], caseSensitive: true }]) {
      const e = failure(() => selectTables(manifest(), sel));
      expect(e).toBeInstanceOf(BrflowError);
      expect(e.type).toBe(ErrorType.FilterTargetMissing);
      expect(e.message).toContain(`filters ${JSON.stringify(sel.filters)} select nothing in the backup (it holds databases: \`shop\`, \`mysql\`, \`empty_db\`, \`Other\`)`);
      expect(e.message).toContain('"allowEmpty": true');
    }
  });

  it('a --db the backup lacks fails with BR CheckRestoreDBAndTable wording', () => {
    const e = failure(() => selectTables(manifest(), { db: 'x' }));
    expect(e.type).toBe(ErrorType.FilterTargetMissing);
    expect(e.message).toBe(
      '[database: `x`] has not been backup, please ensure you has input a correct database name: ' +
        '[BR:Restore:ErrUndefinedRestoreDbOrTable]undefined restore databases or tables (the backup holds databases: `shop`, `mysql`, `empty_db`, `Other`)',
    );
  });

  it('a --table the backup lacks fails with BR wording', () => {
    const e = failure(() => selectTables(manifest(), { db: 'shop', table: 'nope' }));
    expect(e.type).toBe(ErrorType.FilterTargetMissing);
    expect(e.message).toBe(
      '[table: `shop`.`nope`] has not been backup, please ensure you has input a correct table name: [BR:Restore:ErrUndefinedRestoreDbOrTable]undefined restore databases or tables',
    );
  });

  it('--table without --db is an input error', () => {
    expect(failure(() => selectTables(manifest(), { table: 't' })).type).toBe(ErrorType.InvalidInput);
  });

  it('keeps DDL jobs touching the selection, following renames, in schema-version order (BR FilterDDLJobs)', () => {
    const m = manifest();
    const job = (id: number, ver: number, over: Partial<DdlJob>): DdlJob => ({ id, type: 0, schema_id: 10, table_id: 0, query: `q${id}`, ...over, binlog: { SchemaVersion: ver, ...over.binlog } });
    m.ddlJobs = [
      job(3, 30, { table_id: 11, schema_name: 'shop', binlog: { TableInfo: { name: { O: 'orders', L: 'orders' } } } }),
      // The table had ID 99 and name old_orders before a rename; the rename job links the two.
      job(2, 20, { table_id: 11, schema_name: 'shop', binlog: { TableInfo: { name: { O: 'old_orders', L: 'old_orders' } } } }),
      job(1, 10, { table_id: 99, schema_name: 'shop', binlog: { TableInfo: { name: { O: 'old_orders', L: 'old_orders' } } } }),
      job(4, 40, { table_id: 12, schema_name: 'shop', binlog: { TableInfo: { name: { O: 'items', L: 'items' } } } }),
      job(5, 5, { schema_id: 10, binlog: { DBInfo: { db_name: { O: 'shop', L: 'shop' } } } }),
      job(6, 50, { schema_id: 30, binlog: { DBInfo: { db_name: { O: 'Other', L: 'other' } } } }),
      // ALTER TABLE … SET TIFLASH REPLICA (ActionSetTiFlashReplica = 30) is never replayed.
      job(7, 60, { type: 30, table_id: 11, schema_name: 'shop', binlog: { TableInfo: { name: { O: 'orders', L: 'orders' } } } }),
    ];
    const s = selectTables(m, { db: 'shop', table: 'orders' });
    expect(s.ddlJobs.map((j) => j.id)).toEqual([5, 1, 2, 3]);
  });

  it('keeps a DROP TABLE/DATABASE the filter covers although the backup no longer holds the object', () => {
    const m = manifest();
    const job = (id: number, ver: number, over: Partial<DdlJob>): DdlJob => ({ id, type: 0, schema_id: 10, table_id: 0, query: `q${id}`, ...over, binlog: { SchemaVersion: ver, ...over.binlog } });
    m.ddlJobs = [
      // ActionDropTable = 4: shop.gone was dropped before the incremental backup ended, so no schema names it.
      job(1, 10, { type: 4, table_id: 77, schema_name: 'shop', table_name: 'gone', binlog: { TableInfo: { name: { O: 'gone', L: 'gone' } } } }),
      // ActionDropSchema = 2 of a database the filter covers.
      job(2, 20, { type: 2, schema_id: 50, schema_name: 'olddb', binlog: { DBInfo: { db_name: { O: 'olddb', L: 'olddb' } } } }),
      // A drop outside the filter stays out.
      job(3, 30, { type: 4, table_id: 78, schema_name: 'Other', table_name: 'x', binlog: { TableInfo: { name: { O: 'x', L: 'x' } } } }),
    ];
    expect(selectTables(m, { filters: ['shop.*', 'olddb.*'] }).ddlJobs.map((j) => j.id)).toEqual([1, 2]);
    expect(selectTables(m, { filters: ['shop.orders'] }).ddlJobs.map((j) => j.id)).toEqual([]);
  });
});
