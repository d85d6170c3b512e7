import { normalizeRestoreRequest } from '../../../src/workflows/normalize-request';

test('resumeFrom and onClusterBusy are taken when valid and absent by default', () => {
  const base = normalizeRestoreRequest({ storage: 'local:///b' });
  expect('value' in base && 'resumeFrom' in base.value).toBe(false);
  expect('value' in base && 'onClusterBusy' in base.value).toBe(false);
  const r = normalizeRestoreRequest({ storage: 'local:///b', resumeFrom: 'restore-nightly', onClusterBusy: 'fail' });
  expect(r).toMatchObject({ value: { resumeFrom: 'restore-nightly', onClusterBusy: 'fail' } });
});

test('bad values are named with the fix, all at once', () => {
  expect(normalizeRestoreRequest({ storage: 'local:///b', resumeFrom: 7, onClusterBusy: 'queue' })).toEqual({
    problems: ['resumeFrom: expected the workflow ID of the restore to continue, e.g. "restore-2026-12-04"', 'onClusterBusy: expected "wait", "fail" or "ignore", got "queue"'],
  });
});
