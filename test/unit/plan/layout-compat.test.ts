import { planOptions } from '../../../src/activities/plan-cache';
import { planRestore } from '../../../src/plan/restore-plan';
import { col, idx, ManifestBuilder, tableInfo } from './manifest-builder';

// A table partitioned by an operator expression and one by KEY () as v8.5.3 records them (status API).
const def = (id: number, name: string) => ({ id, name: { O: name, L: name }, less_than: null, in_values: null });
const hashed = tableInfo(10, 'hashed', {
  pk_is_handle: false, cols: [col(1, 'id', 0)],
  partition: { type: 2, expr: '(`id`%7)', columns: null, enable: true, num: 2, definitions: [def(11, 'p0'), def(12, 'p1')] },
});
const keyed = tableInfo(20, 'keyed', {
  partition: { type: 4, expr: '', columns: [{ O: 'id', L: 'id' }], is_empty_columns: true, enable: true, num: 2, definitions: [def(21, 'p0'), def(22, 'p1')] },
});
const manifest = () => new ManifestBuilder().db('d', 1).table('d', hashed).table('d', keyed).build();
const ref = { storage: 'local:///b', filters: [], caseSensitive: false, batchFiles: 256, mergeRegionSizeBytes: 1, mergeRegionKeyCount: 1, tableGroupSize: 128, schemaObjects: true };
const creates = (opts: Parameters<typeof planOptions>[0]) =>
  planRestore(manifest(), planOptions(opts)).tables.map((t) => (t.layout?.reproducible ? t.layout.statements[0]!.slice(t.layout.statements[0]!.indexOf('PARTITION BY')) : ''));

describe('partitioning text of a plan', () => {
  it('a PlanRef with partitionTextAsStored (every new restore) writes what makes TiDB store the backup\'s text', () => {
    expect(creates({ ...ref, partitionTextAsStored: true })).toEqual(['PARTITION BY HASH (`id`%7) PARTITIONS 2', 'PARTITION BY KEY () PARTITIONS 2']);
  });

  it('a PlanRef recorded before writes it as then, so its plan hash holds', () => {
    expect(creates(ref)).toEqual(['PARTITION BY HASH ((`id`%7)) PARTITIONS 2', 'PARTITION BY KEY (`id`) PARTITIONS 2']);
    expect(planRestore(manifest(), planOptions(ref)).hash).not.toBe(planRestore(manifest(), planOptions({ ...ref, partitionTextAsStored: true })).hash);
  });
});

describe('index IDs of a plan', () => {
  // k0 (ID 1) was dropped: k1 is index 2.
  const gapped = tableInfo(30, 'gapped', { pk_is_handle: false, cols: [col(1, 'a', 0)], index_info: [idx(2, 'k1', [{ name: 'a', offset: 0 }])], max_idx_id: 2 });
  const statements = (opts: Parameters<typeof planOptions>[0]) => {
    const layout = planRestore(new ManifestBuilder().db('d', 1).table('d', gapped).build(), planOptions(opts)).tables[0]!.layout;
    return layout?.reproducible ? layout.statements : [];
  };

  it('a PlanRef with pinIndexIds (every new restore) takes the gap with a placeholder index, dropped at the end', () => {
    expect(statements({ ...ref, pinIndexIds: true })).toEqual([
      'CREATE TABLE `gapped` (\n  `a` int(11) DEFAULT NULL,\n  KEY `__brflow_idx_1` (`a`),\n  KEY `k1` (`a`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin',
      'ALTER TABLE `gapped` DROP INDEX `__brflow_idx_1`',
    ]);
  });

  it('a PlanRef recorded before plans without it, so its plan hash holds', () => {
    expect(statements(ref)).toEqual(['CREATE TABLE `gapped` (\n  `a` int(11) DEFAULT NULL,\n  KEY `k1` (`a`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin']);
  });
});

describe('auto ID bases of a plan', () => {
  // A `_tidb_rowid` table whose backup's allocator had reached 5000.
  const logged = tableInfo(40, 'logged', { pk_is_handle: false, cols: [col(1, 'a', 0)], auto_inc_id: 5000 });
  const plan = (opts: Parameters<typeof planOptions>[0]) => planRestore(new ManifestBuilder().db('d', 1).table('d', logged).build(), planOptions(opts));
  const create = (opts: Parameters<typeof planOptions>[0]) => {
    const layout = plan(opts).tables[0]!.layout;
    return layout?.reproducible ? layout.statements[0] : undefined;
  };

  it('a PlanRef with autoIdsInCreate (every new restore) sets the base in the CREATE TABLE', () => {
    expect(create({ ...ref, autoIdsInCreate: true })).toBe('CREATE TABLE `logged` (\n  `a` int(11) DEFAULT NULL\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin AUTO_INCREMENT=5000');
  });

  it('a PlanRef recorded before plans the CREATE as then (rebased by ALTER after it), so its plan hash holds', () => {
    expect(create(ref)).toBe('CREATE TABLE `logged` (\n  `a` int(11) DEFAULT NULL\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin');
    expect(plan(ref).hash).not.toBe(plan({ ...ref, autoIdsInCreate: true }).hash);
  });
});
