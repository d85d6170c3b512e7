import { foldRunHistory, foldTableIds, resumeProblems, type EarlierRun, type RunActivity } from '../../../src/plan/earlier-run';
import { formatRanges, parseRanges } from '../../../src/plan/number-ranges';

const done = (type: string, input: unknown, result: unknown): RunActivity => ({ type, state: 'completed', input, result });

test.each([
  [[], ''],
  [[3], '3'],
  [[0, 1, 2, 3, 7, 9, 10], '0-3,7,9-10'],
  [[5, 1, 2, 2, 4], '1-2,4-5'],
])('formatRanges(%j) = %j and parses back', (nums, text) => {
  expect(formatRanges(nums)).toBe(text);
  expect(parseRanges(text)).toEqual([...new Set(nums)].sort((a, b) => a - b));
});

test('parseRanges refuses what formatRanges never writes', () => {
  expect(() => parseRanges('1-x')).toThrow(/not N or N-M/);
  expect(() => parseRanges('5-2')).toThrow(/backwards/);
});

test('a first run: planned hash, completed batches (failed/open ones not), passed groups as a prefix, the mismatching group to recheck', () => {
  const s = foldRunHistory({
    input: { storage: 'local:///b', cluster: { pd: ['a:1'], tidb: 'b:2' } },
    activities: [
      done('planRestore', {}, { planRef: { hash: 'h1' } }),
      done('ingestBatch', { batchNo: 0 }, { files: 2, bytes: 10 }),
      done('ingestBatch', { batchNo: 2 }, { files: 2, bytes: 10 }),
      { type: 'ingestBatch', state: 'failed', input: { batchNo: 1 } },
      { type: 'ingestBatch', state: 'open', input: { batchNo: 3 } },
      done('checksumGroup', { group: 0 }, { passed: 2, mismatches: [] }),
      done('checksumGroup', { group: 1 }, { passed: 1, mismatches: [{ table: 'shop.documents' }] }),
    ],
  });
  expect(s).toEqual({
    storage: 'local:///b',
    cluster: { pd: ['a:1'], tidb: 'b:2' },
    planHash: 'h1',
    // The planRef named no planning feature: planned as the first release did.
    planFeatures: [],
    doneBatches: '0,2',
    batchesDone: 2,
    filesIngested: 4,
    bytesIngested: 20,
    groupsChecksummed: 1,
    checksumPassed: 3,
    recheck: { group: 1, tables: ['shop.documents'] },
  });
});

test('a continued run adds its completions to what its continuation carried; a resumed run starts from what it adopted', () => {
  const cont = { summary: { planRef: { hash: 'h1' } }, doneLow: 3, doneAbove: [5], filesIngested: 8, bytesIngested: 40, groupsChecksummed: 1, checksumPassed: 2 };
  expect(foldRunHistory({ input: { storage: 's' }, continuation: cont, activities: [done('ingestBatch', { batchNo: 3 }, { files: 1, bytes: 1 }), done('checksumGroup', { group: 1 }, { passed: 3, mismatches: [] })] })).toMatchObject({
    planHash: 'h1',
    doneBatches: '0-3,5',
    batchesDone: 5,
    filesIngested: 9,
    groupsChecksummed: 2,
    checksumPassed: 5,
  });
  const resumed = foldRunHistory({
    input: { storage: 's', resumeFrom: 'r1' },
    activities: [
      done('planRestore', {}, { planRef: { hash: 'h1' } }),
      done('readEarlierRun', { workflowId: 'r1' }, { doneBatches: '0-4', filesIngested: 10, bytesIngested: 50, groupsChecksummed: 1, checksumPassed: 2, recheck: { group: 1, tables: ['d.t'] } }),
      done('ingestBatch', { batchNo: 6 }, { files: 1, bytes: 5 }),
      done('checksumGroup', { group: 1 }, { passed: 1, mismatches: [], earlierPassed: 2 }),
    ],
  });
  expect(resumed).toMatchObject({ doneBatches: '0-4,6', filesIngested: 11, groupsChecksummed: 2, checksumPassed: 3 });
  expect(resumed.recheck).toBeUndefined();
});

test('groups checksummed out of order: those above the passed prefix are carried, from a run, a continuation and an adopted run', () => {
  const first = foldRunHistory({
    input: { storage: 's' },
    activities: [
      done('planRestore', {}, { planRef: { hash: 'h1' } }),
      done('checksumGroup', { group: 2 }, { passed: 4, mismatches: [] }),
      done('checksumGroup', { group: 4 }, { passed: 1, mismatches: [] }),
      done('checksumGroup', { group: 0 }, { passed: 2, mismatches: [] }),
    ],
  });
  expect(first).toMatchObject({ groupsChecksummed: 1, checksummedAbove: '2,4', checksumPassed: 7 });
  // A continuation carries them as numbers; group 1 passing closes the gap up to 3.
  const cont = { summary: { planRef: { hash: 'h1' } }, doneLow: 0, doneAbove: [], groupsChecksummed: 1, checksummedAbove: [2, 4], checksumPassed: 7 };
  const continued = foldRunHistory({ input: { storage: 's' }, continuation: cont, activities: [done('checksumGroup', { group: 1 }, { passed: 1, mismatches: [] })] });
  expect(continued).toMatchObject({ groupsChecksummed: 3, checksummedAbove: '4', checksumPassed: 8 });
  // A resumed run adopts them from readEarlierRun's range text.
  const resumed = foldRunHistory({
    input: { storage: 's', resumeFrom: 'r1' },
    activities: [done('readEarlierRun', { workflowId: 'r1' }, { doneBatches: '', groupsChecksummed: 1, checksummedAbove: '2,4', checksumPassed: 7 })],
  });
  expect(resumed).toMatchObject({ groupsChecksummed: 1, checksummedAbove: '2,4', checksumPassed: 7 });
  // A prefix run (every history recorded before) carries none.
  expect(foldRunHistory({ input: { storage: 's' }, activities: [done('checksumGroup', { group: 0 }, { passed: 2, mismatches: [] })] }).checksummedAbove).toBeUndefined();
});

const earlier = (o: Partial<EarlierRun>): EarlierRun => ({ workflowId: 'r1', runId: 'x', status: 'FAILED', storage: 's', planHash: 'h1', doneBatches: '', batchesDone: 0, filesIngested: 0, bytesIngested: 0, groupsChecksummed: 0, checksumPassed: 0, ...o });

test('resumeProblems: the same backup, plan and cluster of an ended restore pass; each difference is named', () => {
  const want = { storage: 's', planHash: 'h1' };
  expect(resumeProblems(earlier({}), 'r1', want)).toEqual([]);
  expect(resumeProblems(earlier({ status: 'TERMINATED', cluster: { pd: ['http://A:1'], tidb: 'b:2' } }), 'r1', { ...want, cluster: { pd: ['a:1'], tidb: 'b:2' } })).toEqual([]);
  expect(resumeProblems(undefined, 'r9', want)).toEqual([expect.stringMatching(/^resumeFrom: no restore with workflow ID "r9"/)]);
  expect(resumeProblems(earlier({ status: 'RUNNING' }), 'r1', want)).toEqual([expect.stringMatching(/still running; .*brflow cancel r1/)]);
  expect(resumeProblems(earlier({ status: 'COMPLETED' }), 'r1', want)).toEqual([expect.stringMatching(/completed; there is nothing to resume/)]);
  expect(resumeProblems(earlier({ planHash: 'h0' }), 'r1', want)).toEqual([expect.stringMatching(/^plan: restore "r1" restored plan h0, this input plans h1/)]);
  expect(resumeProblems(earlier({ storage: 't', cluster: { pd: ['a:1'], tidb: 'b:2' } }), 'r1', want)).toEqual([
    expect.stringMatching(/^storage: restore "r1" restored t, not s/),
    expect.stringMatching(/^cluster: restore "r1" restored into PD a:1 \/ TiDB b:2, not the worker's own cluster/),
  ]);
});

test('foldTableIds: recorded group table IDs across a chain (runs that record none add nothing; a resumed run carries the adopted ones)', () => {
  expect(foldTableIds([
    { input: {}, activities: [done('createTables', { group: 0 }, 2), done('createTables', { group: 1 }, { tables: 2, ids: '110-111' })] },
    { input: {}, activities: [done('readEarlierRun', {}, { groupTableIds: { 2: '120,122' } }), done('createTables', { group: 3 }, { tables: 1, ids: '130' })] },
  ])).toEqual({ 1: '110-111', 2: '120,122', 3: '130' });
});

test('the planning features of the plan a run restored: from its planRestore result, else its continuation; unknown flags left out', () => {
  const planned = foldRunHistory({
    input: { storage: 's' },
    activities: [done('planRestore', {}, { planRef: { hash: 'h1', storage: 's', schemaObjects: true, pinIndexIds: true, batchAcrossTables: false, someFutureFlag: true } })],
  });
  expect([planned.planHash, planned.planFeatures]).toEqual(['h1', ['schemaObjects', 'pinIndexIds']]);
  const continued = foldRunHistory({
    input: { storage: 's' },
    continuation: { summary: { planRef: { hash: 'h2', schemaObjects: true, autoIdsInCreate: true } }, doneLow: 1 },
    activities: [],
  });
  expect([continued.planHash, continued.planFeatures]).toEqual(['h2', ['schemaObjects', 'autoIdsInCreate']]);
  // Ended before planning: nothing planned, so no features either (the resume plans with today's).
  expect(foldRunHistory({ input: { storage: 's' }, activities: [] }).planFeatures).toBeUndefined();
});
