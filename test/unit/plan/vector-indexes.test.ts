import { planOptions } from '../../../src/activities/plan-cache';
import { planRows } from '../../../src/cli/commands/plan';
import { ErrorType } from '../../../src/plan/error-types';
import { assertPlanRestorable, planRestore } from '../../../src/plan/restore-plan';
import { validateSkip } from '../../../src/plan/schema-objects';
import type { TableInfo } from '../../../src/plan/table-info';
import { col, idx, ManifestBuilder, tableInfo } from './manifest-builder';

const VECTOR = { Tp: 225, Flag: 128, Flen: 3, Decimal: 0, Charset: 'binary', Collate: 'binary', Elems: null };

/**
 * `docs` as a v8.5 cluster with TiFlash records it: `k1` (ID 1) dropped, then a vector index `vi` (ID 2) on the
 * VECTOR column, then `k3` (ID 3); model.IndexInfo `vector_index` set on `vi` only.
 */
function docs(): TableInfo {
  return tableInfo(20, 'docs', {
    cols: [col(1, 'id', 0, { type: { Tp: 3, Flag: 4099, Flen: 11, Decimal: 0, Charset: 'binary', Collate: 'binary', Elems: null } }), col(2, 'e', 1, { type: VECTOR }), col(3, 'k', 2)],
    index_info: [
      idx(2, 'vi', [{ name: 'e', offset: 1 }], { index_type: 5, vector_index: { dimension: 3, distance_metric: 'L2' } }),
      idx(3, 'k3', [{ name: 'k', offset: 2 }]),
    ],
    max_idx_id: 3,
  });
}

const manifest = () => new ManifestBuilder().db('vec', 1).table('vec', tableInfo(10, 'plain')).table('vec', docs()).build();
const ref = { storage: 'local:///b', filters: [], caseSensitive: false, batchFiles: 256, mergeRegionSizeBytes: 1, mergeRegionKeyCount: 1, tableGroupSize: 128, schemaObjects: true, pinIndexIds: true, partitionTextAsStored: true };

describe('vector indexes: refused unless skipped, then left out', () => {
  it('without skip, planning fails with UnsupportedObject naming the table and the index, and what to skip', () => {
    const plan = planRestore(manifest(), planOptions({ ...ref, vectorIndexObjects: true }));
    expect(plan.summary.unsupportedTables).toBe(0);
    expect(plan.summary.unsupportedObjects).toBe(1);
    expect(plan.summary).not.toHaveProperty('skipped');
    expect(() => assertPlanRestorable(plan)).toThrow(expect.objectContaining({
      type: ErrorType.UnsupportedObject,
      message: expect.stringMatching(/^brflow cannot recreate 1 schema object\(s\) of 1 table\(s\) or database\(s\): `vec`\.`docs`: vector index vi \(TiDB builds a vector index only on a table with a TiFlash replica.*\)\. Restore the tables without them with "skip": \["vectorIndexes"\]/),
    }));
    expect(planRows(plan).find((r) => r.table === 'docs')?.refused).toEqual([expect.stringMatching(/^vector index vi \(/)]);
  });

  it('with skip ["vectorIndexes"], the table is created without it, the VECTOR column kept and k3 keeping ID 3; counted as 1 vectorIndexes', () => {
    const plan = planRestore(manifest(), planOptions({ ...ref, vectorIndexObjects: true, skip: ['vectorIndexes'] }));
    expect(() => assertPlanRestorable(plan)).not.toThrow();
    expect(plan.skip).toEqual(['vectorIndexes']);
    expect(plan.summary.skipped).toEqual({ vectorIndexes: 1 });
    expect(plan.summary).not.toHaveProperty('unsupportedObjects');
    expect(planRows(plan).find((r) => r.table === 'docs')?.skipped).toEqual(['vector index vi']);
    const layout = plan.tables.find((t) => t.name === 'docs')!.layout;
    // Placeholders take IDs 1 (dropped k1) and 2 (the vector index), so k3 is index 3 again.
    expect(layout).toEqual({
      reproducible: true,
      statements: [
        'CREATE TABLE `docs` (\n  `id` int(11) NOT NULL,\n  `e` vector(3) DEFAULT NULL,\n  `k` int(11) DEFAULT NULL,\n  PRIMARY KEY (`id`) /*T![clustered_index] CLUSTERED */,\n' +
          '  KEY `__brflow_idx_1` (`id`),\n  KEY `__brflow_idx_2` (`id`),\n  KEY `k3` (`k`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin',
        'ALTER TABLE `docs` DROP INDEX `__brflow_idx_1`',
        'ALTER TABLE `docs` DROP INDEX `__brflow_idx_2`',
      ],
      expectedColumnIds: [{ name: 'id', id: 1 }, { name: 'e', id: 2 }, { name: 'k', id: 3 }],
      warnings: [],
    });
  });

  it('`vectorIndexes` is a skip kind the input and --skip accept, after the older kinds', () => {
    expect(validateSkip(['vectorIndexes', 'foreignKeys'])).toEqual({ value: ['foreignKeys', 'vectorIndexes'] });
  });

  it('a PlanRef recorded before (no vectorIndexObjects) refuses the table as then, UnsupportedTable, and its plan hash holds', () => {
    const legacy = planRestore(manifest(), planOptions(ref));
    expect(legacy.tables.find((t) => t.name === 'docs')).not.toHaveProperty('objects');
    expect(legacy.summary.unsupportedTables).toBe(1);
    expect(() => assertPlanRestorable(legacy)).toThrow(expect.objectContaining({ type: ErrorType.UnsupportedTable, message: expect.stringContaining('`vec`.`docs`: vector index `vi` needs a TiFlash replica') }));
    // Plans of tables without vector indexes are the same under both.
    const plain = () => new ManifestBuilder().db('vec', 1).table('vec', tableInfo(10, 'plain')).build();
    expect(planRestore(plain(), planOptions(ref)).hash).toBe(planRestore(plain(), planOptions({ ...ref, vectorIndexObjects: true })).hash);
    // The oldest refs (no schemaObjects) never leave a vector index out silently either.
    const oldest = planRestore(manifest(), planOptions({ ...ref, schemaObjects: false }));
    expect(() => assertPlanRestorable(oldest)).toThrow(expect.objectContaining({ type: ErrorType.UnsupportedTable }));
  });
});
