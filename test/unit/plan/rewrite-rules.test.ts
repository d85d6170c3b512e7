import {
  buildTableRewrite,
  checksumRequests,
  encodeRuleForDownload,
  isIdentityRewrite,
  rewriteRawEndKey,
  rewriteRawKey,
} from '../../../src/plan/rewrite-rules';
import { ErrorType } from '../../../src/plan/error-types';
import { col, idx, tableInfo } from './manifest-builder';
import type { PartitionInfo } from '../../../src/plan/table-info';

const parts = (defs: [number, string][]): PartitionInfo => ({
  type: 1, expr: '`id`', columns: null, enable: true, num: defs.length,
  definitions: defs.map(([id, name]) => ({ id, name: { O: name, L: name }, less_than: ['10'] })),
});

// Key layout from TiDB tablecodec (research §3.1): 't' ‖ int64cmp(id) ‖ "_r" / "_i" ‖ int64cmp(indexID).
const rec = (t: number) => '74' + (0x8000000000000000n + BigInt(t)).toString(16) + '5f72';
const ind = (t: number, i: number) => '74' + (0x8000000000000000n + BigInt(t)).toString(16) + '5f69' + (0x8000000000000000n + BigInt(i)).toString(16);

describe('buildTableRewrite (BR GetRewriteRules)', () => {
  const oldT = tableInfo(100, 't', {
    cols: [col(1, 'a', 0), col(2, 'b', 1)],
    index_info: [idx(3, 'k_b', [{ name: 'b', offset: 1 }]), idx(1, 'k_a', [{ name: 'a', offset: 0 }]), idx(2, 'gone', [{ name: 'a', offset: 0 }], { state: 3 })],
    partition: parts([[101, 'p0'], [102, 'p1']]),
  });
  const newT = tableInfo(500, 't', {
    cols: [col(1, 'a', 0), col(2, 'b', 1)],
    index_info: [idx(1, 'K_A', [{ name: 'a', offset: 0 }]), idx(2, 'k_b', [{ name: 'b', offset: 1 }])],
    partition: parts([[502, 'p1'], [501, 'p0']]),
  });

  it('maps the table, each partition by name, and each public index by name: (P+1)×(I+1) rules', () => {
    const rw = buildTableRewrite(oldT, newT);
    expect(rw.physical).toEqual([{ oldId: 100, newId: 500 }, { oldId: 101, newId: 501, partition: 'p0' }, { oldId: 102, newId: 502, partition: 'p1' }]);
    expect(rw.indexes).toEqual([{ name: 'k_b', oldId: 3, newId: 2 }, { name: 'k_a', oldId: 1, newId: 1 }]);
    expect(rw.rules).toHaveLength(9);
    expect(rw.rules).toEqual(
      expect.arrayContaining([
        { oldKeyPrefix: rec(100), newKeyPrefix: rec(500) },
        { oldKeyPrefix: ind(100, 3), newKeyPrefix: ind(500, 2) },
        { oldKeyPrefix: ind(101, 1), newKeyPrefix: ind(501, 1) },
        { oldKeyPrefix: rec(102), newKeyPrefix: rec(502) },
      ]),
    );
    expect(rw.rules.map((r) => r.oldKeyPrefix)).toEqual([...rw.rules.map((r) => r.oldKeyPrefix)].sort());
    expect(isIdentityRewrite(rw)).toBe(false);
    expect(isIdentityRewrite(buildTableRewrite(oldT, oldT))).toBe(true);
  });

  it('encodes rules for DownloadRequest like BR encodeKeyPrefix: 11-byte record prefix → 12 bytes, 19-byte index prefix → 21', () => {
    expect(encodeRuleForDownload({ oldKeyPrefix: rec(1), newKeyPrefix: ind(1, 2) })).toEqual({
      oldKeyPrefix: '7480000000000000ff015f72',
      newKeyPrefix: '7480000000000000ff015f698000000000ff000002',
    });
  });

  it('rewrites keys by rule, and range bounds outside row/index spaces by table prefix', () => {
    const rw = buildTableRewrite(oldT, newT);
    expect(rewriteRawKey(rw, rec(101) + '8000000000000007')).toBe(rec(501) + '8000000000000007');
    expect(rewriteRawKey(rw, ind(100, 3) + '01')).toBe(ind(500, 2) + '01');
    expect(rewriteRawKey(rw, '74' + (0x8000000000000000n + 100n).toString(16) + '5f73')).toBe('74' + (0x8000000000000000n + 500n).toString(16) + '5f73');
    expect(rewriteRawKey(rw, rec(7))).toBeUndefined();
    expect(rewriteRawKey(rw, ind(100, 2) + '01')).toBeUndefined(); // index 2 is not public
    // An exclusive end bound t{id}_i{n+1} (PrefixNext of the last index) names no index; it maps by table prefix.
    expect(rewriteRawEndKey(rw, ind(100, 9))).toBe(ind(500, 9));
    expect(rewriteRawEndKey(rw, rec(101) + '8000000000000007')).toBe(rec(501) + '8000000000000007');
    expect(rewriteRawEndKey(rw, rec(7))).toBeUndefined();
  });

  it('fails naming the partition or index the restored table lacks', () => {
    const noP1 = { ...newT, partition: parts([[501, 'p0']]) };
    expect(() => buildTableRewrite(oldT, noP1)).toThrow(expect.objectContaining({ type: ErrorType.UnsupportedTable, message: expect.stringContaining('partition `p1` (backup ID 102)') }));
    const noIdx = { ...newT, index_info: [] };
    expect(() => buildTableRewrite(oldT, noIdx)).toThrow(expect.objectContaining({ message: expect.stringContaining('index `k_b` (backup ID 3)') }));
  });

  it('plans one checksum request per physical record space and per public index (BR checksum executor)', () => {
    const t1 = tableInfo(100, 't', { index_info: [idx(4, 'k', [{ name: 'id', offset: 0 }])] });
    const t2 = tableInfo(200, 't', { index_info: [idx(1, 'k', [{ name: 'id', offset: 0 }])] });
    expect(checksumRequests(buildTableRewrite(t1, t2))).toEqual([
      { kind: 'record', physicalId: 200, startKey: rec(200), endKey: rec(200).slice(0, -2) + '73', oldPrefix: rec(100), newPrefix: rec(200) },
      { kind: 'index', physicalId: 200, indexName: 'k', startKey: ind(200, 1), endKey: ind(200, 2), oldPrefix: ind(100, 4), newPrefix: ind(200, 1) },
    ]);
  });
});
