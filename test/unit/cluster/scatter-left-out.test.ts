import { leftOutOfBatch } from '../../../src/cluster/region-split';

describe('leftOutOfBatch', () => {
  const ids = [10n, 11n, 12n];
  it.each([
    ['all placed', { finishedPercentage: 100, failedRegionIds: [] }, []],
    ['PD ≥ v8.5.5 names the ones left', { finishedPercentage: 66, failedRegionIds: [12n] }, [12n]],
    ['PD ≤ v8.5.4 names none: all again', { finishedPercentage: 33, failedRegionIds: [] }, ids],
    ['PD placed none', { finishedPercentage: 0, failedRegionIds: [] }, ids],
  ])('%s', (_name, res, want) => {
    expect(leftOutOfBatch(ids, res)).toEqual(want);
  });
});
