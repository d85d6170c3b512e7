import { encodeBytes, recordKey } from '../../../src/plan/keys';
import { ManualClock } from '../../../src/simulator/clock';
import { ClusterState, type SimRegion } from '../../../src/simulator/cluster-state';
import { RegionIndex, type IndexedRegion } from '../../../src/simulator/region-index';

const enc = (tableId: number) => encodeBytes(recordKey(tableId, 0));
const EMPTY = new Uint8Array(0);

/** The linear answers the index replaces: what a key or a scan must find. */
function linearAtKey(rs: readonly SimRegion[], key: Uint8Array): number | undefined {
  return rs.find((r) => Buffer.compare(Buffer.from(key), Buffer.from(r.startKey)) >= 0 && (r.endKey.length === 0 || Buffer.compare(Buffer.from(key), Buffer.from(r.endKey)) < 0))?.id;
}

describe('RegionIndex', () => {
  it('finds the region of a key and scans a range after many splits, as a linear walk would', () => {
    const state = new ClusterState({ clock: new ManualClock(), stores: 3 });
    // Split the right-most region repeatedly (right-derive keeps the first region's ID on the right piece),
    // and also split left pieces, so regions of every age sit side by side.
    for (let t = 0; t < 40; t++) {
      const keys = [enc(1000 + t * 10), enc(1000 + t * 10 + 5)];
      const target = state.regionByKey(keys[0]!)!;
      const res = state.split(target.id, keys);
      if (!('regions' in res)) throw new Error(`split ${t} failed: ${JSON.stringify(res.error)}`);
    }
    const mid = state.regionByKey(enc(1102))!;
    const res = state.split(mid.id, [enc(1101), enc(1103)]);
    expect('regions' in res).toBe(true);

    const all = state.regions();
    expect(all).toHaveLength(1 + 80 + 2);
    for (let i = 1; i < all.length; i++) expect(Buffer.from(all[i - 1]!.endKey)).toEqual(Buffer.from(all[i]!.startKey));
    expect(all[0]!.startKey).toHaveLength(0);
    expect(all[all.length - 1]!.endKey).toHaveLength(0);

    for (const t of [0, 999, 1000, 1001, 1005, 1101, 1102, 1103, 1395, 1400, 5000]) {
      expect(state.regionByKey(enc(t))?.id).toBe(linearAtKey(all, enc(t)));
    }
    expect(state.regionByKey(EMPTY)?.id).toBe(all[0]!.id);
    for (const r of all) expect(state.regionById(r.id)?.startKey).toEqual(r.startKey);

    const scan = state.scanRegions(enc(1100), enc(1110), 0).map((r) => r.id);
    const expected = all.filter((r) => (r.endKey.length === 0 || Buffer.compare(Buffer.from(r.endKey), Buffer.from(enc(1100))) > 0) && Buffer.compare(Buffer.from(r.startKey), Buffer.from(enc(1110))) < 0).map((r) => r.id);
    expect(scan).toEqual(expected);
    expect(scan.length).toBeGreaterThan(3);
    expect(state.scanRegions(enc(1100), enc(1110), 2).map((r) => r.id)).toEqual(expected.slice(0, 2));
    expect(state.scanRegions(enc(1390), EMPTY, 0).map((r) => r.id)).toEqual(all.slice(-2).map((r) => r.id));
  });

  it('refuses pieces that do not cover the replaced region', () => {
    const a = { id: 1, startKey: EMPTY, endKey: enc(5) };
    const b = { id: 2, startKey: enc(5), endKey: EMPTY };
    const idx = new RegionIndex<IndexedRegion>([a, b]);
    expect(() => idx.replace(1, [{ id: 3, startKey: EMPTY, endKey: enc(3) }])).toThrow('do not end where the region did');
    expect(() => idx.replace(1, [{ id: 3, startKey: EMPTY, endKey: enc(2) }, { id: 1, startKey: enc(3), endKey: enc(5) }])).toThrow('do not chain');
    idx.replace(1, [{ id: 3, startKey: EMPTY, endKey: enc(3) }, { id: 1, startKey: enc(3), endKey: enc(5) }]);
    expect(idx.all().map((r) => r.id)).toEqual([3, 1, 2]);
    expect(idx.atKey(enc(4))?.id).toBe(1);
    expect(idx.byId(3)?.endKey).toEqual(enc(3));
  });

  it('looks a key up in 50,000 regions in well under a linear walk', () => {
    const n = 50_000;
    const regions = Array.from({ length: n }, (_, i) => ({ id: i + 1, startKey: i === 0 ? EMPTY : enc(i), endKey: i === n - 1 ? EMPTY : enc(i + 1) }));
    const idx = new RegionIndex(regions);
    const t0 = process.hrtime.bigint();
    for (let i = 1; i < 20_000; i++) expect(idx.atKey(enc(i))?.id).toBe(i + 1);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    // 20k linear lookups over 50k regions are ~5e8 comparisons (tens of seconds); binary search is ~3e5.
    expect(ms).toBeLessThan(5_000);
  });
});
