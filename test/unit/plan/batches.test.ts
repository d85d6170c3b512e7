import { batchTables, planBatches } from '../../../src/plan/batches';

const r = (table: number, files: number, bytes: number) => ({ table, files: new Array(files).fill(0), totalBytes: String(bytes), totalKvs: String(bytes * 2) });

describe('planBatches', () => {
  it('cuts at table boundaries, file count and bytes; a too-large range is a batch of its own', () => {
    const ranges = [r(0, 2, 10), r(0, 2, 10), r(0, 2, 10), r(1, 2, 10), r(1, 1, 1000), r(1, 1, 5), r(2, 2, 0)];
    expect(planBatches(ranges, { maxFiles: 4, maxBytes: 100 })).toEqual([
      { index: 0, table: 0, rangeStart: 0, rangeEnd: 2, files: 4, bytes: '20', kvs: '40' },
      { index: 1, table: 0, rangeStart: 2, rangeEnd: 3, files: 2, bytes: '10', kvs: '20' },
      { index: 2, table: 1, rangeStart: 3, rangeEnd: 4, files: 2, bytes: '10', kvs: '20' },
      { index: 3, table: 1, rangeStart: 4, rangeEnd: 5, files: 1, bytes: '1000', kvs: '2000' },
      { index: 4, table: 1, rangeStart: 5, rangeEnd: 6, files: 1, bytes: '5', kvs: '10' },
      { index: 5, table: 2, rangeStart: 6, rangeEnd: 7, files: 2, bytes: '0', kvs: '0' },
    ]);
  });
  it('with groupSize, small tables of one group share a batch, never across groups', () => {
    // Tables 0–2 form group 0, tables 3–4 group 1 (groupSize 3).
    const ranges = [r(0, 2, 1), r(1, 2, 1), r(2, 2, 1), r(3, 2, 1), r(4, 2, 1), r(4, 4, 1)];
    const batches = planBatches(ranges, { maxFiles: 6, groupSize: 3 });
    expect(batches).toEqual([
      { index: 0, table: 0, lastTable: 2, rangeStart: 0, rangeEnd: 3, files: 6, bytes: '3', kvs: '6' },
      { index: 1, table: 3, lastTable: 4, rangeStart: 3, rangeEnd: 5, files: 4, bytes: '2', kvs: '4' },
      { index: 2, table: 4, rangeStart: 5, rangeEnd: 6, files: 4, bytes: '1', kvs: '2' },
    ]);
    expect(batches.map(batchTables)).toEqual([[0, 1, 2], [3, 4], [4]]);
    // Without groupSize the same ranges give one batch per table (the shape older plans keep).
    expect(planBatches(ranges, { maxFiles: 6 }).map((b) => [b.table, b.lastTable])).toEqual([[0, undefined], [1, undefined], [2, undefined], [3, undefined], [4, undefined]]);
  });
  it('no ranges, no batches; defaults allow 256 files', () => {
    expect(planBatches([])).toEqual([]);
    expect(planBatches(Array.from({ length: 200 }, () => r(0, 2, 1))).map((b) => b.files)).toEqual([256, 144]);
  });
});
