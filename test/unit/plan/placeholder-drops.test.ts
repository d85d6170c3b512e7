import { planColumnLayout } from '../../../src/plan/column-ids';
import { mergePlaceholderDrops } from '../../../src/plan/placeholder-drops';
import { col, idx, tableInfo } from './manifest-builder';

const statementsOf = (p: ReturnType<typeof planColumnLayout>): string[] => {
  if (!p.reproducible) throw new Error(p.reason);
  return p.statements;
};

describe('mergePlaceholderDrops', () => {
  it("folds a planned table's placeholder drops (a dropped index, two dropped columns) into one ALTER, in their order", () => {
    // Column IDs 2 and 4 and index ID 1 were dropped before the backup.
    const t = tableInfo(1, 't', { pk_is_handle: false, cols: [col(1, 'a', 0), col(3, 'c', 1), col(5, 'e', 2)], max_col_id: 5, index_info: [idx(2, 'ka', [{ name: 'a', offset: 0 }])], max_idx_id: 2 });
    const planned = statementsOf(planColumnLayout(t));
    expect(planned.slice(1)).toEqual([
      'ALTER TABLE `t` DROP INDEX `__brflow_idx_1`',
      'ALTER TABLE `t` DROP COLUMN `__brflow_col_2`',
      'ALTER TABLE `t` DROP COLUMN `__brflow_col_4`',
    ]);
    expect(mergePlaceholderDrops(planned)).toEqual([
      planned[0],
      'ALTER TABLE `t` DROP INDEX `__brflow_idx_1`, DROP COLUMN `__brflow_col_2`, DROP COLUMN `__brflow_col_4`',
    ]);
  });

  it('leaves a single drop, other statements and their order as they are; merges only adjacent drops of one table', () => {
    const s = [
      'CREATE TABLE `a``b` (x int)',
      'ALTER TABLE `a``b` ADD COLUMN `__brflow_col_3` tinyint(4) DEFAULT NULL',
      'ALTER TABLE `a``b` DROP COLUMN `__brflow_col_2`',
      'ALTER TABLE `a``b` ALTER COLUMN `y` SET DEFAULT 1',
      'ALTER TABLE `a``b` DROP COLUMN `__brflow_col_3`',
      'ALTER TABLE `other` DROP COLUMN `__brflow_col_4`',
      'ALTER TABLE `a``b` DROP COLUMN `real_column`',
    ];
    expect(mergePlaceholderDrops(s)).toEqual(s);
    expect(mergePlaceholderDrops([])).toEqual([]);
  });
});
