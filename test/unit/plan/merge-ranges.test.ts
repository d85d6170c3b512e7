import { DEFAULT_MERGE_REGION_KEY_COUNT as KEYS, DEFAULT_MERGE_REGION_SIZE_BYTES as SIZE, mergeFileRanges } from '../../../src/plan/merge-ranges';
import { groupFileRanges, rewriteRanges } from '../../../src/plan/ranges';
import { buildTableRewrite } from '../../../src/plan/rewrite-rules';
import { ErrorType } from '../../../src/plan/error-types';
import { ManifestBuilder, tableInfo, hex } from './manifest-builder';
import type { BackupFile } from '../../../src/backup/manifest';

/** Like BR merge_test.go fileBulder: consecutive ranges of 10 handles per table; [tableID, num, bytes, kvs]. */
function build(spec: [number, 1 | 2, number, number][]): BackupFile[] {
  const b = new ManifestBuilder();
  const offset = new Map<number, number>();
  return spec.flatMap(([t, num, bytes, kvs]) => {
    const lo = offset.get(t) ?? 0;
    offset.set(t, lo + 10);
    return b.rowFiles(t, lo, lo + 10, bytes, kvs, num === 2);
  });
}

describe('mergeFileRanges (cases of BR pkg/restore/merge_test.go TestMergeRanges)', () => {
  it.each([
    { name: 'empty backup', files: [], groups: [], total: 0 },
    { name: 'do not merge big range (left)', files: [[1, 1, SIZE, 1], [1, 1, 1, 1]], groups: [1, 1], total: 2 },
    { name: 'do not merge big range (right)', files: [[1, 1, 1, 1], [1, 1, SIZE, 1]], groups: [1, 1], total: 2 },
    { name: 'do not merge many keys (left)', files: [[1, 1, 1, KEYS], [1, 1, 1, 1]], groups: [1, 1], total: 2 },
    { name: 'do not merge many keys (right)', files: [[1, 1, 1, 1], [1, 1, 1, KEYS]], groups: [1, 1], total: 2 },
    { name: '3 -> 1', files: [[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]], groups: [3], total: 3 },
    { name: '3 -> 2 [1/3, 1/3, 1/2]', files: [[1, 1, SIZE / 3, 1], [1, 1, SIZE / 3, 1], [1, 1, SIZE / 2, 1]], groups: [2, 1], total: 3 },
    { name: '4 -> 2', files: [[1, 1, SIZE / 3, 1], [1, 1, SIZE / 3, 1], [1, 1, SIZE / 2, 1], [1, 1, 1, 1]], groups: [2, 2], total: 4 },
    { name: '5 -> 3', files: [[1, 1, SIZE / 3, 1], [1, 1, SIZE / 3, 1], [1, 1, SIZE, 1], [1, 1, SIZE / 2, 1], [1, 1, 1, 1]], groups: [2, 1, 2], total: 5 },
    { name: 'different tables stay apart', files: [[1, 1, 1, 1], [2, 1, 1, 1]], groups: [1, 1], total: 2 },
    { name: '3 -> 2 across tables', files: [[1, 1, SIZE / 3, 1], [2, 1, SIZE / 3, 1], [2, 1, SIZE / 2, 1]], groups: [1, 2], total: 3 },
    // write+default pairs form one range each; their bytes are counted once (in the default file).
    { name: 'pairs 3 -> 1', files: [[1, 2, 1, 1], [1, 2, 1, 1], [1, 2, 1, 1]], groups: [3], total: 3 },
  ] as { name: string; files: [number, 1 | 2, number, number][]; groups: number[]; total: number }[])('$name', ({ files, groups, total }) => {
    const ranges = groupFileRanges(build(files));
    const { ranges: merged, stat } = mergeFileRanges(ranges);
    expect(stat.totalRegions).toBe(total);
    expect(stat.mergedRegions).toBe(groups.length);
    // Each merged range covers `groups[i]` input ranges: from the first one's start to the last one's end.
    let at = 0;
    expect(
      merged.map((m) => {
        const first = ranges[at]!;
        const last = ranges[at + (groups[merged.indexOf(m)] ?? 0) - 1]!;
        at += groups[merged.indexOf(m)] ?? 0;
        return [m.startKey === first.startKey, m.endKey === last.endKey];
      }),
    ).toEqual(groups.map(() => [true, true]));
  });

  it('never merges rows with an index, or two indexes, even with a zero-byte right side', () => {
    const b = new ManifestBuilder();
    const files = [...b.rowFiles(1, 0, 10, 5, 1, false), ...b.indexFiles(1, 1, 0, 10, 0, 0), ...b.indexFiles(1, 1, 10, 20, 5, 1), ...b.indexFiles(1, 2, 0, 10, 0, 0)];
    const { ranges } = mergeFileRanges(groupFileRanges(files));
    // "_i" sorts before "_r": index 1 (its two ranges merged), index 2, then the rows.
    expect(ranges.map((r) => r.files.length)).toEqual([2, 1, 1]);
    expect(ranges[0]!.startKey.startsWith(hex.indexPrefix(1, 1))).toBe(true);
    expect(ranges[1]!.startKey.startsWith(hex.indexPrefix(1, 2))).toBe(true);
    expect(ranges[2]!.startKey.startsWith(hex.recordPrefix(1))).toBe(true);
  });

  it('honours custom thresholds', () => {
    const ranges = groupFileRanges(build([[1, 1, 10, 1], [1, 1, 10, 1], [1, 1, 10, 1]]));
    expect(mergeFileRanges(ranges, { sizeBytes: 20 }).ranges.length).toBe(2);
    expect(mergeFileRanges(ranges, { keyCount: 1 }).ranges.length).toBe(3);
  });
});

describe('groupFileRanges / rewriteRanges', () => {
  it('pairs write and default files by start key, sorted, with summed sizes', () => {
    const b = new ManifestBuilder();
    const f2 = b.rowFiles(7, 10, 20, 30, 3);
    const f1 = b.rowFiles(7, 0, 10, 50, 5);
    const ranges = groupFileRanges([...f2, ...f1]);
    expect(ranges.map((r) => [r.files.map((f) => f.cf), r.totalBytes, r.totalKvs])).toEqual([
      [['default', 'write'], '50', '5'],
      [['default', 'write'], '30', '3'],
    ]);
  });

  it('rejects overlapping ranges and files spanning two tables (BR ErrRestoreInvalidRange / TableIDMismatch)', () => {
    const b = new ManifestBuilder();
    expect(() => groupFileRanges([...b.rowFiles(7, 0, 10, 1, 1, false), ...b.rowFiles(7, 5, 15, 1, 1, false)])).toThrow(
      expect.objectContaining({ type: ErrorType.BackupMetaCorrupt, message: expect.stringContaining('backup ranges overlap') }),
    );
    const [f] = b.rowFiles(7, 0, 10, 1, 1, false);
    expect(() => groupFileRanges([{ ...f!, endKey: hex.recordPrefix(8) }])).toThrow(expect.objectContaining({ message: expect.stringContaining('spans keys of different tables') }));
  });

  it('moves ranges to the new table IDs and sorts them by new key', () => {
    const b = new ManifestBuilder();
    const old = tableInfo(7, 't', { partition: { type: 1, expr: 'id', columns: null, enable: true, definitions: [{ id: 8, name: { O: 'p0', L: 'p0' }, less_than: ['1'] }, { id: 9, name: { O: 'p1', L: 'p1' }, less_than: ['2'] }] } });
    const neu = tableInfo(70, 't', { partition: { type: 1, expr: 'id', columns: null, enable: true, definitions: [{ id: 92, name: { O: 'p0', L: 'p0' }, less_than: ['1'] }, { id: 91, name: { O: 'p1', L: 'p1' }, less_than: ['2'] }] } });
    const ranges = groupFileRanges([...b.rowFiles(8, 0, 10, 1, 1), ...b.rowFiles(9, 0, 10, 1, 1)]);
    const out = rewriteRanges(ranges, buildTableRewrite(old, neu));
    expect(out.map((r) => [r.newStartKey.slice(0, 22), r.startKey.slice(0, 22)])).toEqual([
      [hex.recordPrefix(91), hex.recordPrefix(9)],
      [hex.recordPrefix(92), hex.recordPrefix(8)],
    ]);
    expect(out[0]!.newEndKey).toBe(hex.recordPrefix(91) + ranges[1]!.endKey.slice(22));
  });
});
