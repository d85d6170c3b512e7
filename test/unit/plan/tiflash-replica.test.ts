import { decideTiFlashReplica, summarizeTiFlashReplicas } from '../../../src/plan/tiflash-replica';

const replica = (Count: number, LocationLabels?: string[] | null) => ({ tiflash_replica: { Count, ...(LocationLabels !== undefined ? { LocationLabels } : {}), Available: true } });

describe('decideTiFlashReplica (BR PreCheckTableTiFlashReplica)', () => {
  it.each([
    ['no replica info', { tiflash_replica: null }, 3, { kind: 'none' }],
    ['replica info absent', {}, 3, { kind: 'none' }],
    ['count 0', replica(0), 3, { kind: 'none' }],
    ['count equal to the TiFlash stores', replica(2, ['zone', 'rack']), 2, { kind: 'keep', count: 2, locationLabels: ['zone', 'rack'] }],
    ['count below the TiFlash stores, labels null', replica(1, null), 3, { kind: 'keep', count: 1, locationLabels: [] }],
    ['count above the TiFlash stores', replica(2), 1, { kind: 'drop', count: 2, tiflashStores: 1 }],
    ['no TiFlash store at all', replica(1), 0, { kind: 'drop', count: 1, tiflashStores: 0 }],
  ])('%s', (_name, info, stores, expected) => {
    expect(decideTiFlashReplica(info, stores)).toEqual(expected);
  });

  it('counts kept and dropped replicas over a restore and names the dropped tables', () => {
    const tables = [
      { db: 'shop', name: 'a', info: replica(2) },
      { db: 'shop', name: 'b', info: replica(1) },
      { db: 'shop', name: 'c', info: { tiflash_replica: null } },
      { db: 'shop', name: 'd', info: replica(3) },
    ];
    expect(summarizeTiFlashReplicas(tables, 1)).toEqual({ tiflashStores: 1, kept: 1, dropped: 2, droppedTables: ['shop.a (2 replicas)', 'shop.d (3 replicas)'] });
    expect(summarizeTiFlashReplicas(tables, 3)).toEqual({ tiflashStores: 3, kept: 3, dropped: 0, droppedTables: [] });
  });

  it('lists at most 20 dropped tables but counts them all', () => {
    const tables = Array.from({ length: 25 }, (_, i) => ({ db: 'd', name: `t${i}`, info: replica(1) }));
    const s = summarizeTiFlashReplicas(tables, 0);
    expect(s.dropped).toBe(25);
    expect(s.droppedTables).toHaveLength(20);
  });
});
