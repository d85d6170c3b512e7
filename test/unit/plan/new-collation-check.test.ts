import { ErrorType } from '../../../src/plan/error-types';
import { newCollationMismatch } from '../../../src/plan/new-collation-check';

describe("the backup's new_collations_enabled against the target's new_collation_enabled (BR CheckNewCollationEnable)", () => {
  it('agrees ignoring case', () => {
    expect(newCollationMismatch('True', 'True')).toBeUndefined();
    expect(newCollationMismatch('true', 'True')).toBeUndefined();
    expect(newCollationMismatch('False', 'FALSE')).toBeUndefined();
  });

  it('differs: CollationMismatch naming both values and the fix', () => {
    const e = newCollationMismatch('False', 'True');
    expect(e).toMatchObject({ type: ErrorType.CollationMismatch, message: expect.stringMatching(/new_collations_enabled = False but the target TiDB has new_collation_enabled = True .*new_collations_enabled_on_first_bootstrap/) });
  });

  it('a backup from before the field existed, or a target without the row, is not compared', () => {
    expect(newCollationMismatch('', 'True')).toBeUndefined();
    expect(newCollationMismatch('True', undefined)).toBeUndefined();
  });
});
