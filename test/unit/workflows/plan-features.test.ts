import { CURRENT_PLAN_FEATURES, planFeatureFlags, planFeaturesOf } from '../../../src/workflows/plan-features';

test('a PlanRef made today names every current feature, and its flags give back the same planning input', () => {
  const ref = { storage: 'local:///b', filters: [], hash: 'h', ...CURRENT_PLAN_FEATURES };
  expect(planFeaturesOf(ref)).toEqual(Object.keys(CURRENT_PLAN_FEATURES));
  expect(planFeatureFlags(planFeaturesOf(ref))).toEqual(CURRENT_PLAN_FEATURES);
});

test('a PlanRef recorded before a feature existed lacks it, and planning from its features leaves it out', () => {
  const older = { storage: 'local:///b', hash: 'h', schemaObjects: true, batchAcrossTables: true };
  expect(planFeatureFlags(planFeaturesOf(older))).toEqual({ schemaObjects: true, batchAcrossTables: true });
  expect(planFeaturesOf(undefined)).toEqual([]);
  expect(planFeaturesOf({ hash: 'h', pinIndexIds: 'yes' })).toEqual([]);
});
