import { decodeBackupMeta, decodePolicies } from '../../../src/backup/meta-decode';
import { ErrorType } from '../../../src/plan/error-types';
import { BackupMeta } from '../../../src/proto/brpb';

function varint(n: number): Buffer {
  const out: number[] = [];
  for (; n >= 0x80; n >>>= 7) out.push((n & 0x7f) | 0x80);
  out.push(n);
  return Buffer.from(out);
}

/** backupmeta field 19 `policies`: repeated PlacementPolicy { bytes info = 1 }, each a JSON model.PolicyInfo. */
describe('backupmeta placement policies', () => {
  const info = { primary_region: 'r1', regions: 'r1,r2', learners: 0, followers: 2, voters: 0, schedule: '', constraints: '', leader_constraints: '', learner_constraints: '', follower_constraints: '', voter_constraints: '', survival_preferences: '', id: 1, name: { O: 'p1', L: 'p1' }, state: 5 };

  it('decode from the wire (field 19, info field 1) back to PolicyInfo', () => {
    const json = Buffer.from(JSON.stringify(info));
    // Hand-encoded: tag 19 length-delimited = (19 << 3 | 2) = 154 → varint 0x9a 0x01; inner tag 1 = 0x0a; end_version (6) so the meta is plausible.
    const inner = Buffer.concat([Buffer.from([0x0a]), varint(json.length), json]);
    const bytes = Buffer.concat([Buffer.from([0x30, 0x01, 0x9a, 0x01]), varint(inner.length), inner]);
    const meta = decodeBackupMeta(bytes, 'test');
    expect(decodePolicies(meta.policies, 'test')).toEqual([info]);
    expect(Buffer.from(BackupMeta.encode(BackupMeta.fromPartial({ endVersion: 1n, policies: [{ info: json }] })).finish())).toEqual(bytes);
  });

  it('a policy that is not JSON, or has no id/name, is a corrupt backup naming it', () => {
    expect(() => decodePolicies([{ info: Buffer.from('{oops') }], 'the backup at x')).toThrow(expect.objectContaining({ type: ErrorType.BackupMetaCorrupt, message: expect.stringContaining('placement policy #0 in the backup at x is not valid JSON') }));
    expect(() => decodePolicies([{ info: Buffer.from('{"id":1}') }], 'the backup at x')).toThrow(expect.objectContaining({ type: ErrorType.BackupMetaCorrupt, message: 'placement policy #0 in the backup at x has no id/name' }));
  });
});
