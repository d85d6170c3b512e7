import { ErrorType } from '../../../src/plan/error-types';
import { createPolicySql, missingPoliciesError, noteTargetPolicy, placementMismatches, tablePlacement, type PolicyInfo, type TargetPolicy } from '../../../src/plan/placement-sql';
import { assertPlanRestorable, planRestore, verifyPlanHash } from '../../../src/plan/restore-plan';
import { renderPlanTable } from '../../../src/cli/commands/plan';
import type { TableInfo } from '../../../src/plan/table-info';
import { ManifestBuilder, tableInfo } from './manifest-builder';

const ci = (s: string) => ({ O: s, L: s.toLowerCase() });

/** model.PolicyInfo JSON as TiDB v8.5.3 stores it (every settings field present, zero values included). */
function policy(id: number, name: string, over: Partial<PolicyInfo> = {}): PolicyInfo {
  return {
    primary_region: '', regions: '', learners: 0, followers: 0, voters: 0, schedule: '', constraints: '', leader_constraints: '',
    learner_constraints: '', follower_constraints: '', voter_constraints: '', survival_preferences: '', id, name: ci(name), state: 5, ...over,
  };
}

const ref = (id: number, name: string) => ({ policy_ref_info: { id, name: ci(name) } });

describe('CREATE PLACEMENT POLICY text', () => {
  it('prints the options in TiDB order (PlacementSettings.String), strings double-quoted, zero counts and empty strings left out', () => {
    expect(createPolicySql(policy(1, 'p1', { primary_region: 'us-east-1', regions: 'us-east-1,us-west-1', schedule: 'EVEN', followers: 4 })))
      .toBe('CREATE PLACEMENT POLICY IF NOT EXISTS `p1` PRIMARY_REGION="us-east-1" REGIONS="us-east-1,us-west-1" SCHEDULE="EVEN" FOLLOWERS=4');
    expect(createPolicySql(policy(2, 'p2', { constraints: '[+disk=ssd]', leader_constraints: '[+region=r1]', follower_constraints: '{"+region=r1": 1}', survival_preferences: '[region, zone]' })))
      .toBe('CREATE PLACEMENT POLICY IF NOT EXISTS `p2` CONSTRAINTS="[+disk=ssd]" LEADER_CONSTRAINTS="[+region=r1]" FOLLOWER_CONSTRAINTS="{\\"+region=r1\\": 1}" SURVIVAL_PREFERENCES="[region, zone]"');
    expect(createPolicySql(policy(3, 'p`3', { leader_constraints: '[+region=r1]', voters: 5, voter_constraints: '[+disk=ssd]', learners: 2, learner_constraints: '[+disk=hdd]' })))
      .toBe('CREATE PLACEMENT POLICY IF NOT EXISTS `p``3` LEADER_CONSTRAINTS="[+region=r1]" VOTERS=5 VOTER_CONSTRAINTS="[+disk=ssd]" LEARNERS=2 LEARNER_CONSTRAINTS="[+disk=hdd]"');
    // A backslash is doubled so the literal reads back as the value.
    expect(createPolicySql(policy(4, 'p4', { constraints: '[+zone=a\\b]' }))).toBe('CREATE PLACEMENT POLICY IF NOT EXISTS `p4` CONSTRAINTS="[+zone=a\\\\b]"');
  });
});

describe('table placement statements', () => {
  const parts = (defs: { name: string; policy?: string }[]): TableInfo['partition'] => ({
    type: 1, expr: '`id`', columns: null, enable: true, num: defs.length,
    definitions: defs.map((d, i) => ({ id: 100 + i, name: ci(d.name), less_than: [String((i + 1) * 10)], ...(d.policy ? ref(9, d.policy) : {}) })),
  });

  it("sets the table's and each partition's policy; in a database with a default policy a table without one is set to DEFAULT", () => {
    expect(tablePlacement(tableInfo(1, 't', ref(2, 'fast')), false)).toEqual({ statements: ['ALTER TABLE `t` PLACEMENT POLICY = `fast`'], expect: { table: 'fast', partitions: {} } });
    expect(tablePlacement(tableInfo(1, 't'), false)).toBeUndefined();
    expect(tablePlacement(tableInfo(1, 't'), true)).toEqual({ statements: ['ALTER TABLE `t` PLACEMENT POLICY = DEFAULT'], expect: { table: null, partitions: {} } });
    const pt = tableInfo(1, 't', { partition: parts([{ name: 'p0', policy: 'Slow' }, { name: 'p1' }]) });
    expect(tablePlacement(pt, false)).toEqual({ statements: ['ALTER TABLE `t` PARTITION `p0` PLACEMENT POLICY = `Slow`'], expect: { table: null, partitions: { p0: 'slow', p1: null } } });
  });

  it('names every reference TiDB did not keep', () => {
    const pt = tableInfo(1, 't', { ...ref(2, 'fast'), partition: parts([{ name: 'p0', policy: 'slow' }, { name: 'p1' }]) });
    const want = tablePlacement(pt, false)!.expect;
    expect(placementMismatches(want, pt)).toEqual([]);
    const lost = tableInfo(1, 't', { partition: parts([{ name: 'p0' }, { name: 'p1', policy: 'x' }]) });
    expect(placementMismatches(want, lost)).toEqual(['placement policy fast (TiDB holds none)', 'placement policy slow of partition p0 (TiDB holds none)', 'placement policy none of partition p1 (TiDB holds x)']);
  });
});

describe('planning placement', () => {
  function backup(filterable = true) {
    const b = new ManifestBuilder().policies([policy(7, 'fast', { followers: 2 }), policy(8, 'slow', { constraints: '[+disk=hdd]' }), policy(9, 'unused', { followers: 1 })]);
    b.dbInfo({ id: 1, db_name: ci('shop'), charset: 'utf8mb4', collate: 'utf8mb4_bin', state: 5, ...ref(7, 'fast') });
    b.table('shop', tableInfo(10, 'orders', ref(8, 'slow'))).table('shop', tableInfo(11, 'plain'));
    if (filterable) b.db('other', 2).table('other', tableInfo(20, 'x'));
    return b.build();
  }

  it('a full restore creates every policy of the backup, then the references; nothing is refused or counted as skipped', () => {
    const plan = planRestore(backup(), { allPolicies: true });
    expect(() => assertPlanRestorable(plan)).not.toThrow();
    expect(plan.placementPolicies?.map((p) => p.name)).toEqual(['fast', 'slow', 'unused']);
    expect(plan.databases.find((d) => d.name === 'shop')!.placementSql).toBe('ALTER DATABASE `shop` PLACEMENT POLICY = `fast`');
    expect(plan.databases.find((d) => d.name === 'other')).not.toHaveProperty('placementSql');
    expect(plan.tables.map((t) => [t.name, t.placement?.statements])).toEqual([
      ['x', undefined],
      ['orders', ['ALTER TABLE `orders` PLACEMENT POLICY = `slow`']],
      ['plain', ['ALTER TABLE `plain` PLACEMENT POLICY = DEFAULT']],
    ]);
    expect(plan.summary).not.toHaveProperty('skipped');
    expect(plan.summary).not.toHaveProperty('unsupportedObjects');
    // The layout no longer warns that the policy is left out.
    const layout = plan.tables[1]!.layout;
    expect(layout?.reproducible && layout.warnings).toEqual([]);
    expect(verifyPlanHash(plan)).toBe(true);
  });

  it("filters keep every policy (BR's restore full -f); a database/table restore, or a ref recorded before placement, creates only those referenced", () => {
    expect(planRestore(backup(), { filters: ['shop.orders'], allPolicies: true }).placementPolicies?.map((p) => p.name)).toEqual(['fast', 'slow', 'unused']);
    expect(planRestore(backup(), { db: 'shop', table: 'orders', allPolicies: true }).placementPolicies?.map((p) => p.name)).toEqual(['fast', 'slow']);
    expect(planRestore(backup(), { filters: ['shop.orders'] }).placementPolicies?.map((p) => p.name)).toEqual(['fast', 'slow']);
    // A backup whose policies nothing references plans exactly as before placement was recreated.
    expect(planRestore(backup(), { filters: ['other.*'] })).not.toHaveProperty('placementPolicies');
  });

  it('brflow plan --statements lists the policies and the databases\' default policies before the tables', () => {
    const text = renderPlanTable(planRestore(backup(), { allPolicies: true }), { statements: true });
    expect(text).toContain('-- placement policies\nCREATE PLACEMENT POLICY IF NOT EXISTS `fast` FOLLOWERS=2;\nCREATE PLACEMENT POLICY IF NOT EXISTS `slow` CONSTRAINTS="[+disk=hdd]";\nCREATE PLACEMENT POLICY IF NOT EXISTS `unused` FOLLOWERS=1;');
    expect(text).toContain('ALTER DATABASE `shop` PLACEMENT POLICY = `fast`;');
    expect(text).toContain('ALTER TABLE `orders` PLACEMENT POLICY = `slow`;');
  });

  it('skipping placement (placementMode ignore) plans no policy and no reference, counts them, and keeps the plan a restore recorded before had', () => {
    const skipped = planRestore(backup(), { skip: ['placement'] });
    expect(skipped).not.toHaveProperty('placementPolicies');
    expect(skipped.databases.some((d) => 'placementSql' in d)).toBe(false);
    expect(skipped.tables.some((t) => 'placement' in t)).toBe(false);
    expect(skipped.summary.skipped).toEqual({ placement: 2 });
    // The backup's policies play no part in a plan that skips them: same hash as without any.
    const withoutPolicies = { ...backup(), placementPolicies: undefined };
    expect(planRestore(withoutPolicies, { skip: ['placement'] }).hash).toBe(skipped.hash);
  });

  it('a reference the backup holds no policy for is left to the target (as BR): planned, not created, listed with its users for the pre-check', () => {
    const m = backup();
    m.placementPolicies = m.placementPolicies!.filter((p) => p.name.L !== 'slow');
    const plan = planRestore(m);
    expect(() => assertPlanRestorable(plan)).not.toThrow();
    expect(plan.summary).not.toHaveProperty('unsupportedObjects');
    expect(plan.placementPolicies!.map((p) => p.name)).not.toContain('slow');
    expect(plan.targetPolicies).toEqual([{ name: 'slow', usedBy: ['table `shop`.`orders`'], users: 1 }]);
    expect(plan.tables.find((t) => t.name === 'orders')!.placement!.statements).toContain('ALTER TABLE `orders` PLACEMENT POLICY = `slow`');
    // Every policy in the backup: nothing for the target to hold.
    expect(planRestore(backup())).not.toHaveProperty('targetPolicies');
    // placementMode ignore: no reference is planned, so none is checked.
    expect(planRestore(m, { skip: ['placement'] })).not.toHaveProperty('targetPolicies');
  });

  it('the error for policies the target lacks names each with the objects using it, and what to do', () => {
    const e = missingPoliciesError([
      { name: 'slow', usedBy: ['table `shop`.`orders`', 'partition `p0` of `shop`.`items`'], users: 2 },
      { name: 'eu', usedBy: ['database `shop`', 'table `a`.`b`', 'table `a`.`c`', 'table `a`.`d`', 'table `a`.`e`'], users: 9 },
    ]);
    expect(e.type).toBe(ErrorType.UnsupportedObject);
    expect(e.message).toBe(
      '2 placement policy(ies) the restore references are neither in the backup nor on the target: `slow` (used by table `shop`.`orders`, partition `p0` of `shop`.`items`); ' +
        '`eu` (used by database `shop`, table `a`.`b`, table `a`.`c`, table `a`.`d`, table `a`.`e`, and 4 more). The cluster was not changed. ' +
        'Create them on the target (CREATE PLACEMENT POLICY …), or restore without placement with "placementMode": "ignore" (or "skip": ["placement"])',
    );
  });

  it('names at most five users of a policy the backup lacks, counting the rest', () => {
    const into = new Map<string, TargetPolicy>();
    for (let i = 0; i < 7; i++) noteTargetPolicy(into, i === 0 ? 'Slow' : 'slow', `table \`d\`.\`t${i}\``);
    expect([...into.values()]).toEqual([{ name: 'Slow', usedBy: ['table `d`.`t0`', 'table `d`.`t1`', 'table `d`.`t2`', 'table `d`.`t3`', 'table `d`.`t4`'], users: 7 }]);
  });
});
