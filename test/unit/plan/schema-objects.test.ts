import { planJson, planRows, renderPlanTable } from '../../../src/cli/commands/plan';
import { planOptions } from '../../../src/activities/plan-cache';
import { assertPlanRestorable, planRestore, verifyPlanHash } from '../../../src/plan/restore-plan';
import { validateSkip } from '../../../src/plan/schema-objects';
import type { TableInfo } from '../../../src/plan/table-info';
import { normalizeRestoreRequest } from '../../../src/workflows/normalize-request';
import { col, idx, ManifestBuilder, tableInfo } from './manifest-builder';

const ci = (s: string) => ({ O: s, L: s.toLowerCase() });

/** TiDB model.FKInfo / ConstraintInfo / TTLInfo / PolicyRefInfo as TableInfo JSON carries them. */
function fk(id: number, name: string, refTable: string): Record<string, unknown> {
  return { id, fk_name: ci(name), ref_schema: ci('shop'), ref_table: ci(refTable), ref_cols: [ci('id')], cols: [ci('customer_id')], on_delete: 0, on_update: 0, state: 5, version: 1 };
}
function check(id: number, name: string, expr: string, state = 5): Record<string, unknown> {
  return { id, constraint_name: ci(name), tbl_name: ci('orders'), constraint_cols: [ci('qty')], enforced: true, in_column: false, expr_string: expr, state };
}

function orders(over: Partial<TableInfo> = {}): TableInfo {
  return tableInfo(20, 'orders', {
    cols: [col(1, 'id', 0, { type: { Tp: 3, Flag: 4099, Flen: 11, Decimal: 0, Charset: 'binary', Collate: 'binary', Elems: null } }), col(2, 'customer_id', 1), col(3, 'qty', 2), col(4, 'created_at', 3, { type: { Tp: 12, Flag: 0, Flen: 19, Decimal: 0, Charset: 'binary', Collate: 'binary', Elems: null } })],
    index_info: [idx(1, 'fk_customer', [{ name: 'customer_id', offset: 1 }])],
    ...over,
  });
}

function manifest(...tables: TableInfo[]) {
  const b = new ManifestBuilder().db('shop', 1).table('shop', tableInfo(10, 'customers'));
  for (const t of tables) b.table('shop', t);
  return b.build();
}

const everything = orders({
  fk_info: [fk(1, 'fk_customer', 'customers')],
  constraint_info: [check(1, 'qty_positive', '`qty` > 0'), check(2, 'in_ddl', '(`qty` < 9)', 3)],
  ttl_info: { column: ci('created_at'), interval_expr: '1', interval_time_unit: 3, enable: true, job_interval: '1h' },
  policy_ref_info: { id: 7, name: ci('fast') },
});

describe('schema objects: recreated, skipped or refused', () => {
  it('a placement policy the backup does not hold is left to the target (the pre-check reads it); foreign keys, CHECKs and TTL are planned as statements', () => {
    const plan = planRestore(manifest(everything));
    expect(plan.tables.map((t) => [t.name, t.objects?.map((o) => o.name)])).toEqual([
      ['customers', undefined],
      ['orders', ['foreign key fk_customer', 'CHECK constraint qty_positive', 'TTL on created_at', 'placement policy fast']],
    ]);
    expect(plan.summary).not.toHaveProperty('unsupportedObjects');
    expect(() => assertPlanRestorable(plan)).not.toThrow();
    expect(plan.targetPolicies).toEqual([{ name: 'fast', usedBy: ['table `shop`.`orders`'], users: 1 }]);
    // Public objects only: the CHECK still in a DDL (state 3) is not there.
    expect(plan.tables[1]!.constraints).toEqual({
      statements: [
        'ALTER TABLE `orders` ADD CONSTRAINT `fk_customer` FOREIGN KEY (`customer_id`) REFERENCES `shop`.`customers` (`id`)',
        'ALTER TABLE `orders` ADD CONSTRAINT `qty_positive` CHECK (`qty` > 0)',
        "ALTER TABLE `orders` TTL = `created_at` + INTERVAL 1 MINUTE TTL_ENABLE = 'ON' TTL_JOB_INTERVAL = '1h'",
      ],
      expect: { foreignKeys: ['fk_customer'], checks: ['qty_positive'], ttl: true },
    });
    expect(plan.tables[0]).not.toHaveProperty('constraints');
  });

  it('renders referential actions, NOT ENFORCED and a TTL job switched off as backed up', () => {
    const t = orders({
      fk_info: [{ ...fk(1, 'fk_customer', 'customers'), on_delete: 2, on_update: 3 }],
      constraint_info: [{ ...check(1, 'qty_small', '`qty` < 1000'), enforced: false }],
      ttl_info: { column: ci('created_at'), interval_expr: '3', interval_time_unit: 7, enable: false, job_interval: '2h' },
    });
    expect(planRestore(manifest(t)).tables[1]!.constraints!.statements).toEqual([
      'ALTER TABLE `orders` ADD CONSTRAINT `fk_customer` FOREIGN KEY (`customer_id`) REFERENCES `shop`.`customers` (`id`) ON DELETE CASCADE ON UPDATE SET NULL',
      'ALTER TABLE `orders` ADD CONSTRAINT `qty_small` CHECK (`qty` < 1000) NOT ENFORCED',
      "ALTER TABLE `orders` TTL = `created_at` + INTERVAL 3 MONTH TTL_ENABLE = 'OFF' TTL_JOB_INTERVAL = '2h'",
    ]);
  });

  it("a database's default placement policy the backup does not hold is left to the target too, and counted when skipped", () => {
    const m = manifest(orders());
    m.databases[0]!.info['policy_ref_info'] = { id: 3, name: ci('eu') };
    expect(() => assertPlanRestorable(planRestore(m))).not.toThrow();
    expect(planRestore(m).targetPolicies).toEqual([{ name: 'eu', usedBy: ['database `shop`'], users: 1 }]);
    const skipped = planRestore(m, { skip: ['placement'] });
    expect(() => assertPlanRestorable(skipped)).not.toThrow();
    expect(skipped).not.toHaveProperty('targetPolicies');
    expect(skipped.summary.skipped).toEqual({ placement: 1 });
  });

  it('a partition-level placement policy counts too', () => {
    const t = orders({ partition: { type: 2, expr: '`id`', columns: null, enable: true, num: 2, definitions: [{ id: 21, name: ci('p0'), less_than: null }, { id: 22, name: ci('p1'), less_than: null, policy_ref_info: { id: 8, name: ci('slow') } }] } });
    expect(() => assertPlanRestorable(planRestore(manifest(t)))).not.toThrow();
    expect(planRestore(manifest(t)).targetPolicies).toEqual([{ name: 'slow', usedBy: ['partition `p1` of `shop`.`orders`'], users: 1 }]);
  });

  it('with the kinds skipped the plan is restorable, adds none of them and counts what it leaves out, per kind', () => {
    const plan = planRestore(manifest(everything, orders({ id: 30, name: ci('orders2'), fk_info: [fk(1, 'a', 'customers'), fk(2, 'b', 'orders')] })), { skip: ['foreignKeys', 'checkConstraints', 'ttl', 'placement'] });
    expect(() => assertPlanRestorable(plan)).not.toThrow();
    expect(plan.summary.skipped).toEqual({ foreignKeys: 3, checkConstraints: 1, ttl: 1, placement: 1 });
    expect(plan.summary.unsupportedObjects).toBeUndefined();
    expect(plan.tables.some((t) => 'constraints' in t)).toBe(false);
    expect(plan.skip).toEqual(['foreignKeys', 'checkConstraints', 'ttl', 'placement']);
    expect(verifyPlanHash(plan)).toBe(true);
  });

  it('skipping some kinds adds the others', () => {
    const plan = planRestore(manifest(everything), { skip: ['foreignKeys', 'placement'] });
    expect(plan.summary.skipped).toEqual({ foreignKeys: 1, placement: 1 });
    expect(() => assertPlanRestorable(plan)).not.toThrow();
    expect(plan.tables[1]!.constraints!.expect).toEqual({ foreignKeys: [], checks: ['qty_positive'], ttl: true });
  });

  it('tables without such objects plan exactly as before: no new fields', () => {
    const plain = planRestore(manifest(orders()));
    expect(plain.summary).not.toHaveProperty('skipped');
    expect(plain.tables.some((t) => 'objects' in t || 'constraints' in t)).toBe(false);
    expect(plain).not.toHaveProperty('skip');
    expect(() => assertPlanRestorable(plain)).not.toThrow();
  });

  it('noSchema creates nothing, so nothing is refused or added', () => {
    const plan = planRestore(manifest(everything), { noSchema: true });
    expect(() => assertPlanRestorable(plan)).not.toThrow();
    expect(plan.tables.some((t) => 'constraints' in t)).toBe(false);
  });
});

describe('skip in the input', () => {
  it('validates every entry, reporting all problems', () => {
    expect(validateSkip(['ttl', 'foreignKeys'])).toEqual({ value: ['foreignKeys', 'ttl'] });
    expect(validateSkip('ttl')).toEqual({ problems: [expect.stringMatching(/^skip: expected an array/)] });
    expect(validateSkip(['fks', 'ttl', 'ttl', 3])).toEqual({ problems: [
      'skip[0]: "fks" is not an object kind; known: foreignKeys, checkConstraints, ttl, placement, vectorIndexes',
      'skip[2]: "ttl" is listed twice; list it once',
      'skip[3]: 3 is not an object kind; known: foreignKeys, checkConstraints, ttl, placement, vectorIndexes',
    ] });
  });

  it('normalizeRestoreRequest carries it (absent when not given) and reports its problems with the others', () => {
    const ok = normalizeRestoreRequest({ storage: 'local:///b', skip: ['placement', 'checkConstraints'] });
    expect('value' in ok && ok.value.skip).toEqual(['checkConstraints', 'placement']);
    const none = normalizeRestoreRequest({ storage: 'local:///b' });
    expect('value' in none && none.value).not.toHaveProperty('skip');
    const bad = normalizeRestoreRequest({ storage: 'local:///b', skip: ['views'], concurrency: 0 });
    expect('problems' in bad && bad.problems).toEqual([expect.stringMatching(/^skip\[0\]: "views"/), expect.stringMatching(/^concurrency:/)]);
  });
});

describe('brflow plan shows, per table, its DDL and what it cannot recreate', () => {
  it('rows carry statements, refused and skipped objects; the text names them', () => {
    const plan = planRestore(manifest(everything), { skip: ['ttl'] });
    const rows = planRows(plan);
    expect(rows[0]).toMatchObject({ table: 'customers', statements: [expect.stringMatching(/^CREATE TABLE `customers`/)] });
    expect(rows[0]).not.toHaveProperty('refused');
    expect(rows[1]).toMatchObject({ table: 'orders', skipped: ['TTL on created_at'] });
    expect(rows[1]).not.toHaveProperty('refused');
    expect(rows[1]!.statements!.slice(-3)).toEqual([expect.stringMatching(/FOREIGN KEY/), expect.stringMatching(/CHECK/), 'ALTER TABLE `orders` PLACEMENT POLICY = `fast`']);
    const text = renderPlanTable(plan, { statements: true });
    expect(text).toContain('must exist on the target (not in what the restore creates; checked before anything changes):\n  placement policy `fast` (used by table `shop`.`orders`)');
    expect(planJson(plan)).toMatchObject({ policiesFromTarget: [{ name: 'fast', usedBy: ['table `shop`.`orders`'], users: 1 }] });
    expect(text).toContain('restored without (skip ttl):\n  `shop`.`orders`: TTL on created_at');
    expect(text).toContain('-- `shop`.`orders`\nCREATE TABLE `orders` (');
    expect(text).toContain('ALTER TABLE `orders` ADD CONSTRAINT `fk_customer` FOREIGN KEY');
    expect(renderPlanTable(plan)).not.toContain('CREATE TABLE');
  });
});

describe('restores recorded before schema objects were handled', () => {
  const ref = { storage: 'local:///b', filters: [], caseSensitive: false, batchFiles: 256, mergeRegionSizeBytes: 1, mergeRegionKeyCount: 1, tableGroupSize: 128 };

  it('a PlanRef without schemaObjects plans as then: objects left out with the old warnings, nothing refused, nothing added', () => {
    const legacy = planRestore(manifest(everything), planOptions(ref));
    expect(() => assertPlanRestorable(legacy)).not.toThrow();
    expect(legacy.tables.some((t) => 'objects' in t || 'constraints' in t)).toBe(false);
    expect(legacy.summary).not.toHaveProperty('unsupportedObjects');
    const layout = legacy.tables[1]!.layout;
    expect(layout?.reproducible && layout.warnings).toEqual(['foreign keys are not recreated', 'check constraints are not recreated', 'the placement policy is not applied', 'the TTL option is not recreated']);
  });

  it('a PlanRef with schemaObjects (every new restore) refuses and recreates', () => {
    const plan = planRestore(manifest(everything), planOptions({ ...ref, schemaObjects: true }));
    expect(plan.tables[1]!.objects?.map((o) => o.name)).toContain('placement policy fast');
    expect(plan.targetPolicies?.map((p) => p.name)).toEqual(['fast']);
    expect(plan.tables[1]!.constraints?.statements).toHaveLength(3);
  });
});
