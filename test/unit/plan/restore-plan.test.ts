import { assertPlanRestorable, planRestore, rewriteBatch, verifyPlanHash } from '../../../src/plan/restore-plan';
import { buildTableRewrite } from '../../../src/plan/rewrite-rules';
import { ErrorType } from '../../../src/plan/error-types';
import { col, hex, idx, ManifestBuilder, tableInfo } from './manifest-builder';
import { readRealManifest } from './real-manifests';

describe('planRestore on the real BR fixtures', () => {
  it('v1-tpcc: 9 tables of one database, no data files', async () => {
    const plan = planRestore(await readRealManifest('v1-tpcc'));
    expect(plan.summary).toEqual({ databases: 1, tables: 9, files: 0, bytes: '0', sstBytes: '0', kvs: '0', ranges: 0, batches: 0, ddlJobs: 0, unsupportedTables: 0 });
    expect(plan.tables.map((t) => t.name)).toEqual(['customer', 'district', 'history', 'item', 'new_order', 'order_line', 'orders', 'stock', 'warehouse']);
    expect(plan.databases.map((d) => d.createSql)).toEqual(['CREATE DATABASE IF NOT EXISTS `tpcc` /*!40100 DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin */']);
    expect(plan.backup).toEqual({ clusterId: '7211076907329653533', startVersion: '0', endVersion: '440689413714870273', incremental: false, newCollationsEnabled: 'True' });
    expect(verifyPlanHash(plan)).toBe(true);
  });

  it('v2-500tables: 500 tables, deterministic plan and hash', async () => {
    const m = await readRealManifest('v2-500tables');
    const a = planRestore(m);
    const b = planRestore(JSON.parse(JSON.stringify({ ...m, tables: [...m.tables].reverse() })));
    expect(a.summary.tables).toBe(500);
    expect(a.summary.files).toBe(0);
    expect(a.tables[0]!.name).toBe('test1');
    expect(b).toEqual(a);
    expect(planRestore(m, { db: 'test', table: 'test42' }).tables.map((t) => t.name)).toEqual(['test42']);
    expect(planRestore(m, { filters: ['test.test4?'] }).summary.tables).toBe(10);
    expect(planRestore(m, { filters: ['test.test4?'] }).hash).not.toBe(a.hash);
  });
});

function shopManifest() {
  const b = new ManifestBuilder().db('shop', 10);
  const files = [...b.rowFiles(11, 0, 10, 60, 6), ...b.rowFiles(11, 10, 20, 50, 5), ...b.indexFiles(11, 1, 0, 10, 40, 4)];
  b.table('shop', tableInfo(11, 'orders', { pk_is_handle: false, cols: [col(1, 'a', 0), col(2, 'b', 1)], index_info: [idx(1, 'k', [{ name: 'a', offset: 0 }])] }), files);
  b.table('shop', tableInfo(12, 'empty'));
  b.table('shop', tableInfo(13, 'expr', { cols: [col(1, 'a', 0), col(2, '_V$_k_0', 1, { hidden: true })] }), b.rowFiles(13, 0, 5, 7, 1, false));
  return b.build();
}

describe('planRestore on a synthetic backup', () => {
  it('plans ranges, batches and per-table refs; summary counts every file', () => {
    const plan = planRestore(shopManifest(), { merge: { sizeBytes: 100 }, batch: { maxFiles: 3 } });
    expect(plan.summary).toEqual({ databases: 1, tables: 3, files: 6, bytes: '157', sstBytes: '267', kvs: '16', ranges: 4, batches: 3, ddlJobs: 0, unsupportedTables: 1 });
    expect(plan.tables.map((t) => [t.name, t.rangeStart, t.rangeEnd, t.batchStart, t.batchEnd, t.files, t.bytes])).toEqual([
      ['empty', 0, 0, 0, 0, 0, '0'],
      ['expr', 0, 1, 0, 1, 1, '7'],
      ['orders', 1, 4, 1, 3, 5, '150'],
    ]);
    // 60 + 50 row bytes exceed the 100-byte merge limit, so orders keeps three ranges: index, rows, rows.
    expect(plan.ranges.map((r) => [r.table, r.files.length, r.totalBytes])).toEqual([[1, 1, '7'], [2, 1, '40'], [2, 2, '60'], [2, 2, '50']]);
    expect(plan.batches).toEqual([
      { index: 0, table: 1, rangeStart: 0, rangeEnd: 1, files: 1, bytes: '7', kvs: '1' },
      { index: 1, table: 2, rangeStart: 1, rangeEnd: 3, files: 3, bytes: '100', kvs: '10' },
      { index: 2, table: 2, rangeStart: 3, rangeEnd: 4, files: 2, bytes: '50', kvs: '5' },
    ]);
  });

  it('merges ranges with the default thresholds', () => {
    const plan = planRestore(shopManifest());
    expect(plan.ranges.map((r) => [r.table, r.files.length, r.totalBytes])).toEqual([
      [1, 1, '7'],
      [2, 1, '40'],
      [2, 4, '110'],
    ]);
    expect(plan.batches).toEqual([
      { index: 0, table: 1, rangeStart: 0, rangeEnd: 1, files: 1, bytes: '7', kvs: '1' },
      { index: 1, table: 2, rangeStart: 1, rangeEnd: 3, files: 5, bytes: '150', kvs: '15' },
    ]);
  });

  it('refuses tables whose column IDs SQL cannot pin, naming each', () => {
    const plan = planRestore(shopManifest());
    expect(() => assertPlanRestorable(plan)).toThrow(
      expect.objectContaining({ type: ErrorType.UnsupportedTable, message: expect.stringContaining('`shop`.`expr`: hidden column `_V$_k_0` belongs to no public index') }),
    );
    expect(() => assertPlanRestorable(planRestore(shopManifest(), { filters: ['*.*', '!shop.expr'] }))).not.toThrow();
    expect(planRestore(shopManifest(), { noSchema: true }).summary.unsupportedTables).toBe(0);
  });

  it('rewrites a batch into the created table and lists its split keys', () => {
    const plan = planRestore(shopManifest());
    const orders = plan.tables[2]!;
    const created = { ...orders.info, id: 99 };
    const { ranges, splitKeys } = rewriteBatch(plan, 1, buildTableRewrite(orders.info, created));
    expect(ranges.map((r) => r.newStartKey.slice(0, r.newStartKey.startsWith(hex.indexPrefix(99, 1)) ? 38 : 22))).toEqual([hex.indexPrefix(99, 1), hex.recordPrefix(99)]);
    expect(splitKeys).toEqual([hex.indexPrefix(99, 1), hex.recordPrefix(99), ranges[0]!.newEndKey, ranges[1]!.newEndKey].sort());
    expect(() => rewriteBatch(plan, 0, buildTableRewrite(orders.info, created))).toThrow(/holds table ID 13, but the rewrite given is for table ID/);
    expect(() => rewriteBatch(plan, 7, buildTableRewrite(orders.info, created))).toThrow(/batch 7 does not exist/);
  });

  it('with a group size, tables of one group share a batch; each table knows its batches; one rewrite per table', () => {
    const plan = planRestore(shopManifest(), { merge: { sizeBytes: 100 }, batch: { maxFiles: 10, groupSize: 3 } });
    expect(plan.batches).toEqual([{ index: 0, table: 1, lastTable: 2, rangeStart: 0, rangeEnd: 4, files: 6, bytes: '157', kvs: '16' }]);
    expect(plan.tables.map((t) => [t.name, t.batchStart, t.batchEnd])).toEqual([['empty', 0, 0], ['expr', 0, 1], ['orders', 0, 1]]);
    // Two groups (size 2: empty+expr | orders): the batch may not cross them.
    const two = planRestore(shopManifest(), { merge: { sizeBytes: 100 }, batch: { maxFiles: 10, groupSize: 2 } });
    expect(two.batches.map((b) => [b.table, b.lastTable, b.rangeStart, b.rangeEnd])).toEqual([[1, undefined, 0, 1], [2, undefined, 1, 4]]);

    const [expr, orders] = [plan.tables[1]!, plan.tables[2]!];
    const rewrites = new Map([[1, buildTableRewrite(expr.info, { ...expr.info, id: 77 })], [2, buildTableRewrite(orders.info, { ...orders.info, id: 99 })]]);
    const { ranges, splitKeys } = rewriteBatch(plan, 0, rewrites);
    expect(ranges).toHaveLength(4);
    expect(ranges[0]!.newStartKey.startsWith(hex.recordPrefix(77))).toBe(true);
    // 't' + the 8-byte table ID: orders' index and record ranges all moved to table 99.
    expect(ranges.slice(1).every((r) => r.newStartKey.startsWith(hex.recordPrefix(99).slice(0, 18)))).toBe(true);
    expect(splitKeys).toEqual(expect.arrayContaining([hex.recordPrefix(77), hex.recordPrefix(99), hex.indexPrefix(99, 1)]));
    expect(() => rewriteBatch(plan, 0, new Map([[2, rewrites.get(2)!]]))).toThrow(/holds table ID 13, but no rewrite was given for it/);
  });

  it('refuses raw KV backups and detects a tampered plan', () => {
    const m = shopManifest();
    expect(() => planRestore({ ...m, isRawKv: true })).toThrow(/cannot do transactional restore from raw kv data/);
    const plan = planRestore(m);
    expect(verifyPlanHash({ ...plan, summary: { ...plan.summary, files: 1 } })).toBe(false);
  });

  it('honours the --db/--table shorthand and merge thresholds', () => {
    const plan = planRestore(shopManifest(), { db: 'shop', table: 'orders', merge: { sizeBytes: 1, keyCount: 960000 } });
    expect(plan.tables.map((t) => t.name)).toEqual(['orders']);
    expect(plan.summary.ranges).toBe(3);
  });
});
